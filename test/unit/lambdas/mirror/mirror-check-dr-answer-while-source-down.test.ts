import { protectionPlanSchema } from '../../../../config/lifeboat-config';
import { chooseSourceCopy } from '../../../../lambdas/mirror/mirror-choice';
import { runMirrorCheck, type MirrorCheckDeps } from '../../../../lambdas/mirror/mirror-check';
import { type MirrorRecord } from '../../../../lambdas/mirror/mirror-record';

/**
 * The DR region's own answer that a mirror does not exist must survive the primary region's being unreachable (review
 * of 4c4b880): the check keeps the last clean pass of a source whose region does not answer, so a lost "no replica" /
 * "no mirror bucket" would have let a failover take a mirror that is not there. Fake clients: the DR region says the
 * mirror does not exist, the primary region refuses the connection.
 */
const NOW = Date.parse('2026-12-05T14:00:00Z');
const notFound = (name: string) => Object.assign(new Error(`${name}: not found`), { name });
const refused = () => Object.assign(new Error('connect ECONNREFUSED 3.5.0.1:443'), { code: 'ECONNREFUSED' });

function planOf(source: Record<string, unknown>) {
  return protectionPlanSchema.parse({ name: 'shop', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 60, rtoMinutes: 60 }, sources: [source] });
}

function cleanPass(source: string, type: 's3' | 'dynamodb', over: { source: string; mirror: string }): MirrorRecord {
  return {
    environment: 'prod', source, plan: 'shop', type, mirror: over.mirror, passOver: over,
    checkedAt: '2026-12-05T13:45:00.000Z', passed: true, compared: 3, differences: 0, inFlight: 0, lagSeconds: null, graceSeconds: 0, cursor: '', durationMs: 5,
    passStartedAt: '2026-12-05T13:45:00.000Z', passDifferences: 0, passLagSeconds: null, passUnfollowed: 0, cleanPassStartedAt: '2026-12-05T13:45:00.000Z', cleanPassLagSeconds: null,
  } as MirrorRecord;
}

async function check(plan: ReturnType<typeof planOf>, last: MirrorRecord, clients: { dr: { send: () => Promise<never> }; primary: { send: () => Promise<never> } }) {
  const records: MirrorRecord[] = [];
  const pick = (region: string) => (region === 'us-east-1' ? clients.primary : clients.dr);
  const deps = {
    environment: 'prod', plans: [plan], mirrorRegion: 'us-west-2', sourceRegion: 'us-east-1', mirrorBucketPrefix: 'p-mirror-',
    s3: pick, dynamodb: pick,
    log: { get: () => Promise.resolve(records.at(-1) ?? last), record: (r: MirrorRecord) => Promise.resolve(void records.push(r)) },
    now: () => NOW,
  } as unknown as MirrorCheckDeps;
  const result = await runMirrorCheck({ samples: 10, graceSeconds: 0 }, deps);
  const source = plan.sources[0];
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
