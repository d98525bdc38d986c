import { z } from 'zod';
import { createLambdaRuntime } from '../../../../lambdas/runtime/lambda-runtime';
import { lifeboatHandler } from '../../../../lambdas/runtime/lifeboat-handler';
import { runtimeConfigFromEnv } from '../../../../lambdas/runtime/runtime-config';
import { capturedStdout, jsonLines } from '../../../support/captured-stdout';

/**
 * Every handler goes through lifeboatHandler, which logs one structured line when it starts and one
 * when it ends (Powertools Logger, JSON on stdout): keyed by environment, plan, backup, source and
 * shard, and never carrying what the handler read. The sample item's attribute value travels in the
 * event (a field that is no identifier) and in the output (a sample of the item): neither reaches a line.
 */
const ATTRIBUTE_VALUE = 'card-4111-1111-1111-1111';

const ENV = {
  AWS_REGION: 'eu-west-1',
  LIFEBOAT_ENVIRONMENT: 'prod',
  VAULT_BUCKET: 'prod-vault',
  CATALOG_TABLE: 'prod-catalog',
  LIFEBOAT_PLANS: '[]',
};
const runtime = () => createLambdaRuntime(runtimeConfigFromEnv(ENV));

const schema = z.object({ backupId: z.string(), planKey: z.string(), shardIndex: z.number(), filter: z.object({ customer: z.string() }) });
const event = { backupId: '20261201T020000Z-0a1b2c3d', planKey: 'plans/20261201T020000Z-0a1b2c3d.json', shardIndex: 3, filter: { customer: ATTRIBUTE_VALUE } };
const item = { pk: 'customer#7', payment: ATTRIBUTE_VALUE };

let savedEnvironment: string | undefined;
beforeEach(() => {
  savedEnvironment = process.env.LIFEBOAT_ENVIRONMENT;
  process.env.LIFEBOAT_ENVIRONMENT = 'prod';
});
afterEach(() => {
  if (savedEnvironment === undefined) delete process.env.LIFEBOAT_ENVIRONMENT;
  else process.env.LIFEBOAT_ENVIRONMENT = savedEnvironment;
});

it('logs the start and end of an invocation keyed by environment, plan, backup, source and shard, and no data value', async () => {
  const handler = lifeboatHandler({ schema, describes: 'shard task' }, async () => ({ plan: 'orders', source: 'orders-table', shardIndex: 3, entries: 1, sample: item }), runtime);
  const lines = await capturedStdout(async () => {
    await handler(event, { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'req-1' });
  });
  expect(lines.join('\n')).not.toContain(ATTRIBUTE_VALUE);
  const logged = jsonLines(lines);
  expect(logged.map((l) => l.message)).toEqual(['Started shard task', 'Finished shard task']);
  expect(logged[0]).toMatchObject({ level: 'INFO', service: 'lifeboat', environment: 'prod', backupId: event.backupId, shardIndex: 3, requestId: 'req-1' });
  expect(logged[1]).toMatchObject({ environment: 'prod', plan: 'orders', source: 'orders-table', backupId: event.backupId, shardIndex: 3, durationMs: expect.any(Number) });
});

it('logs a failure with the error name and message, and a refused event without its content', async () => {
  const failing = lifeboatHandler({ schema, describes: 'shard task' }, async () => Promise.reject(Object.assign(new Error('Backup b-1 has no shard 3 (it has 2).'), { name: 'InvalidInputError' })), runtime);
  const refused = lifeboatHandler({ schema, describes: 'shard task' }, async () => 'never', runtime);
  const lines = await capturedStdout(async () => {
    await expect(failing(event)).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(refused({ ...event, shardIndex: ATTRIBUTE_VALUE })).rejects.toMatchObject({ name: 'InvalidInputError' });
  });
  expect(lines.join('\n')).not.toContain(ATTRIBUTE_VALUE);
  const logged = jsonLines(lines);
  expect(logged.map((l) => [l.level, l.message])).toEqual([
    ['INFO', 'Started shard task'],
    ['ERROR', 'Failed shard task'],
    ['ERROR', 'Refused shard task'],
  ]);
  expect(logged[1]).toMatchObject({ environment: 'prod', backupId: event.backupId, error: 'InvalidInputError', errorMessage: 'Backup b-1 has no shard 3 (it has 2).' });
  // The keys of the previous invocation do not leak into the next one's lines.
  expect(logged[2]).not.toHaveProperty('plan');
  expect(logged[2]).toMatchObject({ environment: 'prod', backupId: event.backupId, error: 'InvalidInputError' });
});
