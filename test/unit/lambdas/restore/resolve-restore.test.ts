import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetBucketEncryptionCommand, GetPublicAccessBlockCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { type SourceConfig } from '../../../../config/lifeboat-config';
import { ForgottenBackupError, NoBackupAtTimeError, UnknownBackupError } from '../../../../lambdas/catalog/catalog-errors';
import { resolveRestore, type ResolveRestoreDeps } from '../../../../lambdas/restore/resolve-restore';
import { releaseRestorePin } from '../../../../lambdas/restore/restore-pin';
import { type RestorePin } from '../../../../lambdas/catalog/backup-record';
import { selectedEntries } from '../../../../lambdas/restore/restore-selection';
import { type Vault } from '../../../../vault/repository/vault';
import { newTestVault, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { backupDirectory } from '../../../../vault/archiver/directory-source';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

const sources: SourceConfig[] = [
  { type: 's3', name: 'assets', bucket: 'prod-assets', prefix: '' },
  { type: 'dynamodb', name: 'orders', table: 'prod-orders' },
  { type: 'filesystem', name: 'files', path: '/mnt/lifeboat/files' },
];
const s3mock = mockClient(S3Client);
let dir: string;
let vault: Vault;
let s3SnapshotId: string;
let filesSnapshotId: string;
const BACKUP = '20260301T100000Z-1a2b3c4d';

beforeAll(async () => {
  dir = await tempDir('resolve-restore');
  ({ vault } = await newTestVault(dir));
  const writer = await vault.newSnapshotWriter({ parent: null });
  for (const key of ['a.txt', 'reports/2026/q1.csv', 'reports/2026/q2.csv', 'reportsX', 'z/../odd key %+.bin']) {
    await writer.add({ path: key.replace('/../', '/dotdot/'), kind: 'object', meta: { metadata: {}, tags: {}, etag: '"x"', size: key.length, lastModified: '' }, content: Buffer.from(key) });
  }
  s3SnapshotId = (await vault.commitSnapshot({ source: { kind: 's3', id: 'assets', bucket: 'prod-assets', prefix: '' }, parts: [await writer.finish()] })).id;
  const files = path.join(dir, 'files');
  await fs.mkdir(path.join(files, 'docs'), { recursive: true });
  await fs.mkdir(path.join(files, 'docsX'));
  await fs.writeFile(path.join(files, 'docs', 'a.txt'), 'a');
  await fs.writeFile(path.join(files, 'docsX', 'b.txt'), 'b');
  filesSnapshotId = (await backupDirectory(vault, files)).snapshot.id;
});
afterAll(() => removeDir(dir));
beforeEach(() => {
  s3mock.reset();
  s3mock.on(HeadBucketCommand).resolves({});
  s3mock.on(ListObjectsV2Command).resolves({ Contents: [] });
  // Every target bucket here is protected (target-bucket-protection.ts); restore-target-protection.test.ts covers the others.
  s3mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });
  s3mock.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
});

function deps(records: Record<string, unknown>, asOf?: (source: string, at: string) => unknown): ResolveRestoreDeps & { asOfCalls: string[] } {
  const asOfCalls: string[] = [];
  return {
    asOfCalls,
    restoreTargetPrefix: 'lifeboat-dev-restore-',
    sources,
    catalog: {
      requireBackup: async (id: string) => {
        const r = records[id];
        if (!r) throw new UnknownBackupError(id);
        return r as never;
      },
      backupAsOf: async (source: string, at: string) => {
        asOfCalls.push(at);
        const r = asOf?.(source, at);
        if (!r) throw new NoBackupAtTimeError(source, at);
        return r as never;
      },
    },
    openVault: async () => vault,
    s3: new S3Client({ region: 'us-east-1' }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    directory: (p) => p,
    now: () => new Date('2026-03-02T00:00:00Z'),
  };
}

const committed = (snapshotId: string) => ({ backupId: BACKUP, plan: 'p', status: 'COMMITTED', startedAt: '2026-03-01T10:00:00.000Z', sources: [{ name: 'assets', type: 's3', snapshotId }] });

it('resolves a backup id to the source snapshot, with target, filter and vault', async () => {
  const resolved = await resolveRestore({ source: 'assets', backupId: BACKUP, target: { type: 's3', bucket: 'lifeboat-dev-restore-a' }, filter: { prefix: 'reports' }, vault: 'dr' }, 'exec-1', deps({ [BACKUP]: committed(s3SnapshotId) }));
  expect(resolved).toEqual({
    restoreId: 'exec-1',
    source: { name: 'assets', type: 's3' },
    backupId: BACKUP,
    backupStartedAt: '2026-03-01T10:00:00.000Z',
    snapshotId: s3SnapshotId,
    vault: 'dr',
    target: { type: 's3', bucket: 'lifeboat-dev-restore-a', prefix: '' },
    overwrite: false,
    keepSetIdBits: false,
    prefix: 'reports',
    startedAt: '2026-03-02T00:00:00.000Z',
  });
  // S3 key prefixes are plain string prefixes.
  const paths: string[] = [];
  for await (const e of selectedEntries(vault, await vault.loadSnapshot(s3SnapshotId), resolved)) paths.push(e.path);
  expect(paths).toEqual(['reports/2026/q1.csv', 'reports/2026/q2.csv', 'reportsX']);
});

it('takes a directory filter as a path in the backup: a leading / or ./ and a trailing / name the same directory, with its own entry', async () => {
  const record = { ...committed(filesSnapshotId), sources: [{ name: 'files', type: 'filesystem', snapshotId: filesSnapshotId }] };
  for (const given of ['docs', '/docs', './docs/', 'docs/']) {
    const resolved = await resolveRestore({ source: 'files', backupId: BACKUP, target: { type: 'filesystem', path: '/restore-files' }, filter: { prefix: given } }, 'e', deps({ [BACKUP]: record }));
    expect(resolved.prefix).toBe('docs');
    const paths: string[] = [];
    for await (const e of selectedEntries(vault, await vault.loadSnapshot(filesSnapshotId), resolved)) paths.push(e.path);
    expect(paths).toEqual(['docs', 'docs/a.txt']);
  }
  await expect(resolveRestore({ source: 'files', backupId: BACKUP, target: { type: 'filesystem', path: '/restore-files' }, filter: { prefix: 'docs/../etc' } }, 'e', deps({ [BACKUP]: record }))).rejects.toMatchObject({
    name: 'InvalidInputError',
    message: 'Invalid restore request: filter.prefix: "docs/../etc" has a ".." part; a directory path in a backup is relative to the backed-up directory ("var/log")',
  });
});

it('resolves a point in time in UTC through the catalog', async () => {
  const d = deps({}, () => committed(s3SnapshotId));
  await resolveRestore({ source: 'assets', pointInTime: '2026-03-01T11:30:00+01:00', target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } }, 'e', d);
  expect(d.asOfCalls).toEqual(['2026-03-01T10:30:00.000Z']);
});

it.each([
  ['an unknown backup id', { source: 'assets', backupId: '20990101T000000Z-deadbeef', target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } }, 'UnknownBackupError', 'No backup with id 20990101T000000Z-deadbeef'],
  ['no backup at the time', { source: 'assets', pointInTime: '2020-01-01T00:00:00Z', target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } }, 'NoBackupAtTimeError', 'no committed backup at or before 2020-01-01T00:00:00.000Z'],
  ['neither id nor time', { source: 'assets', target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } }, 'InvalidInputError', 'backupId: give the backup to restore'],
  ['a filter on a table', { source: 'orders', backupId: BACKUP, target: { type: 'dynamodb', table: 'lifeboat-dev-restore-o' }, filter: { prefix: 'x' } }, 'InvalidInputError', 'filter: a DynamoDB table is restored whole'],
  ['a bucket outside the allowed names', { source: 'assets', backupId: BACKUP, target: { type: 's3', bucket: 'somebody-elses' } }, 'RestoreTargetNotAllowedError', 'target.bucket: the restore workflow may write only to buckets named lifeboat-dev-restore-*'],
  ['a source the backup lacks', { source: 'orders', backupId: BACKUP, target: { type: 'dynamodb', table: 'lifeboat-dev-restore-o' } }, 'InvalidInputError', 'source: backup 20260301T100000Z-1a2b3c4d does not hold source "orders"'],
])('refuses %s with a named error', async (_label, input, name, message) => {
  await expect(resolveRestore(input, 'e', deps({ [BACKUP]: committed(s3SnapshotId) }))).rejects.toMatchObject({ name, message: expect.stringContaining(message) });
});

it('in the DR region, says of an unknown backup id that the DR catalog holds replicated backups only', async () => {
  const input = { source: 'assets', backupId: '20990101T000000Z-deadbeef', target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } };
  await expect(resolveRestore(input, 'e', { ...deps({ [BACKUP]: committed(s3SnapshotId) }), homeVault: 'dr' })).rejects.toMatchObject({
    name: 'UnknownBackupError',
    message: expect.stringMatching(/^No backup with id 20990101T000000Z-deadbeef exists in the DR catalog: it holds only the backups replicated to the DR vault/),
  });
});

it('refuses a backup that did not commit, and a snapshot of another kind', async () => {
  const failed = { ...committed(s3SnapshotId), status: 'FAILED' };
  await expect(resolveRestore({ source: 'assets', backupId: BACKUP, target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } }, 'e', deps({ [BACKUP]: failed }))).rejects.toThrow('is FAILED, and only COMMITTED backups can be restored');
  const wrongKind = { ...committed(s3SnapshotId), sources: [{ name: 'orders', snapshotId: s3SnapshotId }] };
  await expect(resolveRestore({ source: 'orders', backupId: BACKUP, target: { type: 'dynamodb', table: 'lifeboat-dev-restore-o' } }, 'e', deps({ [BACKUP]: wrongKind }))).rejects.toMatchObject({ name: 'SnapshotMismatchError' });
});

it('refuses a non-empty new target without overwrite, and a missing bucket', async () => {
  s3mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'already-here' }] });
  const input = { source: 'assets', backupId: BACKUP, target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } };
  await expect(resolveRestore(input, 'e', deps({ [BACKUP]: committed(s3SnapshotId) }))).rejects.toMatchObject({ name: 'RestoreTargetNotEmptyError', message: expect.stringContaining('"already-here"') });
  await expect(resolveRestore({ ...input, overwrite: true }, 'e', deps({ [BACKUP]: committed(s3SnapshotId) }))).resolves.toMatchObject({ overwrite: true });
  s3mock.on(HeadBucketCommand).rejects(Object.assign(new Error('not found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }));
  await expect(resolveRestore(input, 'e', deps({ [BACKUP]: committed(s3SnapshotId) }))).rejects.toMatchObject({ name: 'RestoreTargetMissingError' });
});

it('refuses a directory target outside the mounted file system when one is configured (AWS), and accepts one inside', async () => {
  const files: SourceConfig = { type: 'filesystem', name: 'files', path: '/mnt/lifeboat/files' };
  const d = { ...deps({ [BACKUP]: committed(s3SnapshotId) }), sources: [...sources, files], mountPath: '/mnt/lifeboat' };
  // '/mnt/lifeboat/../etc' is refused earlier, by the request's schema (restore-guardrails.test.ts).
  for (const path of ['/tmp/restored', '/mnt/lifeboat-other/x']) {
    await expect(resolveRestore({ source: 'files', backupId: BACKUP, target: { type: 'filesystem', path } }, 'e', d)).rejects.toMatchObject({
      name: 'RestoreTargetNotAllowedError',
      message: expect.stringContaining('target.path: directory targets must be inside the mounted file system /mnt/lifeboat'),
    });
  }
  // Inside the mount the policy lets it through; the backup holds no "files" snapshot, which is the next check.
  await expect(resolveRestore({ source: 'files', backupId: BACKUP, target: { type: 'filesystem', path: '/mnt/lifeboat/restored' } }, 'e', d)).rejects.toThrow('does not hold source "files"');
});

// Review r64Q F6: the record's plan, forgottenAt and id were printed raw: a `"` in the plan closed its quotes and an ESC in
// the forgottenAt drove the terminal.
it('names a backup not in the DR vault by its record\'s plan JSON-quoted, its forgottenAt as an instant, each escaped', async () => {
  const { vault: emptyDr } = await newTestVault(await tempDir('resolve-dr-text'));
  try {
    const plan = 'shop", not of plan "orders\u001b[2K';
    const request = { source: 'assets', backupId: BACKUP, vault: 'dr' as const, target: { type: 's3' as const, bucket: 'lifeboat-dev-restore-a' } };
    const withRecord = (extra: Record<string, unknown>) => ({
      ...deps({ [BACKUP]: { ...committed(s3SnapshotId), copies: { primary: 'COMMITTED', dr: 'FAILED' }, plan, ...extra } }),
      openVault: async (side: 'primary' | 'dr') => (side === 'dr' ? emptyDr : vault),
    });
    const notYet = (await resolveRestore(request, 'e', withRecord({})).catch((e: unknown) => e)) as Error;
    expect(notYet.name).toBe('BackupNotReplicatedError');
    expect(notYet.message).toContain('a backup of plan "shop\\", not of plan \\"orders\\u001b[2K" copies it');
    const forged = '2026-03-02T00:00:00.000Z\u001b[2K\r\u001b[32mrestored OK';
    const lost = (await resolveRestore(request, 'e', withRecord({ forgottenAt: forged })).catch((e: unknown) => e)) as Error;
    expect(lost.message).toContain("the primary vault's retention forgot it at a forgottenAt that is not a time before a Replicate step copied it");
    for (const message of [notYet.message, lost.message]) expect(message).not.toContain('\u001b');
  } finally {
    await removeDir(emptyDr.location.replace(/\/vault$/, ''));
  }
});

it('says a backup is not in the DR vault (and what to do) when the DR vault lacks its snapshot', async () => {
  const { vault: emptyDr } = await newTestVault(await tempDir('resolve-dr'));
  const d = { ...deps({ [BACKUP]: { ...committed(s3SnapshotId), copies: { primary: 'COMMITTED', dr: 'FAILED' } } }), openVault: async (side: 'primary' | 'dr') => (side === 'dr' ? emptyDr : vault) };
  await expect(resolveRestore({ source: 'assets', backupId: BACKUP, vault: 'dr', target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } }, 'e', d)).rejects.toMatchObject({
    name: 'BackupNotReplicatedError',
    message: expect.stringMatching(/Backup 20260301T100000Z-1a2b3c4d is not in the DR vault: its snapshot of source "assets" is missing .*DR copy status in this region's catalog: FAILED.*"vault": "primary"\)\. It never reached the DR vault \(yet\): a backup of plan "\w+" copies it/),
  });
  // Never copied, and forgotten by the primary's retention since: neither vault holds it, so no advice to restore from the primary or wait for a backup.
  const lost = { ...d, catalog: deps({ [BACKUP]: { ...committed(s3SnapshotId), copies: { primary: 'COMMITTED', dr: 'FAILED' }, forgottenAt: '2026-03-02T00:00:00.000Z' } }).catalog };
  const gone = resolveRestore({ source: 'assets', backupId: BACKUP, vault: 'dr', target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } }, 'e', lost);
  await expect(gone).rejects.toThrow(/status in this region's catalog: FAILED\); It never reached the DR vault: the primary vault's retention forgot it at 2026-03-02T00:00:00.000Z before a Replicate step copied it, so neither vault holds it; choose a kept backup/);
  await expect(gone).rejects.not.toThrow(/"vault": "primary"|Replicate step copies/);
  // Copied once (COMMITTED) and gone: the DR vault's retention forgot it, which no backup undoes; no advice to run one.
  const copied = { ...d, catalog: deps({ [BACKUP]: { ...committed(s3SnapshotId), copies: { primary: 'COMMITTED', dr: 'COMMITTED' } } }).catalog };
  const refused = resolveRestore({ source: 'assets', backupId: BACKUP, vault: 'dr', target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } }, 'e', copied);
  await expect(refused).rejects.toThrow(/status in this region's catalog: COMMITTED.*It was copied there, so the DR vault's retention forgot it \(drRetention\), which no backup copies again/);
  await expect(refused).rejects.not.toThrow(/Replicate step/);
  await removeDir(emptyDr.location.replace(/\/vault$/, ''));
});

it('refuses a backup retention forgot from the home vault, saying when; the other vault may still keep it', async () => {
  const forgotten = { ...committed(s3SnapshotId), forgottenAt: '2026-04-01T03:00:00.000Z' };
  const request = { source: 'assets', backupId: BACKUP, target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } };
  await expect(resolveRestore(request, 'e', deps({ [BACKUP]: forgotten }))).rejects.toMatchObject({
    name: 'ForgottenBackupError',
    message: `Backup ${BACKUP} was forgotten by retention at 2026-04-01T03:00:00.000Z: its snapshots are no longer in the primary vault. Choose a kept backup (\`lifeboat backups list\`), or restore it from the other vault if that one still keeps it.`,
  });
  await expect(resolveRestore({ ...request, vault: 'dr' }, 'e', deps({ [BACKUP]: forgotten }))).resolves.toMatchObject({ backupId: BACKUP, vault: 'dr' });
});

describe('the restore pin (restore-pin.ts)', () => {
  /** deps() with a pin catalog that records its calls (and `events`: pins and vault opens, in order). */
  function pinning(refuse?: Error) {
    const events: string[] = [];
    const base = deps({ [BACKUP]: committed(s3SnapshotId) });
    const pin = {
      seconds: 86_400,
      nonce: () => 'n-1',
      catalog: {
        pinBackup: (backupId: string, pinId: string, p: unknown, side: string) => {
          events.push(`pin ${backupId} ${pinId} ${side} ${JSON.stringify(p)}`);
          return refuse ? Promise.reject(refuse) : Promise.resolve();
        },
        unpinBackup: (backupId: string, pinId: string, onlyIf?: { nonce?: string | undefined }) => Promise.resolve(events.push(`unpin ${backupId} ${pinId}${onlyIf?.nonce !== undefined ? ` if nonce ${onlyIf.nonce}` : ''}`) > 0),
      },
    };
    const openVault = (side: 'primary' | 'dr') => {
      events.push(`open ${side}`);
      return Promise.resolve(vault);
    };
    return { events, deps: { ...base, openVault, pin } };
  }
  const request = (extra: Record<string, unknown> = {}) => ({ source: 'assets', backupId: BACKUP, target: { type: 's3', bucket: 'lifeboat-dev-restore-a' }, ...extra });

  it('pins the backup of a restore from the home vault before reading its snapshot, until now + the workflow timeout', async () => {
    const { events, deps: d } = pinning();
    await resolveRestore(request(), 'exec-9', d);
    expect(events).toEqual([`pin ${BACKUP} exec-9 primary {"until":"2026-03-03T00:00:00.000Z","by":"restore exec-9","at":"2026-03-02T00:00:00.000Z","nonce":"n-1"}`, 'open primary']);
  });

  it('does not pin a restore from the other region\'s vault: its catalog and forget are that region\'s', async () => {
    const { events, deps: d } = pinning();
    await resolveRestore(request({ vault: 'dr' }), 'exec-dr', d);
    expect(events).toEqual(['open dr']);
    // In the DR region the DR vault is the home vault: pinned there.
    const dr = pinning();
    await resolveRestore(request(), 'exec-home-dr', { ...dr.deps, homeVault: 'dr' });
    expect(dr.events[0]).toMatch(/^pin \S+ exec-home-dr dr /);
  });

  it('fails with the refused pin\'s ForgottenBackupError and reads no snapshot', async () => {
    const refusal = new ForgottenBackupError(BACKUP, '2026-03-01T23:00:00.000Z', 'primary');
    const { events, deps: d } = pinning(refusal);
    await expect(resolveRestore(request(), 'exec-late', d)).rejects.toBe(refusal);
    expect(events.filter((e) => e.startsWith('open'))).toEqual([]);
  });

  it('removes its pin when a later check refuses the restore (no abandon step runs for a restore that was never planned)', async () => {
    s3mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'already-here' }] });
    const { events, deps: d } = pinning();
    await expect(resolveRestore(request(), 'exec-full', d)).rejects.toMatchObject({ name: 'RestoreTargetNotEmptyError' });
    expect(events.at(-1)).toBe(`unpin ${BACKUP} exec-full if nonce n-1`);
  });

  // Review 41b F3: a retried resolve must not leave its backup unpinned during the retry's backoff.
  it('keeps its pin when the failure is one the workflow retries (a throttled or 5xx answer)', async () => {
    s3mock.on(ListObjectsV2Command).rejects(Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }));
    const { events, deps: d } = pinning();
    await expect(resolveRestore(request(), 'exec-retried', d)).rejects.toThrow('Please reduce your request rate.');
    expect(events.some((e) => e.startsWith('unpin'))).toBe(false);
  });
});

// Audit R17 F1: every invocation of one execution's resolve step pins under the same restore id.
describe('two invocations of one restore\'s resolve step', () => {
  /** The pins of one record, as BackupCatalog keeps them: the first pin of an id keeps its nonce, a second one shares it (no nonce); an unpin with a nonce removes only a pin that carries it. */
  function pinStore() {
    const pins = new Map<string, RestorePin>();
    const catalog = {
      pinBackup: (_backupId: string, pinId: string, pin: RestorePin) => {
        const there = pins.get(pinId);
        if (!there) pins.set(pinId, pin);
        else pins.set(pinId, { until: there.until, by: there.by, at: there.at });
        return Promise.resolve();
      },
      unpinBackup: (_backupId: string, pinId: string, onlyIf: { nonce?: string | undefined } = {}) => {
        const pin = pins.get(pinId);
        if (!pin || (onlyIf.nonce !== undefined && pin.nonce !== onlyIf.nonce)) return Promise.resolve(false);
        return Promise.resolve(pins.delete(pinId));
      },
    };
    return { pins, catalog };
  }

  it('a slow one that fails for good after the retry pinned and resolved leaves the retry\'s pin in place', async () => {
    // The retry's target check finds the target empty; the slow invocation's, later, finds what the retry's shards wrote.
    s3mock.on(ListObjectsV2Command).resolvesOnce({ Contents: [] }).resolves({ Contents: [{ Key: 'written-by-the-retry' }] });
    const { pins, catalog } = pinStore();
    let letSlowOneOn: () => void = () => undefined;
    const slowRead = new Promise<void>((resolve) => (letSlowOneOn = resolve));
    let opens = 0;
    const base = deps({ [BACKUP]: committed(s3SnapshotId) });
    // No injected nonce: each invocation draws its own.
    const d: ResolveRestoreDeps = { ...base, pin: { catalog, seconds: 86_400 }, openVault: async () => (++opens === 1 ? slowRead.then(() => vault) : vault) };
    const request = { source: 'assets', backupId: BACKUP, target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } };

    const slow = resolveRestore(request, 'exec-twice', d);
    while (!pins.has('exec-twice')) await new Promise((r) => setImmediate(r));
    expect(pins.get('exec-twice')?.nonce).toEqual(expect.any(String));
    await expect(resolveRestore(request, 'exec-twice', d)).resolves.toMatchObject({ restoreId: 'exec-twice', backupId: BACKUP });
    // Shared: neither invocation's nonce is on it any more.
    const shared = pins.get('exec-twice');
    expect(shared?.nonce).toBeUndefined();

    letSlowOneOn();
    await expect(slow).rejects.toMatchObject({ name: 'RestoreTargetNotEmptyError' });
    // The restore the retry runs keeps its backup pinned.
    expect(pins.get('exec-twice')).toEqual(shared);
  });

  it('a slow one that pins only after the retry did, and then fails for good, leaves the retry\'s pin in place (the audit\'s order)', async () => {
    s3mock.on(ListObjectsV2Command).resolvesOnce({ Contents: [] }).resolves({ Contents: [{ Key: 'written-by-the-retry' }] });
    const { pins, catalog } = pinStore();
    const base = deps({ [BACKUP]: committed(s3SnapshotId) });
    const d: ResolveRestoreDeps = { ...base, pin: { catalog, seconds: 86_400 } };
    const request = { source: 'assets', backupId: BACKUP, target: { type: 's3', bucket: 'lifeboat-dev-restore-a' } };
    await expect(resolveRestore(request, 'exec-late', d)).resolves.toMatchObject({ restoreId: 'exec-late' });
    await expect(resolveRestore(request, 'exec-late', d)).rejects.toMatchObject({ name: 'RestoreTargetNotEmptyError' });
    expect(pins.has('exec-late')).toBe(true);
  });
});

describe('releaseRestorePin', () => {
  const restore = { restoreId: 'r-1', backupId: BACKUP, vault: 'primary' as const };

  it('unpins a restore of the home vault; never one of the other vault', async () => {
    const calls: string[] = [];
    const catalog = { unpinBackup: (b: string, p: string) => Promise.resolve(calls.push(`${b} ${p}`) > 0), releaseTarget: () => Promise.resolve(false) };
    await releaseRestorePin(catalog, 'primary', () => undefined)(restore);
    await releaseRestorePin(catalog, 'dr', () => undefined)(restore);
    expect(calls).toEqual([`${BACKUP} r-1`]);
  });

  it('is best effort: an unpin that fails is logged, and the restore goes on', async () => {
    const warnings: string[] = [];
    const catalog = { unpinBackup: () => Promise.reject(Object.assign(new Error('User is not authorized to perform: dynamodb:UpdateItem'), { name: 'AccessDeniedException' })), releaseTarget: () => Promise.resolve(false) };
    await expect(releaseRestorePin(catalog, 'primary', (m) => warnings.push(m))(restore)).resolves.toBeUndefined();
    expect(warnings).toEqual([
      `Could not remove the pin of restore r-1 from backup ${BACKUP} (AccessDeniedException: User is not authorized to perform: dynamodb:UpdateItem); retention keeps the backup until the pin's time has passed.`,
    ]);
  });
});
