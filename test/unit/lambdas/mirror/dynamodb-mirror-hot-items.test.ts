import { sourceMirrorStatus } from '../../../../cli/status/mirror-status';
import { type ProtectionPlanConfig, type SourceConfig } from '../../../../config/lifeboat-config';
import { runMirrorCheck } from '../../../../lambdas/mirror/mirror-check';
import { chooseSourceCopy } from '../../../../lambdas/mirror/mirror-choice';
import { itemKeyText } from '../../../../lambdas/mirror/dynamodb-item-key';
import { mirrorPk, MIRROR_SK, type MirrorRecord } from '../../../../lambdas/mirror/mirror-record';
import { MAX_LISTED_KEY_BYTES } from '../../../../lambdas/mirror/mirror-verdict';
import { inMemoryDynamoDbMirror, type Item } from './in-memory-mirror-tables';

/**
 * The DynamoDB mirror check with items rewritten faster than they replicate (review r1 on 33caacf): such an item is
 * in flight at every run, followed for ever. F1: 100 of them filled the record, and an item whose replication stopped
 * was never followed, so never a difference, and the check passed for ever. F2: 100 unresolved beside 100 pending keys
 * of 2 KB made a `MIRROR#` item over DynamoDB's 400 KB. F3: what status and the failover say while a pass is held.
 * Both tables are maps in memory; a run every 15 minutes, grace 900 s.
 */
const T0 = Date.parse('2026-12-05T12:00:00.000Z');
const MIN = 60_000;

const key = (i: number) => `item${String(i).padStart(4, '0')}`;
const orders = { type: 'dynamodb', name: 'orders', table: 'orders', mirror: true } as unknown as SourceConfig;
const plans = [{ name: 'shop', objectives: { rpoMinutes: 60, rtoMinutes: 60 }, sources: [orders] }] as unknown as ProtectionPlanConfig[];

/** `n` items equal on both sides (named by `name`), checked `samples` per run. */
function setup(n: number, samples: number, name: (i: number) => string = key) {
  const source = new Map<string, Item>();
  const replica = new Map<string, Item>();
  for (let i = 0; i < n; i++) {
    source.set(name(i), { pk: { S: name(i) }, v: { N: '1' } });
    replica.set(name(i), { pk: { S: name(i) }, v: { N: '1' } });
  }
  const clock = { now: T0 };
  const { deps, log } = inMemoryDynamoDbMirror(source, replica, plans, clock);
  const bump = (k: string) => source.set(k, { pk: { S: k }, v: { N: String(Number(source.get(k)?.v?.N ?? '0') + 1) } });
  /** One run: `hot` items are rewritten just before it and reach the replica just after (always one write behind); `write` just before. */
  const run = async (hot: readonly string[], write: readonly string[] = []): Promise<string> => {
    hot.forEach(bump);
    write.forEach(bump);
    const result = await runMirrorCheck({ samples, graceSeconds: 900 }, deps);
    for (const k of hot) replica.set(k, { ...(source.get(k) as Item) });
    const at = new Date(clock.now).toISOString().slice(11, 16);
    clock.now += 15 * MIN;
    return `${at} ${result.passed ? 'passed' : 'failed'}`;
  };
  const status = () =>
    sourceMirrorStatus({ plan: 'shop', source: { name: 'orders', type: 'dynamodb' }, check: log.record, rpoSeconds: 3600, schedule: { expression: 'rate(15 minutes)', name: 'x-mirror-check' }, now: new Date(clock.now) });
  const failover = () => chooseSourceCopy(orders, log.record, { rpoMinutes: 60, startedAt: clock.now, mirrorBucketPrefix: 'lifeboat-prod-mirror-', useMirrors: true });
  return { run, log, status, failover };
}

describe('an item whose replication stopped, beside items always in flight (review r1 F1 on 33caacf)', () => {
  const COLD = key(250);
  const coldKey = itemKeyText({ pk: { S: COLD } });

  it.each([
    // 100 hot items filled the record (it follows at most 100): before the fix the cold item was never followed and every run passed.
    [100, ['12:00 passed', '12:15 passed', '12:30 passed', '12:45 failed', '13:00 failed']],
    // 250 hot items: more new keys in flight than a window lists; the listed ones change from run to run, so the cold one is listed too.
    // (In the key order the window listed items 100–199, then 0–99, and never the cold one: run after run, it passed.)
    [250, ['12:00 passed', '12:15 passed', '12:30 passed', '12:45 failed', '13:00 failed']],
  ])('%d items rewritten at every run: the item written at 12:30 that never reaches the replica fails the check a grace after it is followed', async (hotCount, expected) => {
    const { run, log } = setup(300, 1000);
    const hot = Array.from({ length: hotCount }, (_, i) => key(i));
    const outcomes = [await run([]), await run(hot), await run(hot, [COLD]), await run(hot), await run(hot)];
    expect(outcomes).toEqual(expected);
    // The only difference is the cold item, dated from when the check first followed it; the hot items stay in flight.
    expect(log.record).toMatchObject({ passed: false, differences: 1, unresolved: [{ key: coldKey, reason: 'differs in the replica', foundAt: '2026-12-05T12:30:00.000Z' }] });
    expect(log.record?.pending).toHaveLength(100);
  });
});

describe('the MIRROR# item with keys of 2 KB (review r1 F2 on 33caacf)', () => {
  /** The item's size by DynamoDB's rules: attribute names and UTF-8 strings; a number about a byte per two digits; a map or list 3 bytes and 1 per element. */
  const size = (v: unknown): number => {
    if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
    if (typeof v === 'number') return Math.ceil(String(v).replace(/[^0-9]/g, '').length / 2) + 1;
    if (typeof v === 'boolean' || v === null) return 1;
    if (Array.isArray(v)) return 3 + v.reduce((s: number, e) => s + 1 + size(e), 0);
    if (typeof v === 'object' && v !== null) return 3 + Object.entries(v).reduce((s, [k, e]) => s + Buffer.byteLength(k) + 1 + size(e), 0);
    return 0;
  };

  it('replication stopped and 300 items of 2,000-byte keys written since: the item stays under 300 KB at every run, the check fails', async () => {
    const { run, log } = setup(0, 100);
    const longKey = (i: number) => key(i).padEnd(2000, 'x');
    const sizes: number[] = [];
    const outcomes: string[] = [];
    for (let r = 0; r < 4; r++) {
      outcomes.push(await run([], r === 0 ? Array.from({ length: 300 }, (_, i) => longKey(i)) : []));
      const record = log.record as MirrorRecord;
      sizes.push(Object.entries({ pk: mirrorPk(record.source), sk: MIRROR_SK, ...record }).reduce((s, [k, e]) => s + Buffer.byteLength(k) + size(e), 0));
      const listed = [...(record.unresolved ?? []), ...(record.pending ?? [])].reduce((s, d) => s + Buffer.byteLength(d.key, 'utf8'), 0);
      expect(listed).toBeLessThanOrEqual(MAX_LISTED_KEY_BYTES);
    }
    // Before the fix: 432,288 bytes at 12:15, and PutItem refused the item (ValidationException): the run threw instead of reporting.
    expect(Math.max(...sizes)).toBeLessThan(300_000);
    expect(outcomes).toEqual(['12:00 passed', '12:15 failed', '12:30 failed', '12:45 failed']);
    // 65 keys of 2,014 bytes of text fit: the first ones followed, differences since 12:15; those beyond are not followed (passUnfollowed).
    expect(log.record?.unresolved?.length).toBe(65);
    expect(log.record?.pending).toBeUndefined();
  });
});

describe('what status and the failover say while an item rewritten faster than it replicates holds the pass (review r1 F3 on 33caacf)', () => {
  const HOT = key(5);
  const held = (startedAt: string) =>
    ` (the pass that started ${startedAt} ended with 1 key(s) still replicating; it counts once the items' writes pause and a check reads them equal in the replica (a copy seen moving does not say how far behind it is))`;

  it('past the RPO after an earlier clean pass: both say what the held pass waits for', async () => {
    const { run, status, failover } = setup(20, 10);
    await run([]);
    await run([]);
    for (let i = 0; i < 4; i++) await run([HOT]);
    const of = 'mirror of orders (dynamodb table orders (us-west-2))';
    expect(status().reasons).toEqual([
      `${of}: its data may be 1h30m old (its last clean pass over the whole source started 2026-12-05T12:00:00.000Z; lag included), beyond the plan's RPO of 1h: ` +
        `a failover restores from the DR vault${held('2026-12-05T13:00:00.000Z')}`,
    ]);
    expect(failover().reason).toBe(
      'the mirror was checked 900 s before the failover (10 entries equal), lag not measured, its last clean pass over the whole source started 5400 s before: ' +
        `its data may be 5400 s old, beyond the plan's RPO of 3600 s${held('2026-12-05T13:00:00.000Z')}; restored from the DR vault`,
    );
  });

  it('with no clean pass yet: status says more samples do not help, instead of advising them', async () => {
    const { run, status, failover } = setup(20, 10);
    for (let i = 0; i < 6; i++) await run([HOT]);
    expect(status().reasons).toEqual([
      'mirror of orders (dynamodb table orders (us-west-2)): no pass of the mirror check over the whole source has ended without a difference yet' +
        `${held('2026-12-05T13:00:00.000Z')}, so how old its data is is unknown and a failover restores from the DR vault: ` +
        'more samples do not help: while its items are rewritten faster than they replicate, no pass vouches for the table (restoring it from the vault is always correct)',
    ]);
    expect(failover().reason).toBe(
      `no pass of the mirror check over the whole source has ended without a difference yet${held('2026-12-05T13:00:00.000Z')}: each check compares one window, so how old the mirror's data is is unknown; restored from the DR vault`,
    );
  });
});
