import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { sourceMirrorStatus } from '../../../../cli/status/mirror-status';
import { type ProtectionPlanConfig, type SourceConfig } from '../../../../config/lifeboat-config';
import { runMirrorCheck, type MirrorCheckDeps, type MirrorCheckResult } from '../../../../lambdas/mirror/mirror-check';
import { chooseSourceCopy, type MirrorChoice } from '../../../../lambdas/mirror/mirror-choice';
import { type MirrorRecord, mirrorRecordSchema } from '../../../../lambdas/mirror/mirror-record';
import { compareS3Mirror, MAX_WALKED_PER_WINDOW, type S3MirrorWindow, WALKED_PER_SAMPLE, walkBound } from '../../../../lambdas/mirror/s3-mirror-comparison';

/**
 * The S3 mirror check over several runs, and what a failover and `lifeboat status` make of its record
 * (audit a1): a mirror is vouched for only by a clean pass over the whole source, not by its last
 * window (F1); a key rewritten more often than the grace is followed across runs until the mirror gets
 * a newer copy (F2); a key only the mirror has is a delete in flight before it is a difference (F3).
 * Both buckets are listings in memory.
 */
const T0 = Date.parse('2026-12-05T12:00:00.000Z');
const MIN = 60_000;
const GRACE = 900;
const PREFIX = 'lifeboat-prod-mirror-';

type Obj = { Key: string; Size: number; ETag: string; LastModified: Date };

/** A bucket whose ListObjectsV2 pages through `objects()` in key order, `MaxKeys` (else `pageSize`) at a time, counting its calls in `calls`. */
function listingS3(objects: () => Obj[], pageSize = 1000, calls = { n: 0 }): S3Client {
  const send = (command: unknown) => {
    if (!(command instanceof ListObjectsV2Command)) throw new Error(`unexpected command ${String(command)}`);
    calls.n += 1;
    const { Prefix = '', StartAfter, ContinuationToken, MaxKeys = pageSize } = command.input;
    const after = ContinuationToken ?? StartAfter ?? '';
    const all = objects()
      .filter((o) => o.Key.startsWith(Prefix) && o.Key > after)
      .sort((a, b) => (a.Key < b.Key ? -1 : 1));
    const page = all.slice(0, MaxKeys);
    const more = all.length > page.length;
    return Promise.resolve({ Contents: page, IsTruncated: more, NextContinuationToken: more ? page.at(-1)?.Key : undefined });
  };
  return { send } as unknown as S3Client;
}

const obj = (key: string, etag: string, at: number, size = 10): Obj => ({ Key: key, Size: size, ETag: `"${etag}"`, LastModified: new Date(at) });

/** A mirrored S3 source `app` of plan `web` (RPO `rpoMinutes`, mirror as configured by `mirror`), its buckets, the check's record, and a clock. */
function mirrored(rpoMinutes: number, mirror: true | { deleteMarkers: false } = true) {
  const source = { type: 's3', name: 'app', bucket: 'app-data', prefix: '', mirror } as unknown as SourceConfig;
  const plans = [{ name: 'web', objectives: { rpoMinutes, rtoMinutes: 60 }, sources: [source] }] as unknown as ProtectionPlanConfig[];
  const state = { now: T0, source: [] as Obj[], mirror: [] as Obj[], record: undefined as MirrorRecord | undefined };
  const deps: MirrorCheckDeps = {
    environment: 'prod',
    plans,
    mirrorRegion: 'us-west-2',
    sourceRegion: 'us-east-1',
    mirrorBucketPrefix: PREFIX,
    s3: (region) => (region === 'us-east-1' ? listingS3(() => state.source) : listingS3(() => state.mirror)),
    dynamodb: () => {
      throw new Error('no DynamoDB source here');
    },
    log: {
      get: () => Promise.resolve(state.record),
      record: (r: MirrorRecord) => Promise.resolve(void (state.record = mirrorRecordSchema.parse(r))),
    },
    now: () => state.now,
  };
  const check = (samples = 1000): Promise<MirrorCheckResult> => runMirrorCheck({ samples, graceSeconds: GRACE }, deps);
  const failover = (afterMs = MIN, useMirrorsGiven = false): MirrorChoice =>
    chooseSourceCopy(source, state.record, { rpoMinutes, startedAt: state.now + afterMs, mirrorBucketPrefix: PREFIX, useMirrors: true, useMirrorsGiven });
  const status = () =>
    sourceMirrorStatus({ plan: 'web', source: { name: 'app', type: 's3' }, check: state.record, rpoSeconds: rpoMinutes * 60, schedule: { expression: 'rate(15 minutes)', name: 'mirror-check' }, now: new Date(state.now + MIN) });
  return { state, check, failover, status };
}

describe('F1: the data age comes from the last clean complete pass, not from the last window', () => {
  it('windows that pass while the part of the source no window has reached lacks two hours of writes: the failover takes the vault until a clean pass ends', async () => {
    const m = mirrored(60);
    // 30 old objects, replicated; 5 written 2 h to 1 h ago after replication broke, their keys after all the others (time-ordered).
    for (let i = 0; i < 30; i++) {
      const at = T0 - 5 * 3600_000 + i * MIN;
      m.state.source.push(obj(`events/${new Date(at).toISOString()}.json`, `e${i}`, at));
    }
    m.state.mirror = m.state.source.map((o) => ({ ...o }));
    const unreplicated = [0, 1, 2, 3, 4].map((i) => obj(`events/${new Date(T0 - 2 * 3600_000 + i * 15 * MIN).toISOString()}.json`, `n${i}`, T0 - 2 * 3600_000 + i * 15 * MIN));
    m.state.source.push(...unreplicated);

    for (let run = 1; run <= 3; run++) {
      const result = await m.check(10);
      expect({ run, passed: result.passed, compared: result.sources[0]?.compared, differences: result.sources[0]?.differences }).toEqual({ run, passed: true, compared: 10, differences: 0 });
      // Before this fix: use=mirror, "data at most 60 s old".
      expect(m.failover()).toEqual({
        source: 'app',
        type: 's3',
        use: 'vault',
        reason: `no pass of the mirror check over the whole source has ended without a difference yet (the pass in progress started ${new Date(T0).toISOString()}): each check compares one window, so how old the mirror's data is is unknown; restored from the DR vault`,
      });
      expect(m.status()).toEqual(expect.objectContaining({ verdict: 'equal', withinObjectives: false, reasons: [expect.stringContaining('no pass of the mirror check over the whole source has ended without a difference yet')] }));
      m.state.now += 15 * MIN;
    }
    const fourth = await m.check(10);
    expect(fourth.sources[0]).toEqual(expect.objectContaining({ passed: false, compared: 5, differences: 5 }));
    expect(m.failover().use).toBe('vault');

    // Replication repaired: the next pass (four windows) is clean; the mirror's data age runs from its start.
    m.state.mirror.push(...unreplicated.map((o) => ({ ...o, LastModified: new Date(m.state.now + MIN) })));
    m.state.now += 15 * MIN;
    const passStart = m.state.now;
    for (let run = 5; run <= 8; run++) {
      expect((await m.check(10)).passed).toBe(true);
      if (run < 8) expect(m.failover().use).toBe('vault');
      if (run < 8) m.state.now += 15 * MIN;
    }
    expect(m.state.record).toEqual(expect.objectContaining({ cleanPassStartedAt: new Date(passStart).toISOString(), cursor: '' }));
    const choice = m.failover();
    // 45 min since the pass started + the failover a minute later; the largest lag of the pass: the five late copies, 2 h 1 min to 1 h 1 min after their writes.
    const lag = (m.state.mirror.at(-5)?.LastModified.getTime() ?? 0) / 1000 - (unreplicated[0]?.LastModified.getTime() ?? 0) / 1000;
    expect(choice).toEqual(expect.objectContaining({ use: 'vault', reason: expect.stringContaining(`its last clean pass over the whole source started 2760 s before: its data may be ${2760 + lag} s old, beyond the plan's RPO of 3600 s`) }));
    expect(m.status()).toEqual(expect.objectContaining({ withinObjectives: false, dataAgeSeconds: 2760 + lag, lagOverRpo: true }));

  });

  it('a source one window covers: every run is a clean complete pass, and the data age is the time since that check plus its lag', async () => {
    const m = mirrored(60);
    m.state.source = [obj('a.txt', 'a', T0 - 3600_000)];
    m.state.mirror = [obj('a.txt', 'a', T0 - 3600_000 + 2000)];
    await m.check();
    expect(m.state.record).toEqual(expect.objectContaining({ passed: true, cleanPassStartedAt: new Date(T0).toISOString(), cleanPassLagSeconds: 2 }));
    expect(m.failover()).toEqual(expect.objectContaining({ use: 'mirror', dataAgeSeconds: 62 }));
  });
});

describe('F2: a key rewritten more often than the grace is followed until the mirror gets a newer copy', () => {
  it('the mirror holding a 3-day-old copy of a key rewritten every 5 minutes: in flight at first sight, a difference a grace later, and the failover takes the vault', async () => {
    const m = mirrored(15);
    const old = T0 - 3 * 86_400_000;
    m.state.mirror = [obj('a.txt', 'a', old), obj('state.json', 'v-3days', old, 100)];
    const source = (): Obj[] => {
      const lastWrite = m.state.now - ((m.state.now - T0) % (5 * MIN)) - MIN;
      return [obj('a.txt', 'a', old), obj('state.json', `v${lastWrite}`, lastWrite, 120)];
    };
    m.state.source = source();
    const first = await m.check();
    // One listing cannot tell this from a key unchanged for 3 days and overwritten a minute ago: in flight, followed.
    expect(first.sources[0]).toEqual(expect.objectContaining({ passed: true, inFlight: 1, differences: 0 }));
    expect(m.state.record?.pending).toEqual([{ key: 'state.json', foundAt: new Date(T0).toISOString(), writtenAt: new Date(T0 - MIN).toISOString(), holdsPass: true }]);
    // The pass ended with it in flight: not clean until it is seen replicated (review r4: before, the failover took this mirror as 90 s old).
    expect(m.failover()).toEqual(expect.objectContaining({ use: 'vault', reason: expect.stringContaining(`the pass that started ${new Date(T0).toISOString()} ended with 1 key(s) still replicating`) }));

    m.state.now += 15 * MIN;
    m.state.source = source();
    const second = await m.check();
    // Before this fix: passed, "lag 60 s", every run.
    expect(second.passed).toBe(false);
    expect(second.cause).toBe(
      'Mirror of app (s3://lifeboat-prod-mirror-app/) differs from its source: first differing key "state.json" ' +
        `(differs: source 120 bytes ETag "v${T0 + 14 * MIN}", mirror 100 bytes ETag "v-3days" (the mirror has received no copy since the source's write of ${new Date(T0 - MIN).toISOString()}, first seen in flight ${new Date(T0).toISOString()}: longer than the grace of 900 s), ` +
        `found ${new Date(T0).toISOString()} and not resolved since); 1 difference(s); lag 900.0 s`,
    );
    expect(m.state.record?.pending).toBeUndefined();
    expect(m.failover()).toEqual(expect.objectContaining({ use: 'vault', reason: expect.stringContaining('first differing key "state.json"') }));
  });

  it('a key rewritten every 5 minutes whose copies keep reaching the mirror stays in flight; one overwritten after a month is in flight, then equal', async () => {
    const m = mirrored(30);
    const month = T0 - 30 * 86_400_000;
    // Each write reaches the mirror 10 s later; the check lists 5 s after a write.
    const writeAt = (now: number) => now - ((now - T0 + 5000) % (5 * MIN)) + 0;
    const lists = () => {
      const w = writeAt(m.state.now) - 5000;
      m.state.source = [obj('hot.json', `v${w}`, w), obj('rare.txt', 'new', T0 - MIN)];
      m.state.mirror = [obj('hot.json', `v${w - 5 * MIN}`, w - 5 * MIN + 10_000), m.state.now < T0 + 15 * MIN ? obj('rare.txt', 'old', month) : obj('rare.txt', 'new', T0 - MIN + 10_000)];
    };
    lists();
    const first = await m.check();
    expect(first.sources[0]).toEqual(expect.objectContaining({ passed: true, inFlight: 2, differences: 0 }));
    for (let run = 2; run <= 4; run++) {
      m.state.now += 15 * MIN;
      lists();
      const result = await m.check();
      expect({ run, passed: result.passed, differences: result.sources[0]?.differences }).toEqual({ run, passed: true, differences: 0 });
      expect(m.state.record?.pending?.map((p) => p.key)).toEqual(['hot.json']);
    }
    // Each pass ends with hot.json in flight; the next run sees a newer copy in the mirror and the pass counts:
    // the data age runs from the previous run's start (16 min before the failover) plus the lag (10 s).
    expect(m.state.record).toEqual(expect.objectContaining({ cleanPassStartedAt: new Date(T0 + 30 * MIN).toISOString(), candidatePass: { startedAt: new Date(T0 + 45 * MIN).toISOString(), lagSeconds: 10 } }));
    expect(m.failover()).toEqual(expect.objectContaining({ use: 'mirror', dataAgeSeconds: 16 * 60 + 10 }));
  });
});

describe('F3: a key only the mirror has is a delete in flight before it is a difference', () => {
  const deleted = () => {
    const m = mirrored(15);
    const old = T0 - 86_400_000;
    m.state.source = [obj('a.txt', 'a', old)];
    m.state.mirror = [obj('a.txt', 'a', old), obj('b.txt', 'b', old)];
    return m;
  };

  it('seen once: in flight, the check passes but the pass is only a candidate; gone from the mirror by the next run: resolved, and a clean pass', async () => {
    const m = deleted();
    const first = await m.check();
    // Before this fix: failed at once, "(in the mirror but deleted from the source); 1 difference(s); lag 0.0 s".
    expect(first).toEqual(expect.objectContaining({ passed: true, sources: [expect.objectContaining({ inFlight: 1, differences: 0, lagSeconds: 0 })] }));
    expect(m.state.record?.pending).toEqual([{ key: 'b.txt', foundAt: new Date(T0).toISOString(), holdsPass: true }]);
    // The pass ended with the delete in flight: it counts once the delete is seen replicated (review r4).
    expect(m.failover().use).toBe('vault');
    m.state.mirror = m.state.mirror.filter((o) => o.Key !== 'b.txt');
    m.state.now += 15 * MIN;
    expect((await m.check()).passed).toBe(true);
    expect(m.state.record?.pending).toBeUndefined();
    expect(m.state.record).toEqual(expect.objectContaining({ cleanPassStartedAt: new Date(T0 + 15 * MIN).toISOString() }));
    expect(m.failover()).toEqual(expect.objectContaining({ use: 'mirror', dataAgeSeconds: 60 }));
  });

  it('still in the mirror a grace after it was first seen: a difference, with the time it has waited as the lag, and a hint at the source\'s lifecycle rule (audit aS6-1)', async () => {
    const m = deleted();
    await m.check();
    m.state.now += 10 * MIN;
    expect((await m.check()).passed).toBe(true);
    m.state.now += 5 * MIN;
    const late = await m.check();
    expect(late.cause).toBe(
      'Mirror of app (s3://lifeboat-prod-mirror-app/) differs from its source: first differing key "b.txt" ' +
        // Before aS6-1 the reason did not say that S3 never replicates the deletes of the source's own lifecycle rule.
        '(in the mirror but deleted from the source (by its lifecycle rule? S3 does not replicate those: docs/RUNBOOKS.md, Status, Mirrors) ' +
        `(still in the mirror since first seen ${new Date(T0).toISOString()}: longer than the grace of 900 s), found ${new Date(T0).toISOString()} and not resolved since); 1 difference(s); lag 900.0 s`,
    );
  });
});

describe('review r4: what a pass vouches for', () => {
  it('1: after an upgrade, a pass that ends with a hot key in flight whose mirror copy is 3 days old is a candidate, never clean: the failover takes the vault', async () => {
    const m = mirrored(15);
    const old = T0 - 3 * 86_400_000;
    m.state.mirror = [obj('a.txt', 'a', old), obj('state.json', 'v-3days', old, 100)];
    const source = (): Obj[] => {
      const last = m.state.now - ((m.state.now - T0) % (5 * MIN)) - MIN;
      return [obj('a.txt', 'a', old), obj('state.json', `v${last}`, last, 120)];
    };
    // The record of the earlier version: passed, a pass without its lag.
    const before = new Date(T0 - 15 * MIN).toISOString();
    m.state.record = mirrorRecordSchema.parse({ environment: 'prod', source: 'app', plan: 'web', type: 's3', mirror: `s3://${PREFIX}app/`, checkedAt: before, graceSeconds: GRACE, passed: true, compared: 2, differences: 0, inFlight: 1, lagSeconds: 60, cursor: '', durationMs: 5, passStartedAt: before, passDifferences: 0, unresolved: [] });
    for (let run = 1; run <= 3; run++) {
      m.state.source = source();
      const result = await m.check();
      expect({ run, passed: result.passed }).toEqual({ run, passed: run === 1 });
      // Before this fix: run 1 took the mirror as "data at most 90 s old".
      expect({ run, use: m.failover().use, cleanPassStartedAt: m.state.record?.cleanPassStartedAt }).toEqual({ run, use: 'vault', cleanPassStartedAt: undefined });
      m.state.now += 15 * MIN;
    }
  });

  it('2: a key rewritten every 10 s whose replication stalled past the grace and then recovered is in flight again, not a difference for ever', async () => {
    const m = mirrored(60);
    const stallFrom = T0;
    const stallTo = T0 + 40 * MIN;
    const lastWrite = (t: number) => t - (t % 10_000);
    // Each write reaches the mirror 30 s later, except from 12:00 to 12:40, when the mirror keeps the write of 12:00.
    const lists = () => {
      const t = m.state.now;
      const copy = t - 30_000 >= stallFrom && t < stallTo + 30_000 ? lastWrite(stallFrom) : lastWrite(t - 30_000);
      m.state.source = [obj('a.txt', 'a', T0 - 86_400_000), obj('heartbeat.json', `v${lastWrite(t)}`, lastWrite(t), 50)];
      m.state.mirror = [obj('a.txt', 'a', T0 - 86_400_000), obj('heartbeat.json', `v${copy}`, copy, 50)];
    };
    m.state.now = T0 - 30 * MIN;
    const outcomes: string[] = [];
    for (let run = 1; run <= 8; run++) {
      lists();
      const result = await m.check();
      outcomes.push(`${new Date(m.state.now).toISOString().slice(11, 16)} ${result.passed ? 'passed' : 'failed'} ${m.failover().use}`);
      m.state.now += 15 * MIN;
    }
    // Before this fix: failed from 12:30 on, for ever, with a lag growing by 15 minutes a run.
    expect(outcomes).toEqual(['11:30 passed vault', '11:45 passed mirror', '12:00 passed mirror', '12:15 passed mirror', '12:30 failed vault', '12:45 passed mirror', '13:00 passed mirror', '13:15 passed mirror']);
    expect(m.state.record).toEqual(expect.objectContaining({ unresolved: [], lagSeconds: 0, pending: [expect.objectContaining({ key: 'heartbeat.json' })] }));
  });

  it('4: after the source prefix changed, the check starts a new pass over the new prefix: a clean pass of the old one vouches for nothing', async () => {
    const m = mirrored(120);
    const source = { type: 's3', name: 'app', bucket: 'app-data', prefix: 'archive/2026/', mirror: true } as unknown as SourceConfig;
    for (let i = 0; i < 30; i++) m.state.source.push(obj(`logs/${String(i).padStart(5, '0')}.log`, `l${i}`, T0 - 86_400_000));
    m.state.mirror = m.state.source.map((o) => ({ ...o }));
    await m.check(10);
    await m.check(10);
    expect(m.state.record).toEqual(expect.objectContaining({ cursor: 'logs/00019.log', passOver: { source: 's3://app-data/', mirror: `s3://${PREFIX}app/` } }));
    m.state.record = mirrorRecordSchema.parse({ ...m.state.record, cleanPassStartedAt: new Date(T0 - 75 * MIN).toISOString(), cleanPassLagSeconds: 0 });
    // Files a replication rule never covered (it replicates new writes only): the mirror has none of them.
    for (let i = 0; i < 3; i++) m.state.source.push(obj(`archive/2026/${i}.csv`, `r${i}`, T0 - 7 * 86_400_000));

    // The configuration now says prefix archive/2026/: the record (and its clean pass) is of other data.
    const choice = () => chooseSourceCopy(source, m.state.record, { rpoMinutes: 120, startedAt: m.state.now + MIN, mirrorBucketPrefix: PREFIX, useMirrors: true });
    expect(choice()).toEqual(
      expect.objectContaining({
        use: 'vault',
        reason: `the last mirror check (${new Date(T0).toISOString()}) compared s3://app-data/ with s3://${PREFIX}app/, not s3://app-data/archive/2026/ with s3://${PREFIX}app/archive/2026/: the source changed since, and the next check starts a new pass over it; restored from the DR vault`,
      }),
    );
    const deps = { source: () => m.state.source, mirror: () => m.state.mirror };
    const result = await runMirrorCheck(
      { samples: 10, graceSeconds: GRACE },
      {
        environment: 'prod',
        plans: [{ name: 'web', objectives: { rpoMinutes: 120, rtoMinutes: 60 }, sources: [source] }] as unknown as ProtectionPlanConfig[],
        mirrorRegion: 'us-west-2',
        sourceRegion: 'us-east-1',
        mirrorBucketPrefix: PREFIX,
        s3: (region) => listingS3(region === 'us-east-1' ? deps.source : deps.mirror),
        dynamodb: () => {
          throw new Error('no DynamoDB source here');
        },
        log: { get: () => Promise.resolve(m.state.record), record: (r: MirrorRecord) => Promise.resolve(void (m.state.record = mirrorRecordSchema.parse(r))) },
        now: () => m.state.now,
      },
    );
    // Before this fix: the old cursor ran past the new prefix, nothing was compared, and the old clean pass vouched for it.
    expect(result.sources[0]).toEqual(expect.objectContaining({ passed: false, compared: 3, differences: 3 }));
    expect(m.state.record).toEqual(expect.objectContaining({ cursor: '', passStartedAt: new Date(T0).toISOString(), passOver: { source: 's3://app-data/archive/2026/', mirror: `s3://${PREFIX}app/archive/2026/` } }));
    expect(m.state.record?.cleanPassStartedAt).toBeUndefined();
    expect(choice().use).toBe('vault');
  });
});

describe('review r7', () => {
  it('F1: a busy bucket with more keys in flight at once than the record follows is never vouched for, even with a larger samples: one of those keys is 3 days stale', async () => {
    const m = mirrored(60);
    const old = T0 - 3 * 86_400_000;
    // 150 session files rewritten continuously, each replicated within a minute; zz-state.json, rewritten every 5 minutes, has not replicated for 3 days.
    const lists = () => {
      const t = m.state.now;
      const last = t - ((t - T0) % (5 * MIN)) - MIN;
      const sessions = Array.from({ length: 150 }, (_, i) => `sessions/${String(i).padStart(3, '0')}.json`);
      m.state.source = [...sessions.map((k) => obj(k, `s${t - 5_000}`, t - 5_000)), obj('zz-state.json', `v${last}`, last, 120)];
      m.state.mirror = [...sessions.map((k) => obj(k, `s${t - 65_000}`, t - MIN)), obj('zz-state.json', 'v-3days', old, 100)];
    };
    for (let run = 1; run <= 3; run++) {
      lists();
      await m.check(1000);
      // Before this fix: from run 2 on the failover took the mirror, "data at most 990 s old".
      expect({ run, use: m.failover().use, cleanPassStartedAt: m.state.record?.cleanPassStartedAt, candidatePass: m.state.record?.candidatePass }).toEqual({ run, use: 'vault', cleanPassStartedAt: undefined, candidatePass: undefined });
      m.state.now += 15 * MIN;
    }
    expect(m.state.record).toEqual(expect.objectContaining({ passed: true, inFlight: 151, passUnfollowed: 51 }));
    expect(m.state.record?.pending?.map((p) => p.key)).not.toContain('zz-state.json');
    expect(m.failover().reason).toContain('saw 51 key(s) in flight it could not follow: the check follows at most its samples, never more than 100 at once nor more than 128 KiB of key text with the open differences, so that pass cannot vouch for the mirror');
    const status = m.status();
    expect(status.withinObjectives).toBe(false);
    expect(status.reasons).toEqual([expect.stringContaining('raise its samples if they are below 100, else split the source into sources over narrower prefixes, so that each has fewer keys in flight at once')]);
  });
});

describe('audit b5-2: a window that ends on the source\'s last key leaves the mirror\'s later keys to the next one', () => {
  it('a source of exactly `samples` keys, and a key deleted from it 3 days ago that is still in the mirror: the next window sees it, a grace later it is a difference, and the failover takes the vault', async () => {
    const m = mirrored(60);
    const old = T0 - 3 * 86_400_000;
    m.state.source = [obj('a.txt', 'a', old), obj('b.txt', 'b', old)];
    m.state.mirror = [...m.state.source.map((o) => ({ ...o })), obj('z.txt', 'z', old)];
    expect((await m.check(2)).passed).toBe(true);
    // Before this fix: cursor '' (a pass over the whole source, clean), and z.txt was never compared, at any run.
    expect(m.state.record).toEqual(expect.objectContaining({ compared: 2, cursor: 'b.txt' }));
    m.state.now += 15 * MIN;
    expect((await m.check(2)).sources[0]).toEqual(expect.objectContaining({ passed: true, compared: 0, inFlight: 1 }));
    expect(m.state.record).toEqual(expect.objectContaining({ cursor: '', pending: [{ key: 'z.txt', foundAt: new Date(T0 + 15 * MIN).toISOString(), holdsPass: true }] }));
    m.state.now += 15 * MIN;
    const late = await m.check(2);
    expect(late.passed).toBe(false);
    expect(late.cause).toContain('first differing key "z.txt" (in the mirror but deleted from the source');
    expect(m.failover().use).toBe('vault');
  });

  /** The windows of one pass from the beginning, and the ListObjectsV2 calls of each (both sides). */
  async function pass(source: Obj[], mirror: Obj[], samples: number, pageSize: number, deleteMarkers = true): Promise<Array<{ window: S3MirrorWindow; calls: number }>> {
    const windows: Array<{ window: S3MirrorWindow; calls: number }> = [];
    let after = '';
    do {
      const calls = { n: 0 };
      const window = await compareS3Mirror(
        { s3: listingS3(() => source, pageSize, calls), bucket: 'app-data' },
        { s3: listingS3(() => mirror, pageSize, calls), bucket: `${PREFIX}app` },
        { prefix: '', after, samples, deleteMarkers, graceSeconds: GRACE, now: () => T0 },
      );
      windows.push({ window, calls: calls.n });
      after = window.cursor;
    } while (after !== '' && windows.length < 20);
    return windows;
  }

  it.each([
    // The mirror ends after the source: deletes that never reached it, among the source's keys and after its last one.
    { case: 'mirror longer', source: ['a', 'c', 'e', 'g'], mirror: ['a', 'b0', 'b1', 'b2', 'c', 'e', 'g', 'y', 'z'], found: ['b0', 'b1', 'b2', 'y', 'z'] },
    // The source ends after the mirror: writes that never reached it.
    { case: 'source longer', source: ['a', 'c', 'e', 'g', 'h'], mirror: ['a', 'b0', 'c', 'e'], found: ['b0', 'g', 'h'] },
  ])('$case: every key of either listing is compared once per pass, by windows of at most `samples` keys, whatever the samples and the listing\'s page size', async ({ source, mirror, found }) => {
    const old = T0 - 3 * 86_400_000;
    const merged = new Set([...source, ...mirror]).size;
    for (const pageSize of [2, 1000]) {
      for (let samples = 1; samples <= merged + 1; samples++) {
        const windows = await pass(
          source.map((k) => obj(k, k, old)),
          mirror.map((k) => obj(k, k, old)),
          samples,
          pageSize,
        );
        const seen = windows.flatMap(({ window }) => [...window.examples.map((d) => d.key), ...window.inFlightKeys.map((k) => k.key)]).sort();
        expect({ pageSize, samples, seen, windows: windows.length }).toEqual({ pageSize, samples, seen: found, windows: Math.ceil(merged / samples) });
        // A window lists each side up to the keys it took and one more: its listing is bounded by `samples`, not by the mirror's keys.
        for (const { calls } of windows) expect({ pageSize, samples, calls: calls <= 2 * Math.ceil((samples + 1) / pageSize) }).toEqual({ pageSize, samples, calls: true });
      }
    }
  });

  it.each([
    { case: 'mirror longer', source: ['a', 'c', 'e', 'g'], mirror: ['a', 'b0', 'b1', 'b2', 'c', 'e', 'g', 'y', 'z'], found: [] },
    { case: 'source longer', source: ['a', 'c', 'e', 'g', 'h'], mirror: ['a', 'b0', 'c', 'e'], found: ['g', 'h'] },
  ])('$case, deletions kept in the mirror (review R2-F1): keys only the mirror has count toward no window, and the pass ends with the source', async ({ source, mirror, found }) => {
    const old = T0 - 3 * 86_400_000;
    for (const pageSize of [2, 1000]) {
      for (let samples = 1; samples <= source.length + 1; samples++) {
        const windows = await pass(
          source.map((k) => obj(k, k, old)),
          mirror.map((k) => obj(k, k, old)),
          samples,
          pageSize,
          false,
        );
        const seen = windows.flatMap(({ window }) => [...window.examples.map((d) => d.key), ...window.inFlightKeys.map((k) => k.key)]).sort();
        const compared = windows.map(({ window }) => window.compared);
        // Before this fix (keys only the mirror has counted): 'mirror longer' took ceil(9 / samples) windows, some comparing no source key.
        expect({ pageSize, samples, seen, windows: windows.length, compared: compared.every((n) => n > 0) }).toEqual({ pageSize, samples, seen: found, windows: Math.ceil(source.length / samples), compared: true });
      }
    }
  });
});

describe('review R2-F1: a mirror that keeps what the source deleted ({ deleteMarkers: false }) is walked past, not window by window', () => {
  it('a source that keeps its last 10 logs, a mirror that keeps all 100 ever written: every run of 10 samples is a whole clean pass, and the failover takes the mirror', async () => {
    const m = mirrored(60, { deleteMarkers: false });
    const old = T0 - 3 * 86_400_000;
    const logs = Array.from({ length: 100 }, (_, i) => obj(`logs/${String(i).padStart(4, '0')}.json`, `l${i}`, old + i * MIN));
    m.state.source = logs.slice(90);
    // Kept history before the source's keys, between them and after its last one.
    m.state.mirror = [...logs.map((o) => ({ ...o })), obj('logs/0095-kept.json', 'k', old), obj('logs/zz-kept.json', 'z', old)];
    for (let run = 1; run <= 2; run++) {
      expect((await m.check(10)).sources[0]).toEqual(expect.objectContaining({ passed: true, compared: 10, differences: 0, inFlight: 0 }));
      // Before this fix: compared 0, cursor 'logs/0009.json': a pass was 11 windows (nearly 3 h at one run every 15 min), longer than the RPO.
      expect(m.state.record).toEqual(expect.objectContaining({ cursor: '', cleanPassStartedAt: new Date(m.state.now).toISOString() }));
      if (run === 1) m.state.now += 15 * MIN;
    }
    // A mirror that keeps deleted objects is taken only when the failover's input gives useMirrors true (audit c1-2).
    expect(m.failover().use).toBe('vault');
    expect(m.failover(MIN, true)).toEqual(expect.objectContaining({ use: 'mirror', dataAgeSeconds: 60, reason: expect.stringContaining('checked 60 s before the failover (10 entries equal)') }));
  });

  it('review r9: kept keys walked past are bounded per window, the window ends on the last one walked, and the next run goes on from there: the pass ends and compares every source key', async () => {
    const old = T0 - 3 * 86_400_000;
    const key = (n: number, tail = '') => `logs/${String(n).padStart(5, '0')}${tail}.json`;
    // 30 source keys, every third never replicated; the mirror keeps 1000 deleted keys before them, 250 between two of them, 30 after.
    const source = Array.from({ length: 30 }, (_, i) => obj(key(1000 + i), `s${i}`, old));
    const missing = source.filter((_, i) => i % 3 === 0).map((o) => o.Key);
    const kept = [...Array.from({ length: 1000 }, (_, i) => key(i)), ...Array.from({ length: 250 }, (_, i) => key(1010, `-${String(i).padStart(3, '0')}`)), ...Array.from({ length: 30 }, (_, i) => key(2000 + i))];
    const mirror = [...source.filter((o) => !missing.includes(o.Key)).map((o) => ({ ...o })), ...kept.map((k) => obj(k, k, old))];
    for (const pageSize of [7, 1000]) {
      for (const samples of [1, 4, 10]) {
        const windows: Array<{ window: S3MirrorWindow; mirrorCalls: number }> = [];
        let after = '';
        do {
          const sourceCalls = { n: 0 };
          const mirrorCalls = { n: 0 };
          const window = await compareS3Mirror(
            { s3: listingS3(() => source, pageSize, sourceCalls), bucket: 'app-data' },
            { s3: listingS3(() => mirror, pageSize, mirrorCalls), bucket: `${PREFIX}app` },
            { prefix: '', after, samples, deleteMarkers: false, graceSeconds: GRACE, now: () => T0 },
          );
          windows.push({ window, mirrorCalls: mirrorCalls.n });
          // Before this fix: the first window listed all 1000 kept keys before the source's first (pageSize 7, samples 1: 143 mirror calls, not 2).
          expect({ pageSize, samples, mirrorCalls: mirrorCalls.n <= Math.ceil(((WALKED_PER_SAMPLE + 1) * samples + 1) / pageSize), sourceCalls: sourceCalls.n <= Math.ceil((samples + 1) / pageSize) }).toEqual({ pageSize, samples, mirrorCalls: true, sourceCalls: true });
          after = window.cursor;
        } while (after !== '' && windows.length < 2000);
        const found = windows.flatMap(({ window }) => window.examples.map((d) => d.key));
        const compared = windows.reduce((n, { window }) => n + window.compared, 0);
        // Each window compares `samples` source keys or walks WALKED_PER_SAMPLE × samples kept ones, until the source ends.
        const bound = Math.ceil(source.length / samples) + Math.ceil((kept.length - 30) / (WALKED_PER_SAMPLE * samples));
        expect({ pageSize, samples, ended: after === '', compared, found, withinBound: windows.length <= bound }).toEqual({ pageSize, samples, ended: true, compared: source.length, found: missing, withinBound: true });
      }
    }
  });

  it('review r11, r13: a window walks at most max(MAX_WALKED_PER_WINDOW, 2 × samples) kept keys, not 10 × samples, and the pass still ends comparing the source', async () => {
    const old = T0 - 3 * 86_400_000;
    const key = (n: number) => `logs/${String(n).padStart(6, '0')}.json`;
    const kept = Array.from({ length: 2 * MAX_WALKED_PER_WINDOW + 500 }, (_, i) => obj(key(i), 'k', old));
    const source = [obj(key(900_000), 's', old)];
    const mirror = [...kept, { ...source[0]! }];
    const calls: number[] = [];
    let after = '';
    let compared = 0;
    do {
      const mirrorCalls = { n: 0 };
      const window = await compareS3Mirror(
        { s3: listingS3(() => source, 1000), bucket: 'app-data' },
        { s3: listingS3(() => mirror, 1000, mirrorCalls), bucket: `${PREFIX}app` },
        { prefix: '', after, samples: 5_000, deleteMarkers: false, graceSeconds: GRACE, now: () => T0 },
      );
      calls.push(mirrorCalls.n);
      compared += window.compared;
      after = window.cursor;
    } while (after !== '' && calls.length < 10);
    // Ten per sample (50,000) listed all 40,500 kept keys in one window (41 calls); the bound is 20 pages and the one that crosses it.
    expect([walkBound(5_000), walkBound(100_000), walkBound(1_000)]).toEqual([MAX_WALKED_PER_WINDOW, 200_000, 10_000]);
    expect({ windows: calls.length, maxCalls: Math.max(...calls), compared, ended: after === '' }).toEqual({ windows: 3, maxCalls: 21, compared: 1, ended: true });
  });
});
