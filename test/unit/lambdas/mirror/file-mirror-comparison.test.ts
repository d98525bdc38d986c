import { DescribeReplicationConfigurationsCommand, type EFSClient } from '@aws-sdk/client-efs';
import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareFileMirror } from '../../../../lambdas/mirror/file-mirror-comparison';
import { MAX_WINDOW_BYTES, sampleFileWindow } from '../../../../lambdas/mirror/file-mirror-sampler';
import { type FileSample } from '../../../../lambdas/mirror/file-sample';
import { awaitingWithin } from '../../../../lambdas/mirror/file-samples-awaiting-sync';
import { type FileSamplesRecord } from '../../../../lambdas/mirror/file-mirror-samples';
import { runFileMirrorSampling } from '../../../../lambdas/mirror/file-mirror-sampling';
import { runMirrorCheck } from '../../../../lambdas/mirror/mirror-check';
import { type MirrorRecord } from '../../../../lambdas/mirror/mirror-record';
import { replicaDirectory } from '../../../../lambdas/mirror/replica-directory';
import { FILE_MIRROR_PLANS, fileSystemMirrorCheckDeps } from '../../../support/file-system-mirror-check-deps';

/**
 * Issue 12, item 2 for files: the primary region samples a window of a mirrored file system (size, mtime,
 * SHA-256), the DR region compares those samples with the replica it mounts. Two directories stand in for
 * the file system and its EFS replica (the local cloud has no EFS); a copy with its mtimes is what EFS
 * replication makes.
 */
const T = Date.parse('2026-12-01T06:00:00Z');
let dir: string;
let source: string;
let replica: string;

const FILES: Record<string, string> = {
  'a.txt': 'alpha',
  'docs/b.md': 'bravo bravo',
  'docs/deep/c.bin': 'charlie'.repeat(1000),
  'e.log': 'echo',
  'z/last.txt': 'zulu',
};

function write(root: string, rel: string, content: string, mtimeMs: number): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.utimesSync(file, new Date(mtimeMs), new Date(mtimeMs));
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-file-mirror-'));
  source = path.join(dir, 'source');
  replica = path.join(dir, 'replica');
  for (const [rel, content] of Object.entries(FILES)) {
    write(source, rel, content, T - 3_600_000);
    write(replica, rel, content, T - 3_600_000);
  }
  fs.symlinkSync('a.txt', path.join(source, 'link-to-a'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function samplesOf(after = '', samples = 100): Promise<FileSamplesRecord> {
  const window = await sampleFileWindow(source, { after, samples });
  return { environment: 'prod', source: 'shared', sampledAt: new Date(T - 60_000).toISOString(), samples: window.samples, cursor: window.cursor, skipped: window.skipped };
}

describe('sampleFileWindow', () => {
  it('records a problem, not an empty source, when the source\'s directory cannot be listed (audit a57A-2)', async () => {
    const window = await sampleFileWindow(path.join(dir, 'not-mounted'), { after: '', samples: 100 });
    expect(window).toEqual({ samples: [], cursor: '', skipped: 0, problem: { path: '', message: expect.stringMatching(/^cannot list: ENOENT: no such file or directory/), more: 0 } });
  });

  it('reads regular files only, in manifest order, with size, mtime and SHA-256, and rotates its window by cursor', async () => {
    const all = await sampleFileWindow(source, { after: '', samples: 100 });
    expect(all.samples.map((s) => s.path)).toEqual(['a.txt', 'docs/b.md', 'docs/deep/c.bin', 'e.log', 'z/last.txt']);
    expect(all.samples[0]).toEqual({ path: 'a.txt', size: 5, mtimeMs: T - 3_600_000, sha256: '8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8' });
    expect(all.cursor).toBe('');
    const first = await sampleFileWindow(source, { after: '', samples: 2 });
    expect([first.samples.map((s) => s.path), first.cursor]).toEqual([['a.txt', 'docs/b.md'], 'docs/b.md']);
    const second = await sampleFileWindow(source, { after: first.cursor, samples: 2 });
    expect([second.samples.map((s) => s.path), second.cursor]).toEqual([['docs/deep/c.bin', 'e.log'], 'e.log']);
    const third = await sampleFileWindow(source, { after: second.cursor, samples: 2 });
    expect([third.samples.map((s) => s.path), third.cursor]).toEqual([['z/last.txt'], '']);
  });

  it('ends a window early when its samples would outgrow one catalog item, and the next window starts with the one left out', async () => {
    const oneSample = JSON.stringify((await sampleFileWindow(source, { after: '', samples: 1 })).samples[0]).length + 1;
    const first = await sampleFileWindow(source, { after: '', samples: 100, maxBytes: oneSample * 2 + 10 });
    expect([first.samples.map((s) => s.path), first.cursor]).toEqual([['a.txt', 'docs/b.md'], 'docs/b.md']);
    const next = await sampleFileWindow(source, { after: first.cursor, samples: 100, maxBytes: oneSample * 2 + 10 });
    expect(next.samples[0]?.path).toBe('docs/deep/c.bin');
  });

  it('weighs a window in UTF-8 bytes, as DynamoDB does: CJK paths (3 bytes a character) end it where their bytes, not their characters, reach the cap', async () => {
    const cjk = path.join(dir, 'cjk');
    for (const i of [1, 2, 3]) write(cjk, `${'写'.repeat(60)}/${'説'.repeat(60)}${i}`, 'x', T - 3_600_000);
    const all = await sampleFileWindow(cjk, { after: '', samples: 100 });
    const bytesOf = (window: typeof all): number => window.samples.reduce((n, s) => n + Buffer.byteLength(JSON.stringify(s)) + 1, 0);
    const maxBytes = bytesOf(all) - 10;
    const first = await sampleFileWindow(cjk, { after: '', samples: 100, maxBytes });
    expect(first.samples.map((s) => s.path)).toEqual(all.samples.slice(0, 2).map((s) => s.path));
    expect(bytesOf(first)).toBeLessThanOrEqual(maxBytes);
    const next = await sampleFileWindow(cjk, { after: first.cursor, samples: 100, maxBytes });
    expect(next.samples.map((s) => s.path)).toEqual([all.samples[2]?.path]);
  });

  it('fits a full window whole in the samples the check keeps for a later sync, its own fields included (review r57L-5)', () => {
    // Samples as heavy as the sampler's cap allows, weighed as the sampler weighs them (UTF-8 JSON and a separator).
    const sample = (i: number, pathBytes: number): FileSample => ({ path: `${String(i).padStart(4, '0')}${'p'.repeat(pathBytes - 4)}`, size: 1, mtimeMs: T, sha256: '0'.repeat(64) });
    const weight = (s: FileSample): number => Buffer.byteLength(JSON.stringify(s)) + 1;
    const full: FileSample[] = [];
    let bytes = 0;
    while (bytes + weight(sample(full.length, 4000)) + weight(sample(full.length + 1, 4)) <= MAX_WINDOW_BYTES) {
      const heavy = sample(full.length, 4000);
      full.push(heavy);
      bytes += weight(heavy);
    }
    // The last sample takes what is left, to the byte.
    full.push(sample(full.length, 4 + MAX_WINDOW_BYTES - bytes - weight(sample(full.length, 4))));
    expect(full.reduce((n, s) => n + weight(s), 0)).toBe(MAX_WINDOW_BYTES);
    const window = { sampledAt: new Date(T).toISOString(), readUntil: new Date(T + 900_000).toISOString(), samples: full };
    expect(awaitingWithin([window])).toEqual({ kept: [window], dropped: 0 });
  });

  it('reads a failed call by its code, not its message: a path named EPERM that went away is skipped, EIO on a directory is a problem (review r57L-7)', async () => {
    write(source, 'EPERM/x.txt', 'x', T - 3_600_000);
    const fsPromises = jest.requireActual<typeof fs.promises>('node:fs/promises');
    const readdir = fsPromises.readdir.bind(fsPromises);
    const failing = (code: string, text: string, at: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: ${text}, scandir '${at}'`), { code, syscall: 'scandir', path: at });
    jest.spyOn(fsPromises, 'readdir').mockImplementation(((at: fs.PathLike, options: unknown) => {
      // EPERM/ replaced by a file between the walk's lstat and its listing; docs/deep/ on a failing disk.
      if (String(at).endsWith(`${path.sep}EPERM`)) return Promise.reject(failing('ENOTDIR', 'not a directory', String(at)));
      if (String(at).endsWith(path.join('docs', 'deep'))) return Promise.reject(failing('EIO', 'i/o error', String(at)));
      return readdir(at, options as { encoding: 'buffer' });
    }) as typeof fsPromises.readdir);
    try {
      const window = await sampleFileWindow(source, { after: '', samples: 100 });
      expect(window.samples.map((s) => s.path)).toEqual(['a.txt', 'docs/b.md', 'e.log', 'z/last.txt']);
      expect(window.skipped).toBe(1);
      expect(window.problem).toEqual({ path: 'docs/deep', message: expect.stringMatching(/^cannot list: EIO: i\/o error/), more: 0 });
    } finally {
      jest.restoreAllMocks();
    }
  });
});

describe('compareFileMirror', () => {
  it('finds an equal replica equal: every sample compared, no difference', async () => {
    expect(await compareFileMirror(await samplesOf(), replica, T)).toEqual({ compared: 5, differences: 0, inFlight: 0, examples: [], awaitingSync: [] });
  });

  it('names each kind of difference: content with the same size and mtime, size, an older copy, a missing file, another kind', async () => {
    write(replica, 'a.txt', 'ALPHA', T - 3_600_000); // bit rot: same size, same mtime
    write(replica, 'docs/b.md', 'bravo', T - 3_600_000);
    write(replica, 'e.log', 'echo', T - 7_200_000);
    fs.rmSync(path.join(replica, 'docs/deep/c.bin'));
    fs.rmSync(path.join(replica, 'z/last.txt'));
    fs.mkdirSync(path.join(replica, 'z/last.txt'));
    const result = await compareFileMirror(await samplesOf(), replica, T);
    expect(result).toMatchObject({ compared: 5, differences: 5, inFlight: 0 });
    expect(result.examples).toEqual([
      { key: 'a.txt', reason: 'content differs (SHA-256) with the same size and mtime' },
      { key: 'docs/b.md', reason: 'size 5 in the mirror, 11 at the source' },
      { key: 'docs/deep/c.bin', reason: 'missing from the mirror' },
      { key: 'e.log', reason: expect.stringMatching(/^older in the mirror \(mtime .*, source .*\)$/) },
      { key: 'z/last.txt', reason: 'not a regular file in the mirror' },
    ]);
  });

  it('does not judge a file changed at the source after sampling and replicated since, nor samples newer than the last sync', async () => {
    const samples = await samplesOf();
    write(replica, 'a.txt', 'alpha, changed later', T - 30_000);
    expect(await compareFileMirror(samples, replica, T)).toEqual({ compared: 4, differences: 0, inFlight: 1, examples: [], awaitingSync: [] });
    fs.rmSync(path.join(replica, 'e.log'));
    expect(await compareFileMirror(samples, replica, T - 120_000)).toEqual({ compared: 0, differences: 0, inFlight: 5, examples: [], awaitingSync: samples.samples });
    expect(await compareFileMirror(samples, replica, null)).toEqual({ compared: 0, differences: 0, inFlight: 5, examples: [], awaitingSync: samples.samples });
  });

  it('does not judge a file rewritten while the window was read, after a sync that came between (audit a57A-3): it awaits the next sync', async () => {
    // Sampling starts at T - 60 s; a.txt is rewritten at T - 30 s and read after; EFS's last sync completed at T - 45 s, so the replica rightly holds the old a.txt.
    write(source, 'a.txt', 'alpha, rewritten', T - 30_000);
    const old = await samplesOf();
    const lastSync = T - 45_000;
    // A sampler that records when it finished reading: the whole window awaits a sync past that.
    const read = await compareFileMirror({ ...old, readUntil: new Date(T - 20_000).toISOString() }, replica, lastSync);
    expect(read).toMatchObject({ compared: 0, differences: 0, inFlight: 5 });
    expect(read.awaitingSync.map((s) => s.path)).toEqual(old.samples.map((s) => s.path));
    // An earlier sampler's window (no readUntil): a sample whose mtime is past the last sync awaits it; the others are judged.
    const earlier = await compareFileMirror(old, replica, lastSync);
    expect(earlier).toMatchObject({ compared: 4, differences: 0, inFlight: 1, examples: [] });
    expect(earlier.awaitingSync.map((s) => s.path)).toEqual(['a.txt']);
    // Once a sync covers the rewrite, the file is judged: the replica that still lacks it differs.
    expect((await compareFileMirror(old, replica, T)).examples).toEqual([{ key: 'a.txt', reason: expect.stringMatching(/^older in the mirror/) }]);
  });

  it('refuses a sample path that leaves the replica\'s directory, reading nothing outside it', async () => {
    fs.writeFileSync(path.join(dir, 'outside.txt'), 'alpha');
    const hostile: FileSamplesRecord = { ...(await samplesOf()), samples: [{ path: '../outside.txt', size: 5, mtimeMs: T, sha256: '0'.repeat(64) }] };
    const result = await compareFileMirror(hostile, replica, T);
    expect(result.differences).toBe(1);
    expect(result.examples[0]?.reason).toContain('not a path under the source\'s directory');
  });
});

describe('replicaDirectory', () => {
  it('puts a source at the same place under the replica\'s mount, and refuses one outside the primary mount', () => {
    expect(replicaDirectory('/mnt/lifeboat/shared/team', '/mnt/lifeboat', '/mnt/replica')).toBe('/mnt/replica/shared/team');
    expect(replicaDirectory('/mnt/lifeboat', '/mnt/lifeboat', '/mnt/replica')).toBe('/mnt/replica');
    expect(() => replicaDirectory('/mnt/other/x', '/mnt/lifeboat', '/mnt/replica')).toThrow('file-system source /mnt/other/x is not under the primary region\'s mount path /mnt/lifeboat');
  });
});

describe('the file-system mirror check, both halves', () => {
  const plans = FILE_MIRROR_PLANS;
  const efs = (destination: string, lastSync: number): Pick<EFSClient, 'send'> =>
    ({
      send: (command: unknown) => {
        if (!(command instanceof DescribeReplicationConfigurationsCommand)) return Promise.reject(new Error('unexpected EFS call'));
        return Promise.resolve({ Replications: [{ SourceFileSystemId: 'fs-0src', Destinations: [{ Region: 'us-west-2', FileSystemId: destination, Status: 'ENABLED', LastReplicatedTimestamp: new Date(lastSync) }] }] });
      },
    }) as unknown as Pick<EFSClient, 'send'>;

  async function run(options: { destination?: string; sampled?: boolean; sourceDir?: string } = {}) {
    const catalog = new Map<string, FileSamplesRecord>();
    const samplesLog = { get: (s: string) => Promise.resolve(catalog.get(s)), record: (r: FileSamplesRecord) => Promise.resolve(void catalog.set(r.source, r)) };
    // The primary region's sampler, over the source directory (the mount).
    const mounts = (root: string) => (configured: string) => path.join(root, path.relative('/mnt/lifeboat/shared', configured));
    if (options.sampled !== false) {
      const sampled = await runFileMirrorSampling({ samples: 3 }, { environment: 'prod', plans, directory: mounts(options.sourceDir ?? source), log: samplesLog, now: () => T - 60_000 });
      if (options.sourceDir === undefined) expect(sampled.sources).toEqual([{ source: 'shared', samples: 3, skipped: 0, cursor: 'docs/deep/c.bin' }]);
    }
    const { deps, recorded } = fileSystemMirrorCheckDeps({
      plans,
      now: T,
      efs: efs(options.destination ?? 'fs-0dr', T - 30_000),
      replica: { fileSystemId: 'fs-0dr', directory: () => replica, samples: samplesLog },
    });
    const result = await runMirrorCheck({ samples: 100, graceSeconds: 900 }, deps);
    return { result, recorded, catalog };
  }

  it('passes with the samples compared against the replica, and the next sampling goes on after the first window', async () => {
    const { result, recorded, catalog } = await run();
    expect(result.passed).toBe(true);
    expect(recorded).toEqual([expect.objectContaining({ source: 'shared', passed: true, compared: 3, differences: 0, lagSeconds: 30, cursor: 'docs/deep/c.bin' })]);
    const next = await sampleFileWindow(source, { after: catalog.get('shared')?.cursor ?? '', samples: 3 });
    expect(next.samples.map((s) => s.path)).toEqual(['e.log', 'z/last.txt']);
  });

  it('fails, naming the first differing file and the lag, when the replica lost a file', async () => {
    fs.rmSync(path.join(replica, 'docs/b.md'));
    const { result, recorded } = await run();
    expect(result.passed).toBe(false);
    expect(result.cause).toBe('Mirror of shared (efs fs-0dr (us-west-2, replica of fs-0src)) differs from its source: first differing key "docs/b.md" (missing from the mirror); 1 difference(s); lag 30.0 s');
    expect(recorded[0]).toMatchObject({ compared: 3, differences: 1, firstDifference: { key: 'docs/b.md', reason: 'missing from the mirror' } });
  });

  it('fails when the mounted replica is not the replication\'s destination, and compares nothing', async () => {
    fs.rmSync(path.join(replica, 'docs/b.md'));
    const { result, recorded } = await run({ destination: 'fs-0elsewhere' });
    expect(result.passed).toBe(false);
    expect(recorded[0]).toMatchObject({ compared: 0, note: 'the mounted replica fs-0dr is not the replication destination fs-0elsewhere: set fileSystem.efs.replica to the destination\'s mount' });
  });

  it('fails the source, naming the path and the error, when the sampler could not read the source\'s directory (audit a57A-2)', async () => {
    const { result, recorded } = await run({ sourceDir: path.join(dir, 'not-mounted') });
    expect(result.passed).toBe(false);
    expect(recorded[0]).toMatchObject({ passed: false, compared: 0, differences: 0 });
    expect(recorded[0]?.note).toMatch(/^the primary region's sampler could not read \/mnt\/lifeboat\/shared: cannot list: ENOENT: no such file or directory/);
    expect(result.cause).toContain('failed: the primary region\'s sampler could not read /mnt/lifeboat/shared: cannot list: ENOENT');
  });

  it('keeps a window read after EFS\'s last sync and judges it at a later run, so a replica missing those files fails then (audit a57A-1)', async () => {
    fs.rmSync(path.join(replica, 'a.txt'));
    fs.rmSync(path.join(replica, 'docs/b.md'));
    const catalog = new Map<string, FileSamplesRecord>();
    const samplesLog = { get: (s: string) => Promise.resolve(catalog.get(s)), record: (r: FileSamplesRecord) => Promise.resolve(void catalog.set(r.source, r)) };
    const recorded: MirrorRecord[] = [];
    // Hourly: the sampler at 2 s past the hour, the check at 20 s; EFS's last sync is 5 minutes before each check.
    for (const hour of [0, 1]) {
      const at = T + hour * 3_600_000;
      await runFileMirrorSampling({ samples: 2 }, { environment: 'prod', plans, directory: () => source, log: samplesLog, now: () => at + 2_000 });
      const { deps } = fileSystemMirrorCheckDeps({ plans, now: at + 20_000, efs: efs('fs-0dr', at - 300_000), replica: { fileSystemId: 'fs-0dr', directory: () => replica, samples: samplesLog }, recorded });
      await runMirrorCheck({ samples: 2, graceSeconds: 900 }, deps);
    }
    const [first, second] = recorded;
    expect(first).toMatchObject({ passed: true, compared: 0, inFlight: 2, awaitingSync: [{ sampledAt: new Date(T + 2_000).toISOString(), samples: [{ path: 'a.txt' }, { path: 'docs/b.md' }] }] });
    expect(first?.note).toContain('2 sample(s) read after EFS\'s last sync (2026-12-01T05:55:00.000Z) not compared yet: kept for a later run');
    // The next hour judges the kept window (the sync of 06:55 covers it) and keeps its own.
    expect(second).toMatchObject({ passed: false, compared: 2, differences: 2, inFlight: 2, firstDifference: { key: 'a.txt', reason: 'missing from the mirror' } });
    expect(second?.awaitingSync?.map((w) => [w.sampledAt, w.samples.map((s) => s.path)])).toEqual([[new Date(T + 3_602_000).toISOString(), ['docs/deep/c.bin', 'e.log']]]);
  });

  it('fails every run, not only the one whose window met it, while a path of the source cannot be read, until a whole pass reads it (review r57L-3)', async () => {
    const catalog = new Map<string, FileSamplesRecord>();
    const samplesLog = { get: (s: string) => Promise.resolve(catalog.get(s)), record: (r: FileSamplesRecord) => Promise.resolve(void catalog.set(r.source, r)) };
    // z/ refuses the sampler (the tests run as root, so EACCES is told by the listing's error) until it is mended.
    const fsPromises = jest.requireActual<typeof fs.promises>('node:fs/promises');
    const readdir = fsPromises.readdir.bind(fsPromises);
    let refused = true;
    jest.spyOn(fsPromises, 'readdir').mockImplementation(((at: fs.PathLike, options: unknown) => {
      if (refused && String(at).endsWith(`${path.sep}z`)) return Promise.reject(Object.assign(new Error(`EACCES: permission denied, scandir '${String(at)}'`), { code: 'EACCES', syscall: 'scandir' }));
      return readdir(at, options as { encoding: 'buffer' });
    }) as typeof fsPromises.readdir);
    const runs: Array<{ window: string[]; problem: string | undefined; passed: boolean }> = [];
    const recorded: MirrorRecord[] = [];
    try {
      for (let run = 0; run < 7; run++) {
        if (run === 4) refused = false;
        const at = T + run * 900_000;
        await runFileMirrorSampling({ samples: 2 }, { environment: 'prod', plans, directory: () => source, log: samplesLog, now: () => at });
        const { deps } = fileSystemMirrorCheckDeps({ plans, now: at + 60_000, efs: efs('fs-0dr', at + 30_000), replica: { fileSystemId: 'fs-0dr', directory: () => replica, samples: samplesLog }, recorded });
        const result = await runMirrorCheck({ samples: 2, graceSeconds: 900 }, deps);
        const sampled = catalog.get('shared');
        runs.push({ window: sampled?.samples.map((x) => x.path) ?? [], problem: sampled?.problem, passed: result.passed });
      }
    } finally {
      jest.restoreAllMocks();
    }
    const refusedZ = expect.stringMatching(/^\/mnt\/lifeboat\/shared\/z: cannot list: EACCES/);
    expect(runs).toEqual([
      { window: ['a.txt', 'docs/b.md'], problem: undefined, passed: true },
      { window: ['docs/deep/c.bin', 'e.log'], problem: undefined, passed: true },
      { window: [], problem: refusedZ, passed: false },
      // The next pass's windows do not meet z/ yet: the last complete pass's problem stands.
      { window: ['a.txt', 'docs/b.md'], problem: refusedZ, passed: false },
      // z/ readable again: still failed until a pass has read it all.
      { window: ['docs/deep/c.bin', 'e.log'], problem: refusedZ, passed: false },
      { window: ['z/last.txt'], problem: undefined, passed: true },
      { window: ['a.txt', 'docs/b.md'], problem: undefined, passed: true },
    ]);
    expect(recorded[3]?.note).toMatch(/^the primary region's sampler could not read \/mnt\/lifeboat\/shared\/z: cannot list: EACCES/);
  });

  it('drops the samples kept under the source\'s former path once its path changes, rather than judge them under the new one (review r57L-4)', async () => {
    const moved: ProtectionPlanConfig[] = plans.map((p) => ({ ...p, sources: p.sources.map((x) => (x.name === 'shared' ? { ...x, path: '/mnt/lifeboat/moved' } : x)) }));
    const sample = { path: 'only-in-the-old-directory.txt', size: 3, mtimeMs: T - 7_200_000, sha256: '0'.repeat(64) };
    const kept: MirrorRecord = {
      environment: 'prod', source: 'shared', plan: 'files', type: 'filesystem', mirror: 'efs fs-0dr (us-west-2, replica of fs-0src)', checkedAt: new Date(T - 900_000).toISOString(),
      passed: true, compared: 0, differences: 0, inFlight: 1, lagSeconds: 300, graceSeconds: 900, cursor: '', durationMs: 1,
      awaitingSync: [{ sampledAt: new Date(T - 900_000).toISOString(), readUntil: new Date(T - 899_000).toISOString(), samples: [sample] }], awaitingSyncPath: '/mnt/lifeboat/shared',
    };
    const { deps, recorded } = fileSystemMirrorCheckDeps({ plans: moved, now: T, efs: efs('fs-0dr', T - 30_000), replica: { fileSystemId: 'fs-0dr', directory: () => replica, samples: { get: () => Promise.resolve(undefined) } }, recorded: [kept] });
    const result = await runMirrorCheck({ samples: 100, graceSeconds: 900 }, deps);
    expect(result.passed).toBe(true);
    expect(recorded[1]).toMatchObject({ passed: true, compared: 0, differences: 0 });
    expect(recorded[1]?.awaitingSync).toBeUndefined();
  });

  it('passes without comparing before the primary region\'s first sampling, and says so', async () => {
    const { result, recorded } = await run({ sampled: false });
    expect(result.passed).toBe(true);
    expect(recorded[0]?.note).toContain('the primary region\'s sampler has recorded no samples of this source');
  });
});
