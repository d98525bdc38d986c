import { type ProtectionPlanConfig, type SourceConfig } from '../../../../config/lifeboat-config';
import { runMirrorCheck } from '../../../../lambdas/mirror/mirror-check';
import { chooseSourceCopy } from '../../../../lambdas/mirror/mirror-choice';
import { inMemoryDynamoDbMirror, type Item } from './in-memory-mirror-tables';

/**
 * The DynamoDB mirror check over several runs (review r4, finding 3): a pass is judged by what is open when it
 * ends. DynamoDB keeps no write time per item: an item written a moment before its window reads it is in flight
 * there (dated from when first seen), and the next run's strongly consistent re-check sees it equal. Both tables
 * are maps in memory.
 */
const T0 = Date.parse('2026-12-05T12:00:00.000Z');
const MIN = 60_000;

it('a pass during which one item differed in one window and was seen equal by the next run is clean when it ends with nothing open', async () => {
  const key = (i: number) => `item${String(i).padStart(3, '0')}`;
  const source = new Map<string, Item>();
  const replica = new Map<string, Item>();
  for (let i = 0; i < 40; i++) {
    source.set(key(i), { pk: { S: key(i) }, v: { N: '1' } });
    replica.set(key(i), { pk: { S: key(i) }, v: { N: '1' } });
  }
  const orders = { type: 'dynamodb', name: 'orders', table: 'orders', mirror: true } as unknown as SourceConfig;
  const plans = [{ name: 'shop', objectives: { rpoMinutes: 120, rtoMinutes: 60 }, sources: [orders] }] as unknown as ProtectionPlanConfig[];
  const clock = { now: T0 };
  const { deps, log } = inMemoryDynamoDbMirror(source, replica, plans, clock);
  const outcomes: string[] = [];
  // A pass is 4 windows of 10 items; in the second window of each pass, one item was just written and reaches the replica a second later.
  for (let run = 0; run < 8; run++) {
    const hot = run % 4 === 1 ? key(10 + run) : undefined;
    if (hot) source.set(hot, { pk: { S: hot }, v: { N: String(run + 2) } });
    const result = await runMirrorCheck({ samples: 10, graceSeconds: 900 }, deps);
    if (hot) replica.set(hot, { ...(source.get(hot) as Item) });
    const choice = chooseSourceCopy(orders, log.record, { rpoMinutes: 120, startedAt: clock.now + MIN, mirrorBucketPrefix: 'lifeboat-prod-mirror-', useMirrors: true });
    outcomes.push(`${new Date(clock.now).toISOString().slice(11, 16)} ${result.passed ? 'passed' : 'failed'} ${choice.use}`);
    clock.now += 15 * MIN;
  }
  // Before review r4: every pass counted the item's difference, none was clean, and the failover never took the mirror.
  // Before review r7 F2 the item failed the run that first saw it (12:15, 13:15); now it is in flight there.
  expect(outcomes).toEqual(['12:00 passed vault', '12:15 passed vault', '12:30 passed vault', '12:45 passed mirror', '13:00 passed mirror', '13:15 passed mirror', '13:30 passed mirror', '13:45 passed mirror']);
  expect(log.record).toEqual(expect.objectContaining({ cleanPassStartedAt: new Date(T0 + 60 * MIN).toISOString(), cleanPassLagSeconds: null }));
});

describe('an item rewritten more often than it replicates (review r7 F2)', () => {
  const key = (i: number) => `item${String(i).padStart(3, '0')}`;
  const HOT = key(5);
  const orders = { type: 'dynamodb', name: 'orders', table: 'orders', mirror: true } as unknown as SourceConfig;
  const plans = [{ name: 'shop', objectives: { rpoMinutes: 60, rtoMinutes: 60 }, sources: [orders] }] as unknown as ProtectionPlanConfig[];

  /** 20 items, equal on both sides; a check of 10 items per run (a pass is two runs), every 15 minutes, grace 900 s. */
  function setup() {
    const source = new Map<string, Item>();
    const replica = new Map<string, Item>();
    for (let i = 0; i < 20; i++) {
      source.set(key(i), { pk: { S: key(i) }, v: { N: '1' } });
      replica.set(key(i), { pk: { S: key(i) }, v: { N: '1' } });
    }
    const clock = { now: T0 };
    const { deps, log } = inMemoryDynamoDbMirror(source, replica, plans, clock);
    /** One run: `hot` rewrites the item just before it (a counter) and, when `replicates`, the replica receives the run's source copy just after: it always lags one write. */
    const run = async (hot: { replicates: boolean } | undefined): Promise<string> => {
      if (hot) source.set(HOT, { pk: { S: HOT }, v: { N: String(Number(source.get(HOT)?.v?.N) + 1) } });
      const result = await runMirrorCheck({ samples: 10, graceSeconds: 900 }, deps);
      if (hot?.replicates) replica.set(HOT, { ...(source.get(HOT) as Item) });
      const choice = chooseSourceCopy(orders, log.record, { rpoMinutes: 60, startedAt: clock.now + MIN, mirrorBucketPrefix: 'lifeboat-prod-mirror-', useMirrors: true });
      const at = new Date(clock.now).toISOString().slice(11, 16);
      clock.now += 15 * MIN;
      return `${at} ${result.passed ? 'passed' : 'failed'} ${choice.use}`;
    };
    return { run, log, replica };
  }

  it('passes while the replica\'s copy is seen moving, and fails once it stops moving for longer than the grace', async () => {
    const { run, log } = setup();
    const outcomes: string[] = [];
    outcomes.push(await run(undefined), await run(undefined));
    for (let i = 0; i < 6; i++) outcomes.push(await run({ replicates: true }));
    // Replication of the item stops; the source goes on rewriting it.
    outcomes.push(await run({ replicates: false }), await run({ replicates: false }));
    expect(log.record?.firstDifference).toEqual({
      key: '{"pk":{"S":"item005"}}',
      reason: "differs in the replica (the replica's copy has not changed since 2026-12-05T14:00:00.000Z: longer than the grace of 900 s)",
      foundAt: '2026-12-05T14:00:00.000Z',
    });
    outcomes.push(await run({ replicates: false }));
    expect(outcomes).toEqual([
      // A clean pass (12:00–12:15) vouches for the mirror.
      '12:00 passed vault',
      '12:15 passed mirror',
      // The item is hot from 12:30: never seen equal, but its replica copy moves at every re-check, so it is in flight.
      // Every pass ends with it in flight: none vouches for it (a digest has no order: a replica days behind moves too),
      // so the data age runs from the last clean pass (12:00) and passes the RPO of 60 minutes at 13:00.
      '12:30 passed mirror',
      '12:45 passed mirror',
      '13:00 passed vault',
      '13:15 passed vault',
      '13:30 passed vault',
      '13:45 passed vault',
      // 14:00: the copy moved once more (the last write that replicated); 14:15: unchanged since 14:00 for the grace, a difference.
      '14:00 passed vault',
      '14:15 failed vault',
      '14:30 failed vault',
    ]);
    expect(log.record).toMatchObject({ passed: false, differences: 1, cleanPassStartedAt: new Date(T0).toISOString() });
    expect(log.record?.firstDifference).toEqual({ key: '{"pk":{"S":"item005"}}', reason: 'differs in the replica', foundAt: '2026-12-05T14:00:00.000Z' });
    // The copy's digest is kept for the next re-check, in the catalog only.
    expect(log.record?.unresolved?.[0]?.replicaCopy).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('a pass held by the item counts once the item is seen equal; a difference whose copy moves again is in flight again', async () => {
    const { run, log } = setup();
    const outcomes: string[] = [];
    outcomes.push(await run(undefined), await run(undefined));
    // Hot at 12:30 and 12:45: the pass that started 12:30 ends with the item in flight, a candidate it holds.
    outcomes.push(await run({ replicates: true }), await run({ replicates: true }));
    expect(log.record).toMatchObject({ candidatePass: { startedAt: '2026-12-05T12:30:00.000Z' }, pending: [expect.objectContaining({ key: '{"pk":{"S":"item005"}}', holdsPass: true })] });
    // The writes pause and the replica has caught up: seen equal at 13:00, the candidate counts.
    outcomes.push(await run(undefined));
    expect(log.record).toMatchObject({ cleanPassStartedAt: '2026-12-05T12:30:00.000Z' });
    // Written at 13:15 (first seen in flight 13:30), stalled until 14:00, replicating again (its copy moves) at 14:15, caught up at 14:30.
    outcomes.push(await run({ replicates: false }), await run({ replicates: false }), await run({ replicates: false }), await run({ replicates: true }), await run({ replicates: true }));
    outcomes.push(await run(undefined));
    expect(outcomes).toEqual([
      '12:00 passed vault',
      '12:15 passed mirror',
      '12:30 passed mirror',
      '12:45 passed mirror',
      '13:00 passed mirror',
      '13:15 passed mirror',
      '13:30 passed mirror',
      '13:45 failed vault',
      '14:00 failed vault',
      // Its copy moved: in flight again (review r4's rule for S3), so the check passes; the data age still runs from 13:00.
      '14:15 passed vault',
      // Seen equal: the pass that started 14:00 counts, with the lag of the difference open in it (30 minutes), beyond the RPO.
      '14:30 passed vault',
    ]);
    expect(log.record).toMatchObject({ passed: true, cleanPassStartedAt: '2026-12-05T14:00:00.000Z', cleanPassLagSeconds: 1800 });
    expect(log.record?.pending).toBeUndefined();
  });
});

describe('items only the replica holds (audit b5-3): the pass scans the replica too', () => {
  const orders = { type: 'dynamodb', name: 'orders', table: 'orders', mirror: true } as unknown as SourceConfig;
  const plans = [{ name: 'shop', objectives: { rpoMinutes: 60, rtoMinutes: 60 }, sources: [orders] }] as unknown as ProtectionPlanConfig[];
  const equalTables = (keys: string[]): { source: Map<string, Item>; replica: Map<string, Item> } => ({
    source: new Map(keys.map((k) => [k, { pk: { S: k }, v: { N: '1' } }])),
    replica: new Map(keys.map((k) => [k, { pk: { S: k }, v: { N: '1' } }])),
  });

  it('a delete that never reached the replica is in flight when first seen and a difference once the grace has passed: the failover takes the vault', async () => {
    const { source, replica } = equalTables(['a', 'b', 'c']);
    replica.set('account#closed', { pk: { S: 'account#closed' }, v: { N: '1' } });
    const clock = { now: T0 };
    const { deps, log } = inMemoryDynamoDbMirror(source, replica, plans, clock);
    const runs: string[] = [];
    for (let run = 0; run < 3; run++) {
      const r = await runMirrorCheck({ samples: 1000, graceSeconds: 900 }, deps);
      runs.push(`passed=${r.passed} differences=${r.sources[0]?.differences} inFlight=${r.sources[0]?.inFlight} clean=${log.record?.cleanPassStartedAt ?? '-'}`);
      clock.now += 15 * MIN;
    }
    // Before: every run passed with a clean pass (the replica was never scanned) and the failover took the mirror. `inFlight` is
    // each window's: every pass sees the item anew.
    expect(runs).toEqual([
      'passed=true differences=0 inFlight=1 clean=-',
      'passed=false differences=1 inFlight=1 clean=-',
      'passed=false differences=1 inFlight=1 clean=-',
    ]);
    expect(log.record?.firstDifference).toEqual(expect.objectContaining({ key: '{"pk":{"S":"account#closed"}}', reason: expect.stringMatching(/^in the replica but deleted from the source/), foundAt: new Date(T0).toISOString() }));
    const choice = chooseSourceCopy(orders, log.record, { rpoMinutes: 60, startedAt: clock.now, mirrorBucketPrefix: 'lifeboat-prod-mirror-', useMirrors: true });
    expect(choice.use).toBe('vault');
  });

  it('the delete replicating within the grace clears it, and the pass is clean', async () => {
    const { source, replica } = equalTables(['a', 'b']);
    replica.set('gone', { pk: { S: 'gone' }, v: { N: '1' } });
    const clock = { now: T0 };
    const { deps, log } = inMemoryDynamoDbMirror(source, replica, plans, clock);
    await runMirrorCheck({ samples: 1000, graceSeconds: 900 }, deps);
    replica.delete('gone');
    clock.now += 5 * MIN;
    const r = await runMirrorCheck({ samples: 1000, graceSeconds: 900 }, deps);
    expect({ passed: r.passed, inFlight: r.sources[0]?.inFlight, clean: log.record?.cleanPassStartedAt }).toEqual({ passed: true, inFlight: 0, clean: new Date(T0 + 5 * MIN).toISOString() });
  });

  it('a pass ends once both the source and the larger replica are scanned to their ends, each by its own cursor', async () => {
    const { source, replica } = equalTables(['a', 'b', 'c']);
    // 'zz1', 'zz2': stale items after every source key; a window is 3 items of each side.
    replica.set('zz1', { pk: { S: 'zz1' }, v: { N: '1' } });
    replica.set('zz2', { pk: { S: 'zz2' }, v: { N: '1' } });
    const clock = { now: T0 };
    const { deps, log } = inMemoryDynamoDbMirror(source, replica, plans, clock);
    const positions: string[] = [];
    for (let run = 0; run < 3; run++) {
      const r = await runMirrorCheck({ samples: 3, graceSeconds: 0 }, deps);
      positions.push(`cursor=${log.record?.cursor} replicaCursor=${log.record?.replicaCursor ?? '(absent)'} differences=${r.sources[0]?.differences} passStartedAt=${log.record?.passStartedAt?.slice(11, 16)}`);
      clock.now += 15 * MIN;
    }
    expect(positions).toEqual([
      // The source's 3 items are its whole table: its part of the pass is done, the replica's goes on after 'c'.
      'cursor= replicaCursor={"pk":{"S":"c"}} differences=0 passStartedAt=12:00',
      // The source's part is done: the replica's window finds its two stale items, and the pass ends.
      'cursor= replicaCursor=(absent) differences=2 passStartedAt=12:00',
      'cursor= replicaCursor={"pk":{"S":"c"}} differences=2 passStartedAt=12:30',
    ]);
  });

  it('samples below 100: a run follows every key in flight of both its windows, up to 2 × samples (review R2-F3)', async () => {
    // Two source items with a newer write not replicated yet, two replica-only items whose deletes are replicating.
    const source = new Map(['a', 'b'].map((k) => [k, { pk: { S: k }, v: { N: '2' } }]));
    const replica = new Map(['0x', '0y', 'a', 'b'].map((k) => [k, { pk: { S: k }, v: { N: '1' } }]));
    const clock = { now: T0 };
    const { deps, log } = inMemoryDynamoDbMirror(source, replica, plans, clock);
    const first = await runMirrorCheck({ samples: 2, graceSeconds: 900 }, deps);
    // Before this fix: the follow limit was samples (2), so 2 of the 4 keys went unfollowed and this pass could never be clean.
    expect({ inFlight: first.sources[0]?.inFlight, pending: log.record?.pending?.length, passUnfollowed: log.record?.passUnfollowed }).toEqual({ inFlight: 4, pending: 4, passUnfollowed: 0 });
    // Everything replicates before the next run, which ends the pass (the replica's last window): it is clean from its start.
    for (const k of ['a', 'b']) replica.set(k, { pk: { S: k }, v: { N: '2' } });
    replica.delete('0x');
    replica.delete('0y');
    clock.now += 5 * MIN;
    expect((await runMirrorCheck({ samples: 2, graceSeconds: 900 }, deps)).passed).toBe(true);
    expect(log.record).toEqual(expect.objectContaining({ passUnfollowed: 0, cleanPassStartedAt: new Date(T0).toISOString() }));
    expect(chooseSourceCopy(orders, log.record, { rpoMinutes: 60, startedAt: clock.now, mirrorBucketPrefix: 'lifeboat-prod-mirror-', useMirrors: true }).use).toBe('mirror');
  });
});
