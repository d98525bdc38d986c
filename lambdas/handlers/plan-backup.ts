import { z } from 'zod';
import { planBackup, type PlannedBackup } from '../backup/plan-backup';
import { classifyError } from '../runtime/errors';
import { functionContext } from '../runtime/function-context';
import { parseInput } from '../runtime/parse-input';

const inputSchema = z.object({
  plan: z.string().min(1),
  strategy: z.enum(['full', 'incremental', 'differential']).optional(),
  trigger: z.string().optional(),
});

export async function handler(event: unknown): Promise<PlannedBackup> {
  const input = parseInput(inputSchema, event, 'backup request');
  const ctx = functionContext();
  try {
    return await planBackup(input, {
      s3: ctx.clients.s3Client(),
      dynamodb: ctx.clients.dynamoDbClient(),
      store: ctx.store,
      catalog: ctx.catalog,
      plans: ctx.plans,
      environment: ctx.environment,
    });
  } catch (err) {
    throw classifyError(err);
  }
}
