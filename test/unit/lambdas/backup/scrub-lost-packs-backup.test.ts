import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { type BackupPlanDocument } from '../../../../lambdas/backup/backup-plan-document';
import { BackupWorkspace } from '../../../../lambdas/backup/backup-workspace';
import { planBackup } from '../../../../lambdas/backup/plan-backup';
import { lostPacksOfLatestScrub, primaryPacksWithoutGoodCopy } from '../../../../lambdas/backup/scrub-lost-packs';
import { snapshotShard } from '../../../../lambdas/backup/snapshot-shard';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { type ScrubRunRecord } from '../../../../lambdas/catalog/scrub-record';
import { scrubRunSummary } from '../../../../lambdas/replication/scrub-run-summary';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { type ShardSpec } from '../../../../lambdas/sources/shard-spec';
import { protectionPlanSchema } from '../../../../config/lifeboat-config';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { verifyVault } from '../../../../vault/checker/verify';
import { loadIndexObject } from '../../../../vault/prune/index-objects';
import { idFromKey, INDEX_PREFIX, packKey } from '../../../../vault/repository/vault-layout';
import { restoreSnapshot } from '../../../../vault/restorer/restore';
import { type Vault } from '../../../../vault/repository/vault';
import { listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { readTree, removeDir, tempDir } from '../../../support/vault-test-helpers';
import { scriptedS3 } from '../../../support/scripted-s3-listing';

/**
 * Fix f58R, the backup's side: a pack lost in both vaults while the index objects listing it stay. A backup deduplicated
 * against that index, stored none of the pack's blobs again, committed, and its restore failed. The plan now carries the
 * packs the latest scrub record holds lost in the primary vault, and every shard's writer leaves them out of its dedup,
 * as a condemned pack. In-memory vaults (scrub-vault-pair), the source tree in a temp dir.
 */

let dir: string;
let src: string;
let pair: VaultPair;
beforeEach(async () => {
  dir = await tempDir('scrub-lost-packs-backup');
  src = path.join(dir, 'src');
  pair = await scrubVaultPair(src);
});
afterEach(async () => removeDir(dir));

/** Deletes the first pack the primary vault's one index object lists from both vaults; the index objects stay. */
async function loseAPackInBothVaults(): Promise<string> {
  const [index] = await listKeys(pair.primary.store, INDEX_PREFIX);
  const { object } = await loadIndexObject(pair.primary.store, pair.primary.keys, idFromKey(INDEX_PREFIX, index as string) as string);
  const pack = packKey((object.packs[0] as { packId: string }).packId);
  for (const vault of [pair.primary, pair.dr]) await vault.store.delete(pack);
  return pack;
}

/** The scrub's record of a run over both vaults (fraction 1, with repair), as the runbook records it. */
async function scrubRecord(): Promise<ScrubRunRecord> {
  const report = await scrubVaults({ scope: 'both', fraction: 1, cursor: FIRST_SCRUB_CURSOR, vaults: { primary: pair.primary, dr: pair.dr }, repair: true });
  return scrubRunSummary(report, { environment: 'dev', startedAt: '2026-12-01T03:00:00.000Z', endedAt: '2026-12-01T03:00:01.000Z' });
}

/**
 * The source backed up again through one shard of the workflow (a plan document with `lostPacks`, as the Plan step
 * writes it), committed from the shard's part, and restored into `out`.
 */
async function backUpAndRestore(vault: Vault, lostPacks: readonly string[], out: string): Promise<void> {
  const backupId = '20261202T100000Z-00000002';
  const workspace = new BackupWorkspace(vault.store);
  const snapshotSource = { kind: 'filesystem', id: 'files', path: '/data' } as const;
  const plan: BackupPlanDocument = {
    backupId, plan: 'files', environment: 'dev', strategy: 'full', requestedStrategy: 'full', createdAt: '2026-12-02T10:00:00.000Z',
    sources: [{ name: 'files', type: 'filesystem', snapshotSource, parent: null }], shardManifests: [], ...(lostPacks.length > 0 ? { lostPacks: [...lostPacks] } : {}),
  };
  const planKey = await workspace.putPlan(plan);
  const spec: ShardSpec = { kind: 'filesystem', index: 0, source: 'files', root: src, paths: ['a.bin', 'sub'], includeRoot: true };
  vault.forgetIndex();
  await snapshotShard({ backupId, planKey, spec }, { s3: new S3Client({ region: 'us-east-1' }), dynamodb: new DynamoDBClient({ region: 'us-east-1' }), vault, warn: () => undefined });
  const stored = await workspace.findPart(backupId, 0);
  if (!stored) throw new Error('the shard stored no part');
  const snapshot = await vault.commitSnapshot({ source: snapshotSource, parts: [stored.part], tags: [`backupId:${backupId}`, 'plan:files'] });
  vault.forgetIndex();
  await restoreSnapshot(vault, snapshot, out);
}

it('a backup whose plan carries the packs the scrub found lost stores their blobs again: it restores byte for byte, and the backup before it restores again too (fix f58R)', async () => {
  const pack = await loseAPackInBothVaults();
  const record = await scrubRecord();
  const lostPacks = primaryPacksWithoutGoodCopy(record);
  expect(lostPacks).toEqual([pack.slice(pack.lastIndexOf('/') + 1)]);

  const out = path.join(dir, 'out');
  await backUpAndRestore(pair.primary, lostPacks, out);
  expect(await readTree(out)).toEqual(await readTree(src));
  // Stored again, the lost blobs heal the first backup (a reader falls back to the new copy); only the missing pack the
  // index still lists is left, which the scrub's finding names.
  const old = path.join(dir, 'old');
  pair.primary.forgetIndex();
  await restoreSnapshot(pair.primary, pair.snapshot, old);
  expect(await readTree(old)).toEqual(await readTree(src));
  const verify = await verifyVault(pair.primary, { readData: true });
  expect(verify.problems.map((p) => p.key)).toEqual([pack]);
});

it('without them, the same backup deduplicates against the lost pack and does not restore: what the plan\'s packs spare it', async () => {
  const pack = await loseAPackInBothVaults();
  await expect(backUpAndRestore(pair.primary, [], path.join(dir, 'out'))).rejects.toThrow(pack);
});

it('the Plan step reads the latest scrub record into the plan document; a record that cannot be read is warned of and the backup planned without', async () => {
  const pack = await loseAPackInBothVaults();
  const record = await scrubRecord();
  const records: unknown[] = [];
  const catalog = {
    createBackup: (r: unknown) => (records.push(r), Promise.resolve(r)),
    recordPlannedShards: () => Promise.resolve(true),
    formatMarker: () => ({ raise: (format: number) => Promise.resolve(format) }),
  } as unknown as BackupCatalog;
  const plans = [protectionPlanSchema.parse({ name: 'daily', schedule: 'rate(1 day)', strategy: 'full', retention: { keepLast: 3 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [{ type: 's3', name: 'bkt', bucket: 'src' }] })];
  const deps = { s3: scriptedS3({ src: { objects: new Map([['a', 1]]) } }), dynamodb: undefined as never, vault: pair.primary, catalog, plans, environment: 'dev', now: () => new Date('2026-12-02T10:00:00Z') };
  const warnings: string[] = [];

  const planned = await planBackup({ plan: 'daily', backupId: '20261202T100000Z-00000003' }, { ...deps, lostPacks: () => lostPacksOfLatestScrub(() => Promise.resolve(record), (w) => warnings.push(w)) });
  expect((await new BackupWorkspace(pair.primary.store).getPlan(planned.planKey, planned.backupId)).lostPacks).toEqual([pack.slice(pack.lastIndexOf('/') + 1)]);

  const unread = await planBackup({ plan: 'daily', backupId: '20261202T110000Z-00000004' }, { ...deps, lostPacks: () => lostPacksOfLatestScrub(() => Promise.reject(new Error('AccessDeniedException: not authorized')), (w) => warnings.push(w)) });
  expect((await new BackupWorkspace(pair.primary.store).getPlan(unread.planKey, unread.backupId)).lostPacks).toBeUndefined();
  expect(warnings).toEqual([expect.stringMatching(/^the latest scrub record could not be read \(AccessDeniedException: not authorized\), so this backup may deduplicate against packs a scrub found lost/)]);
});

it('takes every pack lost in every vault from the record, whichever vault\'s entry its list kept: the list of 100 sorts dr first, so from 51 such packs the primary\'s entries fell past it (review r58M F1)', () => {
  const id = (n: number): string => n.toString(16).padStart(64, '0');
  const entry = (vault: 'dr' | 'primary', n: number) => ({ vault, key: packKey(id(n)), problem: 'missing' as const, goodCopy: false, since: '2026-12-01T00:00:00.000Z', backups: [], listedBy: `index/${'e'.repeat(64)}` });
  const record = { outstanding: { objects: Array.from({ length: 100 }, (_, n) => entry('dr', n + 1)), notListed: [] } } as unknown as Pick<ScrubRunRecord, 'outstanding'>;
  expect(primaryPacksWithoutGoodCopy(record)).toEqual(Array.from({ length: 100 }, (_, n) => id(n + 1)).sort());
});
