import { type BackupRecord, type BackupSourceRecord, sumBackupTotals } from '../../../../lambdas/catalog/backup-record';
import { backupSnapshotTags, type BackupRunTags, type SourceObservationTags } from '../../../../lambdas/catalog/backup-snapshot-tags';
import { type CatalogRebuildMarker, type RebuildMarker } from '../../../../lambdas/catalog/catalog-rebuild-marker';
import { catalogRebuildMemoryFor, catalogRebuildSnapshotLimit } from '../../../../lambdas/catalog/catalog-rebuild-memory';
import { SCAN_READS, scanTimeCheck, type ScanTimeProjection } from '../../../../lambdas/catalog/catalog-rebuild-scan-time';
import { CatalogRebuildTooManySnapshotsError } from '../../../../lambdas/catalog/catalog-rebuild-too-many-snapshots-error';
import { HELD_BY_OBJECT_LOCK, HOLD_NOT_REBUILT, LegalHoldUnreadError, rebuildCatalog, type CatalogRebuildDeps, type RebuildCatalog } from '../../../../lambdas/catalog/catalog-rebuild';
import { replicateBackup } from '../../../../lambdas/replication/replicate-backup';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { verifyVault } from '../../../../vault/checker/verify';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { initVault, openVault, type Vault } from '../../../../vault/repository/vault';
import { SMALL_TUNING } from '../../../support/vault-test-helpers';

/**
 * The catalog rebuilt from a vault's snapshots: over an in-memory vault whose snapshots carry the
 * tags the backup workflow's commit writes (backupSnapshotTags), and an in-memory catalog. The
 * workflow end to end (real commit, real table, a point-in-time restore after the rebuild) is in
 * test/e2e/workflows/backup-workflow.test.ts.
 */

/** The catalog in memory, with the semantics of BackupCatalog's conditional writes. */
class MemoryCatalog implements RebuildCatalog {
  readonly records = new Map<string, BackupRecord>();
  readonly index = new Map<string, Record<string, unknown>>();
  /** The rebuild's marker (catalog-rebuild-marker.ts) as it stands, and each write of it with the records there at the time. */
  marker: RebuildMarker | undefined;
  readonly markerWrites: { reliableFrom: RebuildMarker['reliableFrom']; records: number }[] = [];

  rebuildMarker(): Pick<CatalogRebuildMarker, 'write' | 'remove'> {
    return {
      write: async (marker) => {
        this.marker = structuredClone(marker);
        this.markerWrites.push({ reliableFrom: marker.reliableFrom, records: this.records.size });
      },
      remove: async () => {
        this.marker = undefined;
      },
    };
  }

  async getBackup(backupId: string): Promise<BackupRecord | undefined> {
    const r = this.records.get(backupId);
    return r ? structuredClone(r) : undefined;
  }
  async putRebuiltBackup(record: BackupRecord): Promise<boolean> {
    if (this.records.has(record.backupId)) return false;
    this.records.set(record.backupId, structuredClone(record));
    return true;
  }
  async indexCommittedBackup(record: BackupRecord): Promise<void> {
    for (const source of record.sourceNames) {
      this.index.set(`SOURCE#${source} BACKUP#${record.startedAt}#${record.backupId}`, { backupId: record.backupId, strategy: record.strategy, endedAt: record.endedAt });
    }
  }
  async markCopied(backupId: string): Promise<boolean> {
    const r = this.records.get(backupId);
    if (r?.status !== 'COMMITTED' || !r.copies) return false;
    r.copies.dr = 'COMMITTED';
    return true;
  }
  async listBackupsOfPlan(plan: string): Promise<BackupRecord[]> {
    return [...this.records.values()].filter((r) => r.plan === plan).map((r) => structuredClone(r));
  }
  state(): unknown {
    return structuredClone({ records: [...this.records.entries()].sort(), index: [...this.index.entries()].sort() });
  }
}

/**
 * A memory store answering GetObjectLegalHold as S3 does (the S3 store's legalHold): null for a bucket without Object
 * Lock, else whether the object's legal hold is ON.
 */
class LockableMemoryStore extends MemoryVaultStore {
  objectLock = false;
  readonly held = new Set<string>();
  legalHoldReads = 0;
  denied = false;
  outage = false;
  skewed = false;
  /** Snapshot-object GETs in flight at once, at most; `beforeSnapshotGet` holds each one (a GET's latency). */
  maxSnapshotGets = 0;
  private snapshotGets = 0;
  beforeSnapshotGet: (() => Promise<void>) | undefined;
  override async get(key: string, range?: Parameters<MemoryVaultStore['get']>[1]): Promise<Buffer> {
    if (!key.startsWith('snapshots/') || !this.beforeSnapshotGet) return super.get(key, range);
    this.maxSnapshotGets = Math.max(this.maxSnapshotGets, ++this.snapshotGets);
    try {
      await this.beforeSnapshotGet();
      return await super.get(key, range);
    } finally {
      this.snapshotGets--;
    }
  }
  async legalHold(key: string): Promise<boolean | null> {
    this.legalHoldReads++;
    // As the SDK gives them: a 403 names the refusal, a 503 an outage.
    if (this.denied) throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    if (this.skewed) throw Object.assign(new Error('The difference between the request time and the current time is too large.'), { name: 'RequestTimeTooSkewed', $metadata: { httpStatusCode: 403 } });
    if (this.outage) throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    return this.objectLock ? this.held.has(key) : null;
  }
}

type RunSource = { name: string; kind?: 's3' | 'dynamodb' | 'filesystem'; parent?: Snapshot; observations?: SourceObservationTags; content?: string };

let vault: Vault;
let store: LockableMemoryStore;
let catalog: MemoryCatalog;
let inDr: Set<string>;

beforeEach(async () => {
  store = new LockableMemoryStore();
  vault = await initVault(store, new PassphraseKeyProvider('unit', { N: 1024, r: 8, p: 1 }), SMALL_TUNING);
  catalog = new MemoryCatalog();
  inDr = new Set();
});

function deps(overrides: Partial<CatalogRebuildDeps> = {}): CatalogRebuildDeps {
  return { vault, side: 'primary', catalog, environment: 'prod', plans: ['orders'], drHolds: async (id) => inDr.has(id), ...overrides };
}

function run(backupId: string, overrides: Partial<BackupRunTags> = {}): BackupRunTags {
  return {
    backupId,
    plan: 'orders',
    environment: 'prod',
    strategy: 'full',
    requestedStrategy: 'full',
    startedAt: '2026-03-01T10:00:00.000Z',
    trigger: 'schedule',
    shardCount: 3,
    sourceNames: ['orders-bucket', 'orders-table'],
    ...overrides,
  };
}

const NO_OBSERVATIONS = { changedDuringRead: 0, vanished: 0, skipped: 0 };

/**
 * Commits one snapshot per source as commit-backup does (plan order, tags of the run, parent by
 * strategy) and returns the record commit-backup writes for it (copies.dr COMMITTED: replicated).
 * `tagsOf` replaces the tags, to write snapshots of an older or unknown shape.
 */
async function commitRun(tags: BackupRunTags, sources: RunSource[], tagsOf = backupSnapshotTags): Promise<{ record: BackupRecord; snapshots: Snapshot[] }> {
  const snapshots: Snapshot[] = [];
  const records: BackupSourceRecord[] = [];
  for (const source of sources) {
    const writer = await vault.newSnapshotWriter({ parent: null, inline: true });
    await writer.add({ path: 'item', kind: 'object', meta: {}, content: Buffer.from(source.content ?? `${tags.backupId} ${source.name}`) });
    const observations = source.observations ?? NO_OBSERVATIONS;
    const snapshot = await vault.commitSnapshot({
      source: { kind: source.kind ?? (source.name.endsWith('table') ? 'dynamodb' : 's3'), id: source.name },
      parts: [await writer.finish()],
      parent: source.parent?.id ?? null,
      tags: tagsOf(tags, observations),
      startedAt: new Date(tags.startedAt),
    });
    snapshots.push(snapshot);
    // A commit writes each source's snapshot after the S3 PUT of the one before, never in the same
    // millisecond; this vault can (CI saw it), and the rebuild orders snapshots without the full tags by
    // their time — plan order — with ties broken by id, which would put the sources in a random order.
    while (new Date().toISOString() <= snapshot.time) await new Promise((resolve) => setTimeout(resolve, 1));
    records.push({
      name: source.name,
      type: source.kind ?? (source.name.endsWith('table') ? 'dynamodb' : 's3'),
      snapshotId: snapshot.id,
      rootHash: snapshot.manifest,
      ...snapshot.stats,
      ...(source.parent ? { parentSnapshotId: source.parent.id } : {}),
      ...observations,
    } as BackupSourceRecord);
  }
  for (const r of records) delete (r as Partial<{ durationMs: number }>).durationMs;
  const record: BackupRecord = {
    backupId: tags.backupId,
    plan: tags.plan,
    environment: tags.environment,
    sourceNames: [...tags.sourceNames],
    sources: records,
    strategy: tags.strategy,
    ...(tags.requestedStrategy !== tags.strategy ? { requestedStrategy: tags.requestedStrategy } : {}),
    ...(tags.parentBackupId ? { parentBackupId: tags.parentBackupId } : {}),
    ...(tags.baseBackupId ? { baseBackupId: tags.baseBackupId } : {}),
    status: 'COMMITTED',
    startedAt: tags.startedAt,
    endedAt: snapshots.map((s) => s.time).reduce((a, b) => (a > b ? a : b)),
    ...(tags.trigger !== undefined ? { trigger: tags.trigger } : {}),
    shardCount: tags.shardCount,
    totals: sumBackupTotals(records),
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
  };
  return { record, snapshots };
}

/** A chain: a full backup (asked for as incremental, nothing to build on), an incremental on it, a differential on the full one. */
async function commitChain(): Promise<BackupRecord[]> {
  const full = await commitRun(run('20260301T100000Z-00000001', { requestedStrategy: 'incremental' }), [
    { name: 'orders-bucket', observations: { changedDuringRead: 1, vanished: 2, skipped: 0 } },
    { name: 'orders-table' },
  ]);
  const [bucket, table] = full.snapshots;
  const incremental = await commitRun(
    run('20260302T100000Z-00000002', { strategy: 'incremental', requestedStrategy: 'incremental', parentBackupId: full.record.backupId, baseBackupId: full.record.backupId, startedAt: '2026-03-02T10:00:00.000Z' }),
    [
      { name: 'orders-bucket', parent: bucket },
      { name: 'orders-table', parent: table },
    ],
  );
  const differential = await commitRun(
    run('20260303T100000Z-00000003', { strategy: 'differential', requestedStrategy: 'differential', parentBackupId: full.record.backupId, baseBackupId: full.record.backupId, startedAt: '2026-03-03T10:00:00.000Z' }),
    [
      { name: 'orders-bucket', parent: bucket },
      { name: 'orders-table', parent: table },
    ],
  );
  return [full.record, incremental.record, differential.record];
}

it('rebuilds every committed backup field for field, with its index items, from an empty catalog', async () => {
  const originals = await commitChain();
  for (const r of originals.slice(0, 2)) for (const s of r.sources) inDr.add(s.snapshotId);

  const report = await rebuildCatalog(deps());

  // PENDING, held in the DR vault or not: what each record said until replication vouched for its copy (the next pass does).
  // Each says a rebuild created it, without its hold (review rL R1).
  const expected = originals.map((r) => ({ ...r, copies: { primary: 'COMMITTED' as const, dr: 'PENDING' as const }, rebuilt: { at: expect.any(String) as string, holdRebuilt: false } }));
  for (const original of expected) expect(catalog.records.get(original.backupId)).toEqual(original);
  // Field for field but the legal hold, which no vault records (audit c5-3).
  expect(report.backups.map((b) => [b.backupId, b.outcome, b.derived, b.unrecovered])).toEqual(originals.map((r) => [r.backupId, 'created', undefined, [HOLD_NOT_REBUILT]]));
  expect(report).toMatchObject({ vault: 'primary', snapshots: 6, untaggedSnapshots: 0, unreadableSnapshots: [], drCopies: 'checked-in-dr-vault', missingFromVault: [] });
  // One index item per source of each backup, under the original start time (point-in-time reads sort by it).
  expect([...catalog.index.keys()].sort()).toEqual(
    originals.flatMap((r) => r.sourceNames.map((s) => `SOURCE#${s} BACKUP#${r.startedAt}#${r.backupId}`)).sort(),
  );
});

it('changes nothing on a second run', async () => {
  await commitChain();
  await rebuildCatalog(deps());
  const before = catalog.state();
  const again = await rebuildCatalog(deps());
  expect(catalog.state()).toEqual(before);
  expect(again.backups.map((b) => b.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
});

it('keeps the records a partially present catalog holds, DR copy status included, adds the missing ones and reports records whose snapshot the vault lacks', async () => {
  const [full, incremental, differential] = await commitChain();
  if (!full || !incremental || !differential) throw new Error('three backups');
  for (const r of [full, incremental]) for (const s of r.sources) inDr.add(s.snapshotId);
  // The workflow's own records: the full one's DR copy had FAILED (caught up since), the incremental
  // one says a trigger its tags do not (hand-edited: the catalog's record wins), and a run that
  // failed after writing its snapshots is FAILED. A fourth backup is in the catalog only.
  catalog.records.set(full.backupId, { ...full, copies: { primary: 'COMMITTED', dr: 'FAILED' } });
  catalog.records.set(incremental.backupId, { ...incremental, trigger: 'console' });
  catalog.records.set(differential.backupId, { ...differential, status: 'FAILED', sources: [], error: 'States.Timeout' });
  const lost = { ...full, backupId: '20260304T100000Z-00000004', startedAt: '2026-03-04T10:00:00.000Z', sources: full.sources.map((s) => ({ ...s, snapshotId: 'f'.repeat(64) })) };
  catalog.records.set(lost.backupId, lost);
  // One that retention forgot: its snapshots are gone from the vault on purpose, which is not missing.
  const forgotten = { ...lost, backupId: '20260305T100000Z-00000005', startedAt: '2026-03-05T10:00:00.000Z', forgottenAt: '2026-03-20T10:00:00.000Z', sources: full.sources.map((s) => ({ ...s, snapshotId: 'e'.repeat(64) })) };
  catalog.records.set(forgotten.backupId, forgotten);

  const report = await rebuildCatalog(deps());

  expect(report.backups).toEqual([
    // The DR vault holds its snapshots, but only replication vouches for a copy: FAILED stays until its next pass.
    { backupId: full.backupId, plan: 'orders', outcome: 'unchanged' },
    { backupId: incremental.backupId, plan: 'orders', outcome: 'unchanged' },
    { backupId: differential.backupId, plan: 'orders', outcome: 'kept', note: expect.stringContaining('the catalog has it FAILED') },
  ]);
  expect(catalog.records.get(full.backupId)).toEqual({ ...full, copies: { primary: 'COMMITTED', dr: 'FAILED' } });
  expect(catalog.records.get(incremental.backupId)?.trigger).toBe('console');
  expect(catalog.records.get(differential.backupId)?.status).toBe('FAILED');
  expect(catalog.records.get(lost.backupId)).toEqual(lost);
  expect(report.missingFromVault).toEqual([{ backupId: lost.backupId, plan: 'orders', sources: lost.sources.map((s) => ({ source: s.name, snapshotId: s.snapshotId })) }]);
  // Index items of the kept COMMITTED records are there again; none for the FAILED one.
  expect([...catalog.index.values()].map((i) => i['backupId'])).not.toContain(differential.backupId);
  expect([...catalog.index.keys()].filter((k) => k.endsWith(full.backupId))).toHaveLength(2);
});

it('never downgrades a DR copy the DR vault cannot show, and from the DR vault records both copies', async () => {
  const [full] = await commitChain();
  if (!full) throw new Error('a backup');
  catalog.records.set(full.backupId, full);
  const fromPrimary = await rebuildCatalog(deps());
  expect(fromPrimary.backups[0]).toMatchObject({ backupId: full.backupId, outcome: 'unchanged' });
  expect(catalog.records.get(full.backupId)?.copies).toEqual({ primary: 'COMMITTED', dr: 'COMMITTED' });

  catalog.records.clear();
  const fromDr = await rebuildCatalog(deps({ side: 'dr', drHolds: null }));
  expect(fromDr.drCopies).toBe('this-vault-is-dr');
  expect([...catalog.records.values()].map((r) => r.copies)).toEqual([0, 1, 2].map(() => ({ primary: 'COMMITTED', dr: 'COMMITTED' })));

  // Without access to the DR vault, the copy status is left out and said to be unknown.
  catalog.records.clear();
  const unknown = await rebuildCatalog(deps({ drHolds: null }));
  expect(unknown.drCopies).toBe('unknown');
  expect(catalog.records.get(full.backupId)?.copies).toEqual({ primary: 'COMMITTED' });
  expect(unknown.backups[0]?.unrecovered).toEqual(['copies.dr (the DR vault could not be checked)', HOLD_NOT_REBUILT]);
});

it('from the primary vault, a backup the DR vault merely holds is rebuilt PENDING, so the next Replicate step checks it, copies back what it lacks and records it copied', async () => {
  const [full] = await commitChain();
  if (!full) throw new Error('a backup');
  const dr = new MemoryVaultStore('dr');
  const drKeys = new PassphraseKeyProvider('dr', { N: 1024, r: 8, p: 1 });
  catalog.records.set(full.backupId, { ...full, copies: { primary: 'COMMITTED', dr: 'PENDING' } });
  expect(await replicateBackup({ backupId: full.backupId }, { source: vault, target: dr, targetKeys: drKeys, catalog })).toMatchObject({ complete: true });
  // A pass that copied the snapshots while a DR prune swept (or a deleted object): the DR vault holds the snapshots
  // but lacks what they reference. Then the catalog is lost.
  for await (const key of dr.list('manifest/')) await dr.delete(key);
  catalog.records.clear();
  const drSnapshots = new Set<string>();
  for await (const key of dr.list('snapshots/')) drSnapshots.add(key.slice('snapshots/'.length));

  await rebuildCatalog(deps({ drHolds: async (id) => drSnapshots.has(id) }));
  expect([...catalog.records.values()].map((r) => r.copies?.dr)).toEqual(['PENDING', 'PENDING', 'PENDING']);
  expect((await verifyVault(await openVault(dr, drKeys), { readData: false })).problems).not.toEqual([]);

  // The plan's next Replicate step names them, finds them held, checks what they need and records them copied.
  const newest = [...catalog.records.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0] as BackupRecord;
  expect(await replicateBackup({ backupId: newest.backupId }, { source: vault, target: dr, targetKeys: drKeys, catalog })).toMatchObject({ complete: true, backupsCopied: 3 });
  expect((await verifyVault(await openVault(dr, drKeys), { readData: true })).problems).toEqual([]);
  expect([...catalog.records.values()].map((r) => r.copies?.dr)).toEqual(['COMMITTED', 'COMMITTED', 'COMMITTED']);
});

it('does not record a backup whose snapshot of one of its sources is missing, naming the source', async () => {
  const { record } = await commitRun(run('20260301T100000Z-0000000a'), [{ name: 'orders-bucket' }]);
  const report = await rebuildCatalog(deps());
  expect(report.backups).toEqual([{ backupId: record.backupId, plan: 'orders', outcome: 'skipped', note: expect.stringContaining('incomplete: no snapshot of orders-table in the primary vault') }]);
  expect(catalog.records.size).toBe(0);
  expect(catalog.index.size).toBe(0);
});

it('rebuilds snapshots written before the full tags (backupId, plan, strategy only), saying what it derived and what it could not recover', async () => {
  const oldTags = (r: BackupRunTags): string[] => [`backupId:${r.backupId}`, `plan:${r.plan}`, `strategy:${r.strategy}`];
  const full = await commitRun(run('20260301T100000Z-000000b1'), [{ name: 'orders-bucket' }, { name: 'orders-table' }], oldTags);
  const [bucket, table] = full.snapshots;
  const inc1 = await commitRun(
    run('20260302T100000Z-000000b2', { strategy: 'incremental', requestedStrategy: 'incremental', parentBackupId: full.record.backupId, baseBackupId: full.record.backupId, startedAt: '2026-03-02T10:00:00.000Z' }),
    [
      { name: 'orders-bucket', parent: bucket },
      { name: 'orders-table', parent: table },
    ],
    oldTags,
  );
  const [bucket2, table2] = inc1.snapshots;
  const inc2 = await commitRun(
    run('20260303T100000Z-000000b3', { strategy: 'incremental', requestedStrategy: 'incremental', parentBackupId: inc1.record.backupId, baseBackupId: full.record.backupId, startedAt: '2026-03-03T10:00:00.000Z' }),
    [
      { name: 'orders-bucket', parent: bucket2 },
      { name: 'orders-table', parent: table2 },
    ],
    oldTags,
  );

  const report = await rebuildCatalog(deps({ environment: 'prod', drHolds: async () => true }));

  for (const original of [full.record, inc1.record, inc2.record]) {
    const rebuilt = catalog.records.get(original.backupId);
    // Recovered exactly: identity, plan, strategy, parents, snapshots, counters, totals, copies.
    const exact: Partial<BackupRecord> = { ...structuredClone(original), copies: { primary: 'COMMITTED', dr: 'PENDING' } };
    for (const field of ['startedAt', 'endedAt', 'trigger', 'shardCount'] as const) delete exact[field];
    for (const source of exact.sources ?? []) for (const counter of ['changedDuringRead', 'vanished', 'skipped'] as const) delete source[counter];
    expect(rebuilt).toMatchObject(exact);
    // Derived: the start from each snapshot's time minus its duration (two clock reads apart).
    expect(Math.abs(Date.parse(rebuilt?.startedAt ?? '') - Date.parse(original.startedAt))).toBeLessThan(1000);
    expect(rebuilt?.endedAt).toBe(original.endedAt);
    // Not in the vault: left out, or a stand-in.
    expect(rebuilt?.trigger).toBeUndefined();
    expect(rebuilt?.shardCount).toBe(0);
    expect(rebuilt?.sources.every((s) => s.changedDuringRead === undefined)).toBe(true);
  }
  const inc2Report = report.backups.find((b) => b.backupId === inc2.record.backupId);
  expect(inc2Report?.outcome).toBe('created');
  expect(inc2Report?.derived).toEqual(expect.arrayContaining([expect.stringMatching(/^startedAt/), expect.stringMatching(/^parentBackupId \(from/), expect.stringMatching(/^baseBackupId/), expect.stringMatching(/^sourceNames/)]));
  expect(inc2Report?.unrecovered).toEqual(expect.arrayContaining(['trigger', 'shardCount (recorded as 0)', expect.stringMatching(/^requestedStrategy/), expect.stringMatching(/^sources\[\]\.changedDuringRead/)]));
});

it('ignores snapshots not written by the workflow and skips, with the reason, tags or sources it does not know', async () => {
  await commitRun(run('x'), [{ name: '/home/me' }], () => ['nightly']);
  const badStrategy = await commitRun(run('20260301T100000Z-000000c1'), [{ name: 'orders-bucket' }, { name: 'orders-table' }], (r, o) =>
    backupSnapshotTags(r, o).map((t) => (t.startsWith('strategy:') ? 'strategy:hourly' : t)),
  );
  const directory = await commitRun(run('20260301T100000Z-000000c2', { sourceNames: ['home'] }), [{ name: 'home', kind: 'directory' as 'filesystem' }]);

  const report = await rebuildCatalog(deps());

  expect(report.untaggedSnapshots).toBe(1);
  expect(report.backups).toEqual([
    { backupId: badStrategy.record.backupId, outcome: 'skipped', note: expect.stringMatching(/tags this version cannot read \(tag strategy: .*\); upgrade Lifeboat/) },
    { backupId: directory.record.backupId, plan: 'orders', outcome: 'skipped', note: expect.stringContaining('source kind "directory"') },
  ]);
  expect(catalog.records.size).toBe(0);
});

// Review 42a F3: the commit keeps a few reason lines of what was not backed up whole; the tags keep only the count.
it('rebuilds a backup that skipped entries with its count, and says the reason lines are not recovered', async () => {
  const { record } = await commitRun(run('20260310T100000Z-00000010'), [{ name: 'orders-bucket', observations: { changedDuringRead: 0, vanished: 0, skipped: 2 } }, { name: 'orders-table' }]);
  const report = await rebuildCatalog(deps());
  const rebuilt = catalog.records.get(record.backupId);
  expect(rebuilt?.sources.find((s) => s.name === 'orders-bucket')?.skipped).toBe(2);
  expect(report.backups.find((b) => b.backupId === record.backupId)?.unrecovered).toEqual(['sources[].skippedExamples (the snapshot tags keep only the count)', HOLD_NOT_REBUILT]);
});

// Audit c5-3: a rebuilt record had no hold, and the report said `created` with nothing unrecovered, so a lost catalog
// silently released every legal hold and retention could forget a held backup.
it('says a legal hold is not rebuilt: hold unrecovered on every created record, and one warning naming the other region\'s catalog', async () => {
  const [full] = await commitChain();
  if (!full) throw new Error('a backup');
  catalog.records.set(full.backupId, { ...full, hold: { reason: 'case 42', by: 'legal', at: '2026-03-06T00:00:00.000Z' } });
  const report = await rebuildCatalog(deps());
  expect(report.backups.map((b) => [b.outcome, b.unrecovered])).toEqual([
    ['unchanged', undefined],
    ['created', [HOLD_NOT_REBUILT]],
    ['created', [HOLD_NOT_REBUILT]],
  ]);
  expect(catalog.records.get(full.backupId)?.hold?.reason).toBe('case 42');
  expect(report.warnings).toEqual([expect.stringMatching(/^legal holds are not rebuilt: .* none of the 2 record\(s\) created here is held, .* the hold the other region's catalog, the one this rebuild did not write, keeps, /)]);
  // f65I: the hold line pasted as printed must not redirect (`<…>` unquoted) nor store "…" as the reason.
  // r65Q F2: no --reason, which would replace the other catalog's real one: the keep form takes that catalog's.
  expect(report.warnings?.[0]).toContain("`lifeboat backups hold '<backup id>'`: without --reason it sets again the hold the other region's catalog");
  expect(report.warnings?.[0]).not.toMatch(/hold <backupId>|--reason …/);

  catalog.records.clear();
  // The DR vault read into either catalog (`--vault dr` writes the primary one by default): the warning names no region it cannot know (review r15).
  const fromDr = (await rebuildCatalog(deps({ side: 'dr', drHolds: null }))).warnings;
  expect(fromDr).toEqual([expect.stringContaining("the other region's catalog, the one this rebuild did not write, keeps")]);
  expect(fromDr?.join('')).not.toMatch(/primary region's catalog|DR region's catalog/);
  // Nothing created, but the records an earlier rebuild created still lack their holds: it warns again of them, and
  // counts them as created (review rL R2: the machine run that finished a failed runbook warned of nothing).
  const again = await rebuildCatalog(deps({ side: 'dr', drHolds: null }));
  expect(again.backups.map((b) => [b.outcome, b.rebuiltEarlier, b.unrecovered])).toEqual([
    ['unchanged', true, [HOLD_NOT_REBUILT]],
    ['unchanged', true, [HOLD_NOT_REBUILT]],
    ['unchanged', true, [HOLD_NOT_REBUILT]],
  ]);
  expect(again.warnings).toEqual([expect.stringMatching(/^legal holds are not rebuilt: .* none of the 3 record\(s\) created here is held/)]);
  // Held again by an operator (or released): nothing left to say.
  for (const r of catalog.records.values()) r.hold = { reason: 'case 42', by: 'legal', at: '2026-12-07T00:00:00.000Z' };
  expect((await rebuildCatalog(deps({ side: 'dr', drHolds: null }))).warnings).toBeUndefined();
});

// Audit follow-up of c5-3: on a vault with Object Lock, `backups hold` also sets the S3 legal hold on the backup's
// snapshot objects, yet the rebuild said every hold was lost and created the held backup unheld.
it('on a vault with Object Lock, holds a created record whose snapshot objects have an S3 legal hold ON, and says how many holds it recovered', async () => {
  const chain = await commitChain();
  const [full, incremental] = chain;
  if (!full || !incremental) throw new Error('two backups');
  catalog.records.clear();
  store.objectLock = true;
  // One of the snapshot objects is enough: a hold interrupted midway still held the backup.
  store.held.add(`snapshots/${full.sources[1]?.snapshotId ?? ''}`);
  const report = await rebuildCatalog(deps({ now: () => new Date('2026-12-06T12:00:00.000Z') }));
  expect(catalog.records.get(full.backupId)?.hold).toEqual({ ...HELD_BY_OBJECT_LOCK, at: '2026-12-06T12:00:00.000Z' });
  expect(catalog.records.get(incremental.backupId)?.hold).toBeUndefined();
  expect(report.backups.map((b) => [b.backupId, b.unrecovered])).toEqual([
    [full.backupId, undefined],
    [incremental.backupId, [HOLD_NOT_REBUILT]],
    [expect.any(String), [HOLD_NOT_REBUILT]],
  ]);
  expect(report.warnings).toEqual([expect.stringMatching(/^1 legal hold\(s\) recovered from Object Lock: .* legal holds are not rebuilt: .* none of the 2 other record\(s\) created here is held/)]);
  // One GetObjectLegalHold per snapshot object of each created record.
  expect(store.legalHoldReads).toBe(6);

  // Every created record held: the warning says so alone.
  catalog.records.clear();
  for (const r of chain) for (const s of r.sources) store.held.add(`snapshots/${s.snapshotId}`);
  const all = await rebuildCatalog(deps());
  expect([...catalog.records.values()].map((r) => r.hold?.by)).toEqual(['catalog rebuild', 'catalog rebuild', 'catalog rebuild']);
  expect(all.warnings).toEqual([expect.stringMatching(/^3 legal hold\(s\) recovered from Object Lock: .*the original reason is not in the vault.*the other region's catalog, the one this rebuild did not write, may keep the original reason\.$/)]);

  // A bucket without Object Lock answers once, and nothing changes.
  catalog.records.clear();
  store.objectLock = false;
  store.legalHoldReads = 0;
  const plain = await rebuildCatalog(deps());
  expect([...catalog.records.values()].some((r) => r.hold)).toBe(false);
  expect(plain.warnings).toEqual([expect.stringMatching(/^legal holds are not rebuilt: .* none of the 3 record\(s\) created here is held/)]);
  expect(store.legalHoldReads).toBe(2);

  // Credentials without s3:GetObjectLegalHold (an operator's; or a DR vault of another account whose policy does not
  // allow it: audit g7-1) do not stop a rebuild, often run in a disaster: the records come without holds and a warning
  // names the permission, the vault, and both places that must allow it.
  catalog.records.clear();
  store.objectLock = true;
  store.denied = true;
  const denied = await rebuildCatalog(deps());
  expect([...catalog.records.values()].some((r) => r.hold)).toBe(false);
  expect(denied.backups.every((b) => b.outcome === 'created' && b.unrecovered?.includes(HOLD_NOT_REBUILT))).toBe(true);
  expect(denied.warnings).toEqual([
    expect.stringMatching(/^legal holds are not rebuilt: /),
    expect.stringMatching(/^the S3 legal holds of the snapshot objects in memory:\/\/\S+ could not be read \(Access Denied\), so no hold was recovered from Object Lock: s3:GetObjectLegalHold on its snapshots\/\* must be allowed to the credentials that rebuild by their IAM policy and, for a vault in another account \(a DR vault with drAccount\), by that bucket's policy too/),
  ]);

  // Any other failure (an outage) is not guessed either: the rebuild stops, and running it again is safe.
  catalog.records.clear();
  store.denied = false;
  store.outage = true;
  await expect(rebuildCatalog(deps())).rejects.toThrow(LegalHoldUnreadError);
  await expect(rebuildCatalog(deps())).rejects.toThrow(/could not be read \(Service Unavailable\).*run the rebuild again/);

  // A 403 that is no want of the permission (the clock: RequestTimeTooSkewed) refuses every read alike: the rebuild
  // neither writes every record unheld nor sends the operator to IAM, but stops and says to set the clock (review r65M F4).
  catalog.records.clear();
  store.outage = false;
  store.skewed = true;
  await expect(rebuildCatalog(deps())).rejects.toThrow(LegalHoldUnreadError);
  await expect(rebuildCatalog(deps())).rejects.toThrow(
    /could not be read \(The difference between the request time and the current time is too large\.\).*\(RequestTimeTooSkewed\): the clock of the machine the rebuild ran on is more than 15 minutes off S3's; set it right \(NTP\), then run the rebuild again \(the records it wrote stay\)/,
  );
  expect([...catalog.records.values()].some((r) => r.hold === undefined && r.rebuilt?.holdRebuilt === false)).toBe(false);
});

/** The memory catalog counting its requests (one per index item, as DynamoDB takes them): the clock of a deadline test. */
class CountingCatalog extends MemoryCatalog {
  requests = 0;
  readonly indexedBackups: string[] = [];
  override async getBackup(backupId: string): Promise<BackupRecord | undefined> {
    this.requests++;
    return super.getBackup(backupId);
  }
  override async putRebuiltBackup(record: BackupRecord): Promise<boolean> {
    this.requests++;
    return super.putRebuiltBackup(record);
  }
  override async indexCommittedBackup(record: BackupRecord): Promise<void> {
    this.requests += record.sourceNames.length;
    this.indexedBackups.push(record.backupId);
    return super.indexCommittedBackup(record);
  }
  override async listBackupsOfPlan(plan: string): Promise<BackupRecord[]> {
    this.requests++;
    return super.listBackupsOfPlan(plan);
  }
}

it('cut by its deadline, writes the newest backups and not the oldest, says what is left, and a second round completes without writing them again', async () => {
  const [oldest, middle, newest] = await commitChain();
  if (!oldest || !middle || !newest) throw new Error('a chain of three');
  const counting = new CountingCatalog();
  // The clock is the count of catalog requests: the listing (1), then 3 a backup (its put, 2 index items); started before 5.
  const clock = () => new Date(counting.requests);
  const first = await rebuildCatalog(deps({ catalog: counting, now: clock, deadline: 5 }));
  expect([...counting.records.keys()].sort()).toEqual([middle.backupId, newest.backupId]);
  expect(first.backups.map((b) => [b.backupId, b.outcome])).toEqual([
    [middle.backupId, 'created'],
    [newest.backupId, 'created'],
  ]);
  expect(first.progress).toEqual({ complete: false, left: 1, resumeBelow: { startedAt: middle.startedAt, backupId: middle.backupId } });
  // The marker (review rH F2): put before the first record, at the newest backup; moved to where the round stopped.
  expect(counting.markerWrites).toEqual([
    { reliableFrom: { startedAt: newest.startedAt, backupId: newest.backupId }, records: 0 },
    { reliableFrom: { startedAt: middle.startedAt, backupId: middle.backupId }, records: 2 },
  ]);
  expect(counting.marker).toMatchObject({ reliableFrom: { startedAt: middle.startedAt, backupId: middle.backupId }, vault: 'primary' });

  // The next round, below where the first stopped: the listing, then the oldest's put and index items, and nothing else.
  const before = counting.requests;
  counting.indexedBackups.length = 0;
  const second = await rebuildCatalog(deps({ catalog: counting, now: clock, deadline: Number.MAX_SAFE_INTEGER, ...(first.progress.complete ? {} : { doneAbove: first.progress.resumeBelow }) }));
  expect(counting.requests - before).toBe(1 + 3);
  expect(counting.indexedBackups).toEqual([oldest.backupId]);
  expect(second.progress).toEqual({ complete: true });
  expect(second.backups.map((b) => [b.backupId, b.outcome])).toEqual([
    [oldest.backupId, 'created'],
    [middle.backupId, 'unchanged'],
    [newest.backupId, 'unchanged'],
  ]);
  for (const original of [oldest, middle, newest]) expect(counting.records.get(original.backupId)).toEqual({ ...original, copies: { primary: 'COMMITTED', dr: 'PENDING' }, rebuilt: { at: expect.any(String), holdRebuilt: false } });
  expect(counting.index.size).toBe(6);
  // Complete: the marker is gone, and nothing refuses a point in time any more.
  expect(counting.marker).toBeUndefined();
});

// Review r57Q F3: the CLI's finish command ends with its own target options (--config of one machine's path, --data-dir), and
// the marker stored it in the shared catalog, whose refused restores by point in time print it to every operator.
it('cut, stores in its marker the command every operator can run, not the finishing command of the machine that ran it', async () => {
  await commitChain();
  const counting = new CountingCatalog();
  const shared = 'lifeboat catalog rebuild --vault primary --env prod --aws';
  await rebuildCatalog(deps({ catalog: counting, now: () => new Date(counting.requests), deadline: 2, finishWith: `${shared.replace(' --aws', '')} --config /home/alice/lifeboat.json --aws`, markerFinishWith: shared }));
  expect(counting.marker?.finishWith).toBe(shared);
  // The function gives one command, its own, for both.
  const byFunction = new CountingCatalog();
  await rebuildCatalog(deps({ catalog: byFunction, now: () => new Date(byFunction.requests), deadline: 2, finishWith: shared }));
  expect(byFunction.marker?.finishWith).toBe(shared);
});

it('cut by its deadline over a catalog holding some older records (a restored or older table), counts as left only the records it lacks (review rH F4)', async () => {
  const [oldest, middle, newest] = await commitChain();
  if (!oldest || !middle || !newest) throw new Error('a chain of three');
  const counting = new CountingCatalog();
  await counting.putRebuiltBackup(oldest);
  counting.requests = 0;
  // The listing (1), then the newest's put and 2 index items; cut before the middle one.
  const report = await rebuildCatalog(deps({ catalog: counting, now: () => new Date(counting.requests), deadline: 2 }));
  expect(report.backups.map((b) => [b.backupId, b.outcome])).toEqual([[newest.backupId, 'created']]);
  expect(report.progress).toEqual({ complete: false, left: 1, resumeBelow: { startedAt: newest.startedAt, backupId: newest.backupId } });
});

// Review rH: a round read the vault's snapshot objects 8 at a time, so ~200,000 of them (~875 s at ~35 ms a GET) took a whole
// round, and every round, scanning the whole vault again, failed having written nothing.
it('reads the vault\'s snapshot objects 48 at a time, not 8', async () => {
  for (let i = 1; i <= 10; i++) {
    const backupId = `202603${String(i).padStart(2, '0')}T100000Z-000000${String(i).padStart(2, '0')}`;
    await commitRun(run(backupId, { startedAt: `2026-03-${String(i).padStart(2, '0')}T10:00:00.000Z`, sourceNames: ['orders-bucket'] }), [{ name: 'orders-bucket' }]);
  }
  store.beforeSnapshotGet = () => new Promise((resolve) => setImmediate(resolve));
  const report = await rebuildCatalog(deps());
  expect(report.snapshots).toBe(10);
  expect(store.maxSnapshotGets).toBe(10);
});

// Review rD F1: a scan stopped early at half the round's time threw before the marker was written, so restores by time
// silently chose an older record the table held. The scan runs to its end: a round it leaves no time still marks the newest.
it('with a deadline its scan took, writes nothing but the marker at the vault\'s newest backup, so restores by time refuse', async () => {
  const [oldest] = await commitChain();
  // A table restored from PITR holds the oldest: unmarked, a restore by time would choose it.
  if (oldest) await catalog.putRebuiltBackup(oldest);
  // The clock reads 9 s into a 10 s round once the vault is listed, and the deadline once the plans' records are.
  let now = 0;
  const list = store.list.bind(store);
  store.list = (prefix: string) => {
    if (prefix === 'snapshots/') now = 9000;
    return list(prefix);
  };
  const listBackupsOfPlan = catalog.listBackupsOfPlan.bind(catalog);
  catalog.listBackupsOfPlan = async (plan) => {
    now = 10_000;
    return listBackupsOfPlan(plan);
  };
  const report = await rebuildCatalog(deps({ now: () => new Date(now), deadline: 10_000 }));
  expect(report.progress).toEqual({ complete: false, left: 2 });
  expect(catalog.markerWrites).toEqual([{ reliableFrom: { startedAt: '2026-03-03T10:00:00.000Z', backupId: '20260303T100000Z-00000003' }, records: 1 }]);
});

// Review rD F3: the rebuild holds every snapshot (~3 KB each at its first write), so a vault past the function's memory
// killed it with no message. It is refused once listed, before any snapshot object is read.
it('refuses a vault with more snapshots than the function\'s memory holds, before reading any, naming the memory to give it', async () => {
  await commitChain();
  let reads = 0;
  store.beforeSnapshotGet = async () => {
    reads++;
  };
  // Lambda's smallest, 128 MB, holds none (three quarters of it is less than the runtime's 100 MiB); 1,024 MB hold ~228,000.
  const refused = rebuildCatalog(deps({ memoryMb: 128, finishWith: 'lifeboat catalog rebuild --vault primary --env prod --aws' }));
  await expect(refused).rejects.toBeInstanceOf(CatalogRebuildTooManySnapshotsError);
  await expect(refused).rejects.toMatchObject({
    listed: 6,
    bound: { why: 'memory', limit: 0, memoryMb: 128 },
    message: expect.stringMatching(
      /^memory: the vault holds 6 snapshot objects, more than the 0 a catalog-rebuild function of 128 MB holds .*"functionMemory": \{ "rebuild-catalog": 1024 \}.*every restore by point in time, the latest backup and failover are affected.*: lifeboat catalog rebuild --vault primary --env prod --aws$/,
    ),
  });
  expect(reads).toBe(0);
  expect(catalog.records.size).toBe(0);
  // With room for them, or with no memory size (the CLI's machine run), it rebuilds.
  expect((await rebuildCatalog(deps({ memoryMb: 1024 }))).progress).toEqual({ complete: true });
  expect((await rebuildCatalog(deps())).progress).toEqual({ complete: true });
});

// Review rK F3: at 2,048 MB the memory bound admits ~490,000 snapshots, whose scan at ~100 ms a GET (a vault read across
// regions) takes ~1,020 s: past Lambda's 900 s the function was killed mid-scan with no message and no marker. A scan still
// reading when the round has only its time to write left is refused then, whatever it projects (review rP F1: the hard stop).
it('with a deadline, stops a scan still reading when only the round\'s time to write is left, and finishes one that leaves it', async () => {
  await commitChain();
  // Every GET takes 6 s, all six in flight at once (48 are), on the rebuild's clock.
  let now = 0;
  store.beforeSnapshotGet = async () => {
    const started = now;
    await new Promise((resolve) => setImmediate(resolve));
    now = Math.max(now, started + 6_000);
  };
  // At its first read (6 s, past the 5 s probe) a round of 100 s has 94 left, less than the 120 s to write: five reads to come.
  const refused = rebuildCatalog(deps({ now: () => new Date(now), deadline: 100_000, finishWith: 'lifeboat catalog rebuild --vault primary --env prod --aws' }));
  await expect(refused).rejects.toBeInstanceOf(CatalogRebuildTooManySnapshotsError);
  await expect(refused).rejects.toMatchObject({
    listed: 6,
    bound: { why: 'time', read: 1, elapsedMs: 6_000, projectedMs: 36_000, leftToWriteMs: 64_000 },
    message: expect.stringMatching(
      /^time: the vault holds 6 snapshot objects, more than a catalog-rebuild round reads with time left to write: in 6 s it read 1, and at the rate of its latest reads reading all of them would take ~36 s and leave 64 s of the round to write in, less than the 120 s a round needs .*: this round stopped its scan and wrote nothing\. No Lambda setting makes the reads faster .*rebuild from a machine.*\. The catalog has none of the vault's backups written by this rebuild.*: lifeboat catalog rebuild --vault primary --env prod --aws$/,
    ),
  });
  expect(catalog.records.size).toBe(0);
  expect(catalog.markerWrites).toEqual([]);
  // The same reads in a round of 200 s end at 6 s: the scan goes on to its end and the round writes every backup.
  now = 0;
  expect((await rebuildCatalog(deps({ now: () => new Date(now), deadline: 200_000 }))).progress).toEqual({ complete: true });
  expect(catalog.records.size).toBe(3);
});

/**
 * Drives scanTimeCheck as the scan calls it: SCAN_READS GETs in flight in step, each wave ending `waveMs(first read of
 * the wave)` after the one before, the check after every read; the refusal, if any. A round's scan of ~780 s (the ~840 s
 * less the listing).
 */
function scanOf(listed: number, waveMs: (firstRead: number) => number, deadline = 780_000): ScanTimeProjection | undefined {
  let now = 0;
  const check = scanTimeCheck(listed, deadline, () => now);
  for (let read = 1; read <= listed; read++) {
    if ((read - 1) % SCAN_READS === 0) now += waveMs(read);
    const refused = check(read);
    if (refused !== undefined) return refused;
  }
  return undefined;
}

// Review rP F1: the projection ran from the scan's start and refused at its first failing, so a cold container's first
// wave (~150 ms slower: sockets, TLS, the SDK) refused at read 200 a vault of ~490,000 that scans in ~360 s of ~780.
it('projects the scan from its steady rate: a slow first wave or a stall does not refuse a vault that fits', () => {
  const limit = catalogRebuildSnapshotLimit(2048);
  expect(scanOf(limit, (first) => (first === 1 ? 185 : 35))).toBeUndefined();
  expect(scanOf(300_000, (first) => (first === 1 ? 435 : 35))).toBeUndefined();
  // A 1.5 s stall (a major GC) 2,000 reads in, and a 3 s one 20,000 reads into a scan of 50 ms GETs.
  expect(scanOf(limit, (first) => (first === 1969 ? 1_535 : 35))).toBeUndefined();
  expect(scanOf(400_000, (first) => (first === 19_969 ? 3_050 : 50))).toBeUndefined();
  // Review rS F2: a stall under a second (a GC with a 2 GB heap) between two of the window's points stayed in the window
  // for up to ~1 s after the 10 s sustain ran out, and refused at ~111 s a scan of 100 ms GETs that ends at 650 s of 780.
  for (const stallMs of [300, 500, 600]) {
    for (const at of [48_145, 48_241]) expect(scanOf(312_000, (first) => (first === at ? 100 + stallMs : 100))).toBeUndefined();
  }
});

it('refuses a scan that slows down for good about 10 s after it does, and one still reading at the round\'s last 120 s at once', () => {
  // S3 slows `snapshots/` to 150 ms a GET after 150,000 reads (~110 s): ~940 s more for the 300,000 left.
  const slowed = scanOf(450_000, (first) => (first <= 150_000 ? 35 : 150));
  expect(slowed).toMatchObject({ read: expect.any(Number), leftToWriteMs: expect.any(Number) });
  expect(slowed?.elapsedMs).toBeGreaterThan(119_000);
  expect(slowed?.elapsedMs).toBeLessThan(135_000);
  expect(slowed?.leftToWriteMs).toBeLessThan(-200_000);
  // A scan projected to fit (~7 s of a round of 180), stalled 100 s ~5,000 reads in, is refused at its next read: ~76 s are left.
  const stalled = scanOf(10_000, (first) => (first === 4_993 ? 100_000 : 35), 180_000);
  expect(stalled).toMatchObject({ read: 4_993 });
});

// Review rI F3: past what Lambda's largest size holds, the advice named 10,240 MB, a size its own bound refuses.
it('past what 10,240 MB holds, names no memory size and sends the rebuild to a machine', () => {
  const most = catalogRebuildSnapshotLimit(10_240);
  expect(most).toBe(2_587_306);
  expect(catalogRebuildMemoryFor(most)).toBe(10_240);
  expect(catalogRebuildMemoryFor(most + 1)).toBeUndefined();
  const refused = new CatalogRebuildTooManySnapshotsError(3_000_000, { why: 'memory', limit: most, memoryMb: 10_240 }, 'lifeboat catalog rebuild --vault primary --env prod --aws');
  expect(refused.message).toMatch(/this round read and wrote nothing\. No Lambda memory size holds it \(10,240 MB, Lambda's largest, holds 2,587,306\): rebuild from a machine\. The catalog has none/);
  expect(refused.message).not.toContain('functionMemory');
});
