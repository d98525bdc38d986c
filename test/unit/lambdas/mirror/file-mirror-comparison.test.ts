import { DescribeReplicationConfigurationsCommand, type EFSClient } from '@aws-sdk/client-efs';
import { type ProtectionPlanConfig } from '../../../../config/lifeboat-config';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareFileMirror, replicaFileAt } from '../../../../lambdas/mirror/file-mirror-comparison';
import { FileSamplesLog } from '../../../../lambdas/mirror/file-samples-log';
import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';
import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MAX_WINDOW_BYTES, sampleFileWindow } from '../../../../lambdas/mirror/file-mirror-sampler';
import { type FileSample } from '../../../../lambdas/mirror/file-sample';
import { awaitingWithin } from '../../../../lambdas/mirror/file-samples-awaiting-sync';
import { type FileSamplesRecord } from '../../../../lambdas/mirror/file-mirror-samples';
import { carriedProblem, runFileMirrorSampling } from '../../../../lambdas/mirror/file-mirror-sampling';
import { runMirrorCheck } from '../../../../lambdas/mirror/mirror-check';
import { type MirrorRecord } from '../../../../lambdas/mirror/mirror-record';
import { replicaDirectory } from '../../../../lambdas/mirror/replica-directory';
import { judgeUnconfirmed, MAX_UNCONFIRMED_BYTES, MAX_UNCONFIRMED_RUNS, type UnconfirmedMissing, unconfirmedWithin } from '../../../../lambdas/mirror/unconfirmed-missing';
import { sourceFilesAt } from '../../../../lambdas/mirror/file-mirror-sampler';
import { marshall } from '@aws-sdk/util-dynamodb';
import { itemSizeBytes } from '../../../../local/cloud/table-size';
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

/**
 * The DR catalog both halves share: the samples item, and the check's records, which the sampler reads for the check's
 * unconfirmed paths as FileSamplesLog.unconfirmed does (the `MIRROR#` record's checkedAt, paths and source path).
 */
function sharedCatalog() {
  const catalog = new Map<string, FileSamplesRecord>();
  const recorded: MirrorRecord[] = [];
  const samplesLog = {
    get: (s: string) => Promise.resolve(catalog.get(s)),
    record: (r: FileSamplesRecord) => Promise.resolve(void catalog.set(r.source, r)),
    unconfirmed: (s: string) => {
      const last = recorded.findLast((r) => r.source === s);
      if (!last?.unconfirmed?.length) return Promise.resolve(undefined);
      return Promise.resolve({ checkedAt: last.checkedAt, paths: last.unconfirmed.map((u) => u.path), ...(last.awaitingSyncPath !== undefined ? { sourcePath: last.awaitingSyncPath } : {}) });
    },
  };
  return { catalog, recorded, samplesLog };
}

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
    expect(await compareFileMirror(await samplesOf(), replica, T)).toEqual({ compared: 5, differences: 0, inFlight: 0, examples: [], awaitingSync: [], missing: [] });
  });

  it('names each kind of difference: content with the same size and mtime, size, an older copy, another kind; a missing file is missing, not yet a difference (review r57L-2)', async () => {
    write(replica, 'a.txt', 'ALPHA', T - 3_600_000); // bit rot: same size, same mtime
    write(replica, 'docs/b.md', 'bravo', T - 3_600_000);
    write(replica, 'e.log', 'echo', T - 7_200_000);
    fs.rmSync(path.join(replica, 'docs/deep/c.bin'));
    fs.rmSync(path.join(replica, 'z/last.txt'));
    fs.mkdirSync(path.join(replica, 'z/last.txt'));
    const result = await compareFileMirror(await samplesOf(), replica, T);
    expect(result).toMatchObject({ compared: 5, differences: 4, inFlight: 0 });
    expect(result.missing.map((m) => m.path)).toEqual(['docs/deep/c.bin']);
    expect(result.examples).toEqual([
      { key: 'a.txt', reason: 'content differs (SHA-256) with the same size and mtime' },
      { key: 'docs/b.md', reason: 'size 5 in the mirror, 11 at the source' },
      { key: 'e.log', reason: expect.stringMatching(/^older in the mirror \(mtime .*, source .*\)$/) },
      { key: 'z/last.txt', reason: 'not a regular file in the mirror' },
    ]);
  });

  it('does not judge a file changed at the source after sampling and replicated since, nor samples newer than the last sync', async () => {
    const samples = await samplesOf();
    write(replica, 'a.txt', 'alpha, changed later', T - 30_000);
    expect(await compareFileMirror(samples, replica, T)).toEqual({ compared: 4, differences: 0, inFlight: 1, examples: [], awaitingSync: [], missing: [] });
    fs.rmSync(path.join(replica, 'e.log'));
    expect(await compareFileMirror(samples, replica, T - 120_000)).toEqual({ compared: 0, differences: 0, inFlight: 5, examples: [], awaitingSync: samples.samples, missing: [] });
    expect(await compareFileMirror(samples, replica, null)).toEqual({ compared: 0, differences: 0, inFlight: 5, examples: [], awaitingSync: samples.samples, missing: [] });
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

describe('files missing from the replica, held unconfirmed (review r57L-2)', () => {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const entry: UnconfirmedMissing = { path: 'e.log', size: 4, mtimeMs: T - 3_600_000, heldAt: iso(T - 60_000), missingAfterSync: iso(T - 30_000), askedAt: iso(T), since: iso(T), runs: 1 };
  const lacks = (): Promise<undefined> => Promise.resolve(undefined);

  it('answers from the source: a regular file with its size and mtime, none for a deleted path or another kind, nothing for a path outside it', async () => {
    fs.rmSync(path.join(source, 'e.log'));
    expect(await sourceFilesAt(source, ['a.txt', 'e.log', 'link-to-a', 'docs', '../outside.txt'])).toEqual([
      { path: 'a.txt', present: { size: 5, mtimeMs: T - 3_600_000 } },
      { path: 'e.log' },
      { path: 'link-to-a' },
      { path: 'docs' },
    ]);
  });

  it('answers nothing through a symlinked folder inside the source, which the walk never samples, nor a path not in the walk\'s form (review r57R-1)', async () => {
    const outside = path.join(dir, 'secret-area');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'key.pem'), 'x'.repeat(1234));
    fs.symlinkSync(outside, path.join(source, 'link'));
    fs.symlinkSync(path.join(outside, 'key.pem'), path.join(source, 'docs', 'key-link'));
    expect((await sampleFileWindow(source, { after: '', samples: 100 })).samples.map((s) => s.path)).not.toContain('link/key.pem');
    const asked = ['link/key.pem', 'link/nope', 'link/../docs/b.md', './a.txt', 'docs//b.md', 'docs/', '', 'docs/key-link', 'docs/b.md', 'a.txt/x', 'gone/x'];
    expect(await sourceFilesAt(source, asked)).toEqual([{ path: 'docs/key-link' }, { path: 'docs/b.md', present: { size: 11, mtimeMs: T - 3_600_000 } }, { path: 'a.txt/x' }, { path: 'gone/x' }]);
  });

  it('leaves out an answer whose folder was swapped for a symlink while the list was answered, however long the list (review r57V-1)', async () => {
    const outside = path.join(dir, 'secret-area');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'key.pem'), 'x'.repeat(1234));
    write(source, 'd2/key.pem', 'in', T - 3_600_000);
    const folder = path.join(source, 'd2');
    // The swap comes right after the second path's folder is found a directory: the final lstat then goes through the symlink.
    let lstatsOfFolder = 0;
    const lstat = async (abs: string | Buffer): Promise<fs.BigIntStats> => {
      const stat = await fs.promises.lstat(abs, { bigint: true });
      if (abs === folder && ++lstatsOfFolder === 3) {
        fs.renameSync(folder, path.join(dir, 'd2-moved'));
        fs.symlinkSync(outside, folder);
      }
      return stat;
    };
    expect(await sourceFilesAt(source, ['d2/key.pem', 'a.txt', 'd2/key.pem'], { lstat })).toEqual([
      { path: 'd2/key.pem', present: { size: 2, mtimeMs: T - 3_600_000 } },
      { path: 'a.txt', present: { size: 5, mtimeMs: T - 3_600_000 } },
    ]);
    // A folder made again in its place (another inode) is not the one lstat'ed either; the next run answers as the tree is then.
    fs.rmSync(folder);
    fs.renameSync(path.join(dir, 'd2-moved'), folder);
    let remade = false;
    const remake = async (abs: string | Buffer): Promise<fs.BigIntStats> => {
      const stat = await fs.promises.lstat(abs, { bigint: true });
      if (abs === path.join(folder, 'key.pem') && !remade) {
        remade = true;
        fs.renameSync(folder, path.join(dir, 'd2-old'));
        write(source, 'd2/key.pem', 'in', T - 3_600_000);
      }
      return stat;
    };
    expect(await sourceFilesAt(source, ['d2/key.pem'], { lstat: remake })).toEqual([]);
    expect(await sourceFilesAt(source, ['d2/key.pem'])).toEqual([{ path: 'd2/key.pem', present: { size: 2, mtimeMs: T - 3_600_000 } }]);
  });

  it('answers at most MAX_UNCONFIRMED_BYTES of the list, however long the list it read (review r57R-2)', async () => {
    const answers = await sourceFilesAt(source, Array.from({ length: 2_000 }, () => 'a.txt'));
    expect(answers.length).toBeGreaterThan(100);
    expect(Buffer.byteLength(JSON.stringify(answers))).toBeLessThanOrEqual(MAX_UNCONFIRMED_BYTES);
  });

  it('samples a source whose check record it cannot read, answering nothing for it, and reads a list whose entries another version wrote (review r57R-2)', async () => {
    const { catalog, samplesLog } = sharedCatalog();
    const warned: string[] = [];
    const unreadable = { ...samplesLog, unconfirmed: () => Promise.reject(new CatalogItemInvalidError('dr-catalog', 'MIRROR#shared / MIRROR', ['unconfirmed: Expected array'])) };
    const sampled = await runFileMirrorSampling({ samples: 3 }, { environment: 'prod', plans: FILE_MIRROR_PLANS, directory: () => source, log: unreadable, now: () => T, warn: (m) => warned.push(m) });
    expect(sampled.sources).toEqual([expect.objectContaining({ source: 'shared', samples: 3 })]);
    expect(catalog.get('shared')?.sourceAnswers).toBeUndefined();
    expect(warned).toEqual([expect.stringContaining('file-system source shared: the DR check\'s list of files held unconfirmed was not answered')]);
    const item = { pk: 'MIRROR#shared', sk: 'MIRROR', checkedAt: iso(T), unconfirmed: [{ path: 'e.log', size: 4, mtimeMs: T, runs: 'many', seenBy: 'v2' }] };
    const ddb = { send: () => Promise.resolve({ Item: item }) } as unknown as DynamoDBDocumentClient;
    expect(await new FileSamplesLog(ddb, 'dr-catalog').unconfirmed('shared')).toEqual({ checkedAt: iso(T), paths: ['e.log'] });
  });

  it('samples every source, a new pass for one whose previous samples item it cannot read, with a warning (review r57V-2)', async () => {
    const { catalog, samplesLog } = sharedCatalog();
    const warned: string[] = [];
    const plans: ProtectionPlanConfig[] = [{ ...(FILE_MIRROR_PLANS[0] as ProtectionPlanConfig), sources: [{ type: 'filesystem', name: 'tampered', path: '/mnt/lifeboat/tampered', mirror: true }, { type: 'filesystem', name: 'shared', path: '/mnt/lifeboat/shared', mirror: true }] }];
    const unreadable = { ...samplesLog, get: (s: string) => (s === 'tampered' ? Promise.reject(new CatalogItemInvalidError('dr-catalog', 'MIRROR#tampered / FILE-SAMPLES', ['samples.0.size: Expected number'])) : samplesLog.get(s)) };
    const sampled = await runFileMirrorSampling({ samples: 3 }, { environment: 'prod', plans, directory: () => source, log: unreadable, now: () => T, warn: (m) => warned.push(m) });
    expect(sampled.sources).toEqual([expect.objectContaining({ source: 'tampered', samples: 3, cursor: 'docs/deep/c.bin' }), expect.objectContaining({ source: 'shared', samples: 3 })]);
    expect([...catalog.keys()]).toEqual(['tampered', 'shared']);
    expect(warned).toEqual([expect.stringContaining('file-system source tampered: the sampler\'s previous samples item was not read, so a new pass starts over the source')]);
  });

  it('compares a held path that arrived in the replica with the file the source held: an older copy after a sync is a difference (review r57R-4)', async () => {
    const older = { size: 4, mtimeMs: T - 7_200_000 };
    expect(await judgeUnconfirmed([entry], undefined, () => Promise.resolve(older), T, iso(T + 1))).toEqual({
      held: [],
      differences: [{ key: 'e.log', reason: `older in the mirror (mtime ${iso(T - 7_200_000)}, source ${iso(T - 3_600_000)})` }],
      gone: 0,
    });
    // Before a sync past the time the source held the newer one, the older copy may be in flight: held.
    expect((await judgeUnconfirmed([entry], undefined, () => Promise.resolve(older), T - 120_000, iso(T + 1))).held).toEqual([{ ...entry, runs: 2 }]);
    // With no EFS sync since (or none at all), the older copy is held to the bound, then named as what it is: the file is in the replica (review r57V-3).
    let waiting = [entry];
    for (let run = 2; run <= MAX_UNCONFIRMED_RUNS; run++) waiting = (await judgeUnconfirmed(waiting, undefined, () => Promise.resolve(older), null, iso(T + run))).held;
    expect(waiting).toEqual([{ ...entry, runs: MAX_UNCONFIRMED_RUNS }]);
    expect(await judgeUnconfirmed(waiting, undefined, () => Promise.resolve(older), null, iso(T + 99))).toEqual({
      held: [],
      differences: [{ key: 'e.log', reason: `older in the mirror (mtime ${iso(T - 7_200_000)}, source ${iso(T - 3_600_000)}), and no EFS sync since the source held the newer one (${entry.heldAt}) in ${MAX_UNCONFIRMED_RUNS} checks` }],
      gone: 0,
    });
    // The same mtime with another size differs; the same file, or a newer one (replicated since), has arrived.
    expect((await judgeUnconfirmed([entry], undefined, () => Promise.resolve({ size: 5, mtimeMs: entry.mtimeMs }), T, iso(T + 1))).differences).toEqual([{ key: 'e.log', reason: 'size 5 in the mirror, 4 at the source' }]);
    expect(await judgeUnconfirmed([entry], undefined, () => Promise.resolve({ size: 4, mtimeMs: entry.mtimeMs }), T, iso(T + 1))).toEqual({ held: [], differences: [], gone: 0 });
    expect(await judgeUnconfirmed([entry], undefined, () => Promise.resolve({ size: 7, mtimeMs: T }), T, iso(T + 1))).toEqual({ held: [], differences: [], gone: 0 });
    // The sampler's answer showing the replica's copy (the source set it back) is the newer word.
    const setBack = { listedAt: iso(T), at: iso(T + 1), paths: [{ path: 'e.log', present: older }] };
    expect(await judgeUnconfirmed([entry], setBack, () => Promise.resolve(older), T, iso(T + 2))).toEqual({ held: [], differences: [], gone: 0 });
    // As the check reads the replica: a regular file's size and mtime, none for a missing path or another kind.
    expect(await replicaFileAt(replica, 'e.log')).toEqual({ size: 4, mtimeMs: T - 3_600_000 });
    expect(await replicaFileAt(replica, 'docs')).toBeUndefined();
    expect(await replicaFileAt(replica, 'nope')).toBeUndefined();
  });

  it('follows a file changed at the source meanwhile: held as of the answer until a sync past it, then the next answer decides', async () => {
    const changed = { listedAt: iso(T), at: iso(T + 840_000), paths: [{ path: 'e.log', present: { size: 9, mtimeMs: T + 600_000 } }] };
    // The last sync is before the answer: the replica may lack the file for the rewrite; wait.
    const waiting = await judgeUnconfirmed([entry], changed, lacks, T + 800_000, iso(T + 900_000));
    const { missingAfterSync: _synced, ...unsynced } = entry;
    expect(waiting).toEqual({ held: [{ ...unsynced, size: 9, mtimeMs: T + 600_000, heldAt: iso(T + 840_000), runs: 2 }], differences: [], gone: 0 });
    // A sync past it, the replica still without it: asked again.
    const asked = await judgeUnconfirmed(waiting.held, changed, lacks, T + 1_700_000, iso(T + 1_800_000));
    expect(asked.held).toEqual([expect.objectContaining({ missingAfterSync: iso(T + 1_700_000), askedAt: iso(T + 1_800_000), runs: 3 })]);
    // An answer to an older list does not count; the next one, the same file: a difference.
    expect((await judgeUnconfirmed(asked.held, changed, lacks, T + 1_700_000, iso(T + 2_700_000))).differences).toEqual([]);
    const same = { listedAt: iso(T + 1_800_000), at: iso(T + 2_640_000), paths: [{ path: 'e.log', present: { size: 9, mtimeMs: T + 600_000 } }] };
    expect((await judgeUnconfirmed(asked.held, same, lacks, T + 2_600_000, iso(T + 2_700_000))).differences).toEqual([{ key: 'e.log', reason: expect.stringMatching(/^missing from the mirror \(the source held it, unchanged/) }]);
    // The replica holds it by then, as the source does: dropped.
    expect(await judgeUnconfirmed(asked.held, same, () => Promise.resolve({ size: 9, mtimeMs: T + 600_000 }), T + 2_600_000, iso(T + 2_700_000))).toEqual({ held: [], differences: [], gone: 0 });
  });

  it(`fails closed after ${MAX_UNCONFIRMED_RUNS} checks without an answer, and past its room in the record a missing file is a difference at once`, async () => {
    let held = [entry];
    for (let run = 2; run <= MAX_UNCONFIRMED_RUNS; run++) held = (await judgeUnconfirmed(held, undefined, lacks, T, iso(T + run))).held;
    expect(held).toEqual([{ ...entry, runs: MAX_UNCONFIRMED_RUNS }]);
    expect((await judgeUnconfirmed(held, undefined, lacks, T, iso(T + 99))).differences).toEqual([{ key: 'e.log', reason: expect.stringContaining(`not confirmed either way since ${iso(T)}, ${MAX_UNCONFIRMED_RUNS} checks`) }]);
    const many = Array.from({ length: 3 }, (_, i) => ({ ...entry, path: `f${i}` }));
    const one = Buffer.byteLength(JSON.stringify(many[0])) + 1;
    expect(unconfirmedWithin(many, 2 * one)).toEqual({ kept: many.slice(0, 2), overflow: many.slice(2) });
  });

  it('keeps the check\'s record and the samples item under DynamoDB\'s 400 KB with every list full of the longest paths', async () => {
    const long = (i: number): string => `${String(i).padStart(6, '0')}${'写'.repeat(1363)}`; // 4,095 UTF-8 bytes, PATH_MAX
    const sample = (i: number): FileSample => ({ path: long(i), size: 1_000_000_000, mtimeMs: T + 0.5, sha256: 'f'.repeat(64) });
    const window: FileSample[] = [];
    for (let i = 0; window.reduce((n, x) => n + Buffer.byteLength(JSON.stringify(x)) + 1, 0) + Buffer.byteLength(JSON.stringify(sample(i))) + 1 <= MAX_WINDOW_BYTES; i++) window.push(sample(i));
    const awaiting = awaitingWithin([{ sampledAt: iso(T), readUntil: iso(T + 1), samples: window }]);
    expect(awaiting.dropped).toBe(0);
    const unconfirmed = unconfirmedWithin(Array.from({ length: 100 }, (_, i) => ({ ...entry, path: long(i), size: 1_000_000_000, mtimeMs: T + 0.5, runs: MAX_UNCONFIRMED_RUNS }))).kept;
    expect(Buffer.byteLength(JSON.stringify(unconfirmed))).toBeGreaterThan(MAX_UNCONFIRMED_BYTES - 5_000);
    const note = 'n'.repeat(6_000);
    const record: MirrorRecord & { pk: string; sk: string } = {
      pk: 'MIRROR#shared', sk: 'MIRROR', environment: 'prod', source: 'shared', plan: 'files', type: 'filesystem', mirror: 'efs fs-0dr (us-west-2, replica of fs-0src)', checkedAt: iso(T),
      passed: false, compared: 100, differences: 100, inFlight: 100, firstDifference: { key: long(0), reason: `missing from the mirror (${'r'.repeat(300)})` }, lagSeconds: 300, graceSeconds: 900, cursor: long(1), durationMs: 1,
      awaitingSync: awaiting.kept, unconfirmed, awaitingSyncPath: `/mnt/${'p'.repeat(4000)}`, note,
    };
    expect(itemSizeBytes(marshall(record, { removeUndefinedValues: true }) as Record<string, unknown>)).toBeLessThanOrEqual(409_600);
    const samplesItem: FileSamplesRecord & { pk: string; sk: string } = {
      pk: 'MIRROR#shared', sk: 'FILE-SAMPLES', environment: 'prod', source: 'shared', sourcePath: `/mnt/${'p'.repeat(4000)}`, sampledAt: iso(T), readUntil: iso(T + 1), samples: window, cursor: long(2), skipped: 1_000_000,
      problem: 'p'.repeat(2_100), passProblem: 'p'.repeat(2_100),
      sourceAnswers: { listedAt: iso(T), at: iso(T + 1), paths: unconfirmed.map((u) => ({ path: u.path, present: { size: u.size, mtimeMs: u.mtimeMs } })) },
    };
    expect(itemSizeBytes(marshall(samplesItem, { removeUndefinedValues: true }) as Record<string, unknown>)).toBeLessThanOrEqual(409_600);
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
    const { catalog, samplesLog } = sharedCatalog();
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

  it('fails, naming the first differing file and the lag, when the replica lost a file the source still has: one run later, once the sampler has found it at the source (review r57L-2)', async () => {
    fs.rmSync(path.join(replica, 'docs/b.md'));
    const { samplesLog, recorded } = sharedCatalog();
    const results = [];
    for (const run of [0, 1]) {
      const at = T + run * 900_000;
      await runFileMirrorSampling({ samples: 3 }, { environment: 'prod', plans, directory: () => source, log: samplesLog, now: () => at - 60_000 });
      const { deps } = fileSystemMirrorCheckDeps({ plans, now: at, efs: efs('fs-0dr', at - 30_000), replica: { fileSystemId: 'fs-0dr', directory: () => replica, samples: samplesLog }, recorded });
      results.push(await runMirrorCheck({ samples: 100, graceSeconds: 900 }, deps));
    }
    // The run that finds it missing holds it: the source may have deleted it before the sync.
    expect(results[0]?.passed).toBe(true);
    expect(recorded[0]).toMatchObject({ compared: 3, differences: 0, unconfirmed: [{ path: 'docs/b.md', missingAfterSync: new Date(T - 30_000).toISOString(), runs: 1 }] });
    expect(recorded[0]?.note).toContain('1 file(s) missing from the replica held unconfirmed until the primary region\'s sampler says whether the source still has them');
    // The next sampling finds it at the source, unchanged: a difference.
    const reason = `missing from the mirror (the source held it, unchanged, from before EFS's sync of ${new Date(T - 30_000).toISOString()} until ${new Date(T + 840_000).toISOString()})`;
    expect(results[1]?.passed).toBe(false);
    expect(results[1]?.cause).toBe(`Mirror of shared (efs fs-0dr (us-west-2, replica of fs-0src)) differs from its source: first differing key "docs/b.md" (${reason}); 1 difference(s); lag 30.0 s`);
    expect(recorded[1]).toMatchObject({ differences: 1, firstDifference: { key: 'docs/b.md', reason } });
    expect(recorded[1]?.unconfirmed).toBeUndefined();
  });

  it('counts no difference for a sampled file deleted at the source before the sync that judges it, and the replica with it (review r57L-2)', async () => {
    const { samplesLog, recorded } = sharedCatalog();
    const runs: Array<{ passed: boolean; differences: number | undefined; unconfirmed: string[] }> = [];
    // Hourly, as in the review's repro: the sampler at 2 s past the hour, the check at 20 s; EFS's last sync 5 minutes before each check.
    for (const hour of [0, 1, 2]) {
      const at = T + hour * 3_600_000;
      // a.txt, sampled at hour 0 and kept for a later sync, is deleted at the source and by EFS before hour 1's sync.
      if (hour === 1) for (const root of [source, replica]) fs.rmSync(path.join(root, 'a.txt'));
      await runFileMirrorSampling({ samples: 2 }, { environment: 'prod', plans, directory: () => source, log: samplesLog, now: () => at + 2_000 });
      const { deps } = fileSystemMirrorCheckDeps({ plans, now: at + 20_000, efs: efs('fs-0dr', at - 300_000), replica: { fileSystemId: 'fs-0dr', directory: () => replica, samples: samplesLog }, recorded });
      const result = await runMirrorCheck({ samples: 2, graceSeconds: 900 }, deps);
      const last = recorded[recorded.length - 1];
      runs.push({ passed: result.passed, differences: last?.differences, unconfirmed: last?.unconfirmed?.map((u) => u.path) ?? [] });
    }
    expect(runs).toEqual([
      { passed: true, differences: 0, unconfirmed: [] },
      { passed: true, differences: 0, unconfirmed: ['a.txt'] },
      { passed: true, differences: 0, unconfirmed: [] },
    ]);
    expect(recorded[2]?.note).toContain('1 file(s) missing from the replica not counted: gone from the source too');
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
    const { samplesLog, recorded } = sharedCatalog();
    // Hourly: the sampler at 2 s past the hour, the check at 20 s; EFS's last sync is 5 minutes before each check.
    for (const hour of [0, 1, 2]) {
      const at = T + hour * 3_600_000;
      await runFileMirrorSampling({ samples: 2 }, { environment: 'prod', plans, directory: () => source, log: samplesLog, now: () => at + 2_000 });
      const { deps } = fileSystemMirrorCheckDeps({ plans, now: at + 20_000, efs: efs('fs-0dr', at - 300_000), replica: { fileSystemId: 'fs-0dr', directory: () => replica, samples: samplesLog }, recorded });
      await runMirrorCheck({ samples: 2, graceSeconds: 900 }, deps);
    }
    const [first, second, third] = recorded;
    expect(first).toMatchObject({ passed: true, compared: 0, inFlight: 2, awaitingSync: [{ sampledAt: new Date(T + 2_000).toISOString(), samples: [{ path: 'a.txt' }, { path: 'docs/b.md' }] }] });
    expect(first?.note).toContain('2 sample(s) read after EFS\'s last sync (2026-12-01T05:55:00.000Z) not compared yet: kept for a later run');
    // The next hour judges the kept window (the sync of 06:55 covers it), holds the two missing files until the sampler
    // has looked for them at the source (review r57L-2), and keeps its own window.
    expect(second).toMatchObject({ passed: true, compared: 2, differences: 0, inFlight: 2, unconfirmed: [{ path: 'a.txt' }, { path: 'docs/b.md' }] });
    expect(second?.awaitingSync?.map((w) => [w.sampledAt, w.samples.map((s) => s.path)])).toEqual([[new Date(T + 3_602_000).toISOString(), ['docs/deep/c.bin', 'e.log']]]);
    // The sampler found both still at the source: the hour after, they are differences.
    expect(third).toMatchObject({ passed: false, differences: 2, firstDifference: { key: 'a.txt', reason: expect.stringMatching(/^missing from the mirror \(the source held it, unchanged/) } });
  });

  it('fails every run, not only the one whose window met it, while a path of the source cannot be read, until a whole pass reads it (review r57L-3)', async () => {
    const { catalog, samplesLog } = sharedCatalog();
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

  it('carries the problem of an earlier sampler\'s item met mid-pass to the end of that pass, as that pass\'s (review r57O-4)', () => {
    const problem = '/mnt/lifeboat/shared/z: cannot list: EACCES';
    // An item of a sampler before passProblem (and sourcePath): mid-pass, its problem may be the pass's own.
    const midPass = carriedProblem({ cursor: 'm', problem }, undefined, 'q');
    expect(midPass).toEqual({ problem, passProblem: problem });
    expect(carriedProblem({ cursor: 'q', ...midPass, sourcePath: '/mnt/lifeboat/shared' }, undefined, '')).toEqual({ problem });
    // This version's item: a problem without passProblem is the last complete pass's, cleared when this pass ends.
    expect(carriedProblem({ cursor: 'm', problem, sourcePath: '/mnt/lifeboat/shared' }, undefined, '')).toEqual({});
  });

  it('judges no samples read under the source\'s former path, and the sampler starts a new pass over the new one (review r57O-2)', async () => {
    const moved: ProtectionPlanConfig[] = plans.map((p) => ({ ...p, sources: p.sources.map((x) => (x.name === 'shared' ? { ...x, path: '/mnt/lifeboat/moved' } : x)) }));
    const former = path.join(dir, 'former');
    for (const rel of ['a-old.txt', 'b-old.txt', 'only-old.txt', 'z-old.txt']) write(former, rel, rel, T - 3_600_000);
    const { catalog, samplesLog, recorded } = sharedCatalog();
    // The sampler of the former configuration, mid-pass, its item with a problem of that directory.
    await runFileMirrorSampling({ samples: 3 }, { environment: 'prod', plans, directory: () => former, log: samplesLog, now: () => T });
    const formerItem = catalog.get('shared') as FileSamplesRecord;
    expect(formerItem).toMatchObject({ cursor: 'only-old.txt' });
    catalog.set('shared', { ...formerItem, problem: '/mnt/lifeboat/shared/x: EACCES', passProblem: '/mnt/lifeboat/shared/x: EACCES' });
    // The path moved; the check runs twice before the sampler runs again, the second after a sync past the samples.
    for (const at of [T + 60_000, T + 3_600_000]) {
      const { deps } = fileSystemMirrorCheckDeps({ plans: moved, now: at, efs: efs('fs-0dr', at - 30_000), replica: { fileSystemId: 'fs-0dr', directory: () => replica, samples: samplesLog }, recorded });
      expect((await runMirrorCheck({ samples: 100, graceSeconds: 900 }, deps)).passed).toBe(true);
    }
    expect(recorded.map((r) => ({ compared: r.compared, differences: r.differences, awaitingSync: r.awaitingSync }))).toEqual([
      { compared: 0, differences: 0, awaitingSync: undefined },
      { compared: 0, differences: 0, awaitingSync: undefined },
    ]);
    expect(recorded[0]?.note).toContain('the primary region\'s sampler\'s latest samples were read under /mnt/lifeboat/shared, not under /mnt/lifeboat/moved as configured now');
    // The sampler of the new configuration: from the beginning of the new directory, without the former one's problem.
    await runFileMirrorSampling({ samples: 3 }, { environment: 'prod', plans: moved, directory: () => source, log: samplesLog, now: () => T + 3_660_000 });
    const item = catalog.get('shared');
    expect(formerItem.sourcePath).toBe('/mnt/lifeboat/shared');
    expect(item).toMatchObject({ sourcePath: '/mnt/lifeboat/moved', cursor: 'docs/deep/c.bin', samples: [{ path: 'a.txt' }, { path: 'docs/b.md' }, { path: 'docs/deep/c.bin' }] });
    expect([item?.problem, item?.passProblem]).toEqual([undefined, undefined]);
    // Its samples are judged under the new path, and a window kept for a later sync names it.
    const { deps } = fileSystemMirrorCheckDeps({ plans: moved, now: T + 3_720_000, efs: efs('fs-0dr', T + 3_600_000), replica: { fileSystemId: 'fs-0dr', directory: () => replica, samples: samplesLog }, recorded });
    await runMirrorCheck({ samples: 100, graceSeconds: 900 }, deps);
    expect(recorded[2]).toMatchObject({ passed: true, inFlight: 3, awaitingSyncPath: '/mnt/lifeboat/moved' });
  });

  it('passes without comparing before the primary region\'s first sampling, and says so', async () => {
    const { result, recorded } = await run({ sampled: false });
    expect(result.passed).toBe(true);
    expect(recorded[0]?.note).toContain('the primary region\'s sampler has recorded no samples of this source');
  });
});
