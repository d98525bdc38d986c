import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import { chooseSourceCopy } from '../../../../lambdas/mirror/mirror-choice';
import { runMirrorCheck } from '../../../../lambdas/mirror/mirror-check';
import { type MirrorRecord } from '../../../../lambdas/mirror/mirror-record';
import { cleanPass, NOW, PRIMARY, recordingCheckDeps, shopPlans } from './mirror-check-harness';

/**
 * The DR region's own answer that a mirror does not exist must survive the primary region's being unreachable (review
 * of 4c4b880): the check keeps the last clean pass of a source whose region does not answer, so a lost "no replica" /
 * "no mirror bucket" would have let a failover take a mirror that is not there. Fake clients: the DR region says the
 * mirror does not exist, the primary region refuses the connection.
 */
const notFound = (name: string) => Object.assign(new Error(`${name}: not found`), { name });
const refused = () => Object.assign(new Error('connect ECONNREFUSED 3.5.0.1:443'), { code: 'ECONNREFUSED' });
const planOf = (source: Record<string, unknown>) => shopPlans([source]);

async function check(planList: ProtectionPlanConfig[], last: MirrorRecord, clients: { dr: { send: () => Promise<never> }; primary: { send: () => Promise<never> } }) {
  const pick = (region: string) => (region === PRIMARY ? clients.primary : clients.dr);
  const { deps, records } = recordingCheckDeps({ plans: planList, mirrorBucketPrefix: 'p-mirror-', s3: pick as unknown as (region: string) => S3Client, dynamodb: pick as unknown as (region: string) => DynamoDBClient, stored: [last] });
  const result = await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
  const source = planList[0]?.sources[0];
  if (!source) throw new Error('the plan has no source');
  return { result, recorded: records.at(-1), choice: chooseSourceCopy(source, records.at(-1), { rpoMinutes: 60, startedAt: NOW + 60_000, mirrorBucketPrefix: 'p-mirror-', useMirrors: true }) };
}

it('records a DynamoDB table with no replica in the DR region as a failed check when the source region does not answer', async () => {
  const plan = planOf({ type: 'dynamodb', name: 'orders', table: 'shop-orders', mirror: true });
  const over = { source: 'dynamodb table shop-orders', mirror: 'dynamodb table shop-orders (us-west-2)' };
  const { result, recorded, choice } = await check(plan, cleanPass('orders', 'dynamodb', over), {
    dr: { send: () => Promise.reject(notFound('ResourceNotFoundException')) },
    primary: { send: () => Promise.reject(refused()) },
  });
  expect(result.passed).toBe(false);
  expect(recorded).toMatchObject({ passed: false });
  expect(recorded?.note).toContain('table shop-orders has no replica in us-west-2');
  expect(choice.use).toBe('vault');
});

it('records a missing S3 mirror bucket as a failed check when the source region does not answer', async () => {
  const plan = planOf({ type: 's3', name: 'assets', bucket: 'shop-assets', mirror: true });
  const over = { source: 's3://shop-assets/', mirror: 's3://p-mirror-assets/' };
  const { result, recorded, choice } = await check(plan, cleanPass('assets', 's3', over), {
    dr: { send: () => Promise.reject(notFound('NoSuchBucket')) },
    primary: { send: () => Promise.reject(refused()) },
  });
  expect(result.passed).toBe(false);
  expect(recorded?.note).toContain('mirror bucket p-mirror-assets does not exist in us-west-2');
  expect(choice.use).toBe('vault');
});

it('names the source, not the mirror, when both S3 buckets are missing', async () => {
  const plan = planOf({ type: 's3', name: 'assets', bucket: 'shop-assets', mirror: true });
  const over = { source: 's3://shop-assets/', mirror: 's3://p-mirror-assets/' };
  const { recorded } = await check(plan, cleanPass('assets', 's3', over), {
    dr: { send: () => Promise.reject(notFound('NoSuchBucket')) },
    primary: { send: () => Promise.reject(notFound('NoSuchBucket')) },
  });
  expect(recorded?.passed).toBe(false);
  expect(recorded?.note).toContain('source bucket shop-assets does not exist in us-east-1');
});
