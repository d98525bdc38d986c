import { type SourceConfig } from '../../../../config/lifeboat-config';
import { type BackupCatalog } from '../../../../lambdas/catalog/backup-catalog';
import { DeleteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { FailoverGrantLog } from '../../../../lambdas/failover/failover-grant';
import { catalogOnDynalite } from '../../../support/catalog-on-dynalite';
import { releaseUnplannedRestore } from '../../../../lambdas/restore/release-unplanned-restore';
import { releaseRestorePin } from '../../../../lambdas/restore/restore-pin';
import { claimRestoreTarget, restoreIdClaimKey, targetClaimKey } from '../../../../lambdas/restore/target-claim';

/**
 * Review 42c F2: a restore whose resolve failed for good after its retries (or timed out, or crashed) kept its claim
 * and pin, and nothing released them: the failure path's "Release restore" step (release-unplanned-restore.ts) does,
 * on the real BackupCatalog (dynalite in this process), whatever nonce the last invocation left, and only its own.
 */
const sources: SourceConfig[] = [{ type: 's3', name: 'assets', bucket: 'prod-assets', prefix: '' }];
const NOW = new Date('2026-03-02T00:00:00Z');
/** $$.Execution.StartTime of an execution that started no later than its claims at NOW (the same instant, written without milliseconds), and of one that started after. */
const BEFORE_NOW = '2026-03-02T00:00:00Z';
const AFTER_NOW = '2026-03-02T00:00:01Z';
const BUCKET = 'lifeboat-dev-restore-y';
const KEY = targetClaimKey({ type: 's3', bucket: BUCKET, prefix: '' });
let close: () => Promise<void>;
let catalog: BackupCatalog;
let documents: DynamoDBDocumentClient;
let unpinned: string[];

beforeAll(async () => {
  ({ catalog, documents, close } = await catalogOnDynalite());
}, 30_000);

afterAll(async () => {
  await close?.();
});

// One target for every case: a case that fails leaves no claim (of a target, of a restore id) to refuse the next.
afterEach(async () => {
  const { Items = [] } = await documents.send(new ScanCommand({ TableName: 'catalog', FilterExpression: 'begins_with(pk, :claims)', ExpressionAttributeValues: { ':claims': 'TARGET#' } }));
  for (const item of Items) await documents.send(new DeleteCommand({ TableName: 'catalog', Key: { pk: item.pk, sk: item.sk } }));
});

const deps = () => {
  unpinned = [];
  // The pin side is the catalog's own (restore-pins.test.ts); here only which backup and restore it is asked for.
  const release = releaseRestorePin({ releaseTarget: (k, r, o) => catalog.releaseTarget(k, r, o), unpinBackup: (b, r) => Promise.resolve(unpinned.push(`${b} ${r}`) > 0) }, 'primary', () => undefined);
  return { sources, homeVault: 'primary' as const, catalog, releasePin: release };
};
const claim = (restoreId: string, backupId: string) => claimRestoreTarget({ type: 's3', bucket: BUCKET, prefix: '' }, restoreId, NOW, { catalog, seconds: 86_400 }, { nonce: `nonce-of-${restoreId}`, backupId });

it('releases the claim its last resolve invocation kept (whatever its nonce) and unpins the backup the request names', async () => {
  await claim('R1', '20260301T100000Z-1a2b3c4d');
  const request = { source: 'assets', backupId: '20260301T100000Z-1a2b3c4d', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R1', request }, deps())).resolves.toEqual({ restoreId: 'R1', claimReleased: true });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
  expect(unpinned).toEqual(['20260301T100000Z-1a2b3c4d R1']);
});

// Review rV F1 (of e8470bb8): a child mid-run across the upgrade runs its old definition, which passes its execution
// but no start time (a redrive keeps it too); its claim, taken before claims named their execution, names none. It
// was refused its own claim when its resolve was retried, and its release left claim and pin until their `until`.
it('a child of a definition passing no start time retries its resolve on, and releases, a claim of its restore id naming no execution (reviews r18-F2, rV F1)', async () => {
  await claim('R-legacy', '20260301T100000Z-5e6f7a8b');
  expect((await catalog.targetClaim(KEY))?.execution).toBeUndefined();
  await claimRestoreTarget({ type: 's3', bucket: BUCKET, prefix: '' }, 'R-legacy', NOW, { catalog, seconds: 86_400, execution: 'arn:child-across-upgrade' }, { nonce: 'n-retry', backupId: '20260301T100000Z-5e6f7a8b' });
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'R-legacy', execution: 'arn:child-across-upgrade', nonce: 'n-retry' });
  const request = { source: 'assets', backupId: '20260301T100000Z-5e6f7a8b', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R-legacy', request, execution: 'arn:child-across-upgrade' }, deps())).resolves.toEqual({ restoreId: 'R-legacy', claimReleased: true });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
  expect(unpinned).toEqual(['20260301T100000Z-5e6f7a8b R-legacy']);

  // Its release alone, the claim still naming none (a resolve that failed for good before its retry).
  await claim('R-legacy', '20260301T100000Z-5e6f7a8b');
  await expect(releaseUnplannedRestore({ restoreId: 'R-legacy', request, execution: 'arn:child-across-upgrade' }, deps())).resolves.toEqual({ restoreId: 'R-legacy', claimReleased: true });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
  expect(unpinned).toEqual(['20260301T100000Z-5e6f7a8b R-legacy']);
});

// Review rR F1 (of 7c4a7a6c): a claim naming no execution (a restore runbook's, whose resolve passed none, or one taken
// before claims named theirs) was released by any child naming its restore id: one started by hand with a running
// runbook's name and target, refused before it claimed, freed that restore's claim and pin, and a second restore could
// write into the live target. Such a claim is never the execution of a definition passing its start time: every claim
// that one takes names it (review rV F1: started before the claim was taken, too).
it('a child started by hand after the upgrade frees neither a claim naming no execution nor its pin (reviews rR F1, rV F1)', async () => {
  await claim('RUNBOOK-1', '20260301T100000Z-1a2b3c4d');
  const request = { source: 'assets', backupId: '20260301T100000Z-1a2b3c4d', target: { type: 's3', bucket: BUCKET } };
  const d = deps();
  await expect(releaseUnplannedRestore({ restoreId: 'RUNBOOK-1', request, execution: 'arn:hand-started-child', startedAt: AFTER_NOW }, d)).resolves.toEqual({ restoreId: 'RUNBOOK-1', claimReleased: false });
  await expect(releaseUnplannedRestore({ restoreId: 'RUNBOOK-1', request, execution: 'arn:hand-started-child', startedAt: BEFORE_NOW }, d)).resolves.toEqual({ restoreId: 'RUNBOOK-1', claimReleased: false });
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'RUNBOOK-1' });
  expect(unpinned).toEqual([]);
});

// Review rR F2 (of f2586745): an execution passing no execution (the restore runbook's, named <drill execution>-<source>)
// took a child's claim over by restore id and released claim and pin when it failed; a child started by hand took over
// a claim naming no execution. Every claim now names its execution, and a takeover needs it (or, for a claim naming
// none, a caller of a definition from before the upgrade: review rV F1).
it('a claim is taken over only by its execution: not by a caller naming none, nor a claim naming none by a child passing its start time (reviews rR F2, rV F1)', async () => {
  const target = { type: 's3' as const, bucket: BUCKET, prefix: '' };
  const backupId = '20260301T100000Z-9c8d7e6f';
  const request = { source: 'assets', backupId, target: { type: 's3', bucket: BUCKET } };
  const claimBy = (restoreId: string, execution: string | undefined, startedAt: string | undefined, nonce: string) => claimRestoreTarget(target, restoreId, NOW, { catalog, seconds: 86_400, execution, startedAt }, { nonce, backupId });

  await claimBy('drill-x-assets', 'arn:drill-child', BEFORE_NOW, 'n1');
  await expect(claimBy('drill-x-assets', undefined, undefined, 'n-runbook')).rejects.toMatchObject({ name: 'RestoreTargetClaimedError' });
  const d = deps();
  await expect(releaseUnplannedRestore({ restoreId: 'drill-x-assets', request }, d)).resolves.toEqual({ restoreId: 'drill-x-assets', claimReleased: false });
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'drill-x-assets', execution: 'arn:drill-child', nonce: 'n1' });
  expect(unpinned).toEqual([]);
  await catalog.releaseTarget(KEY, 'drill-x-assets');

  // A claim naming none: a child passing its start time is refused, started before it or after; an execution of a
  // definition from before the upgrade (the runbook's, naming none) takes it over.
  await claim('RUNBOOK-2', backupId);
  await expect(claimBy('RUNBOOK-2', 'arn:hand-started-child', AFTER_NOW, 'n-hand')).rejects.toMatchObject({ name: 'RestoreTargetClaimedError' });
  await expect(claimBy('RUNBOOK-2', 'arn:hand-started-child', BEFORE_NOW, 'n-hand')).rejects.toMatchObject({ name: 'RestoreTargetClaimedError' });
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'RUNBOOK-2', nonce: 'nonce-of-RUNBOOK-2' });
  await claimBy('RUNBOOK-2', undefined, undefined, 'n-retry');
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'RUNBOOK-2', nonce: 'n-retry' });
  expect((await catalog.targetClaim(KEY))?.execution).toBeUndefined();
});

// Review rR F3: a redriven drill keeps its children's restore ids; the message named the refused restore itself as the holder.
it('a restore refused by its own restore id under another execution is told so, and how to free the claim', async () => {
  const target = { type: 's3' as const, bucket: BUCKET, prefix: '' };
  await claimRestoreTarget(target, 'drill-y-assets', NOW, { catalog, seconds: 86_400, execution: 'arn:child-stopped', startedAt: BEFORE_NOW }, { nonce: 'n1' });
  const refused = claimRestoreTarget(target, 'drill-y-assets', NOW, { catalog, seconds: 86_400, execution: 'arn:child-after-redrive', startedAt: AFTER_NOW }, { nonce: 'n2' });
  await expect(refused).rejects.toMatchObject({ name: 'RestoreTargetClaimedError' });
  const message = await refused.catch((err: Error) => err.message);
  // Its restore id's claim refuses it first (review rV F2), naming both items to delete.
  expect(message).toContain('restore id drill-y-assets is claimed by another execution arn:child-stopped, not this one (arn:child-after-redrive)');
  expect(message).toContain(
    `if it is no longer running (stopped, failed, timed out), its claims lapse at 2026-03-03T00:00:00.000Z, or free them now by deleting the catalog item pk "TARGET#restore#drill-y-assets", sk "TARGET", and that of its target if it is this restore's, pk "TARGET#${KEY}"`,
  );
});

it('another execution with a running child\'s restore id is refused the claim, and its release leaves it (review r18 F1)', async () => {
  const target = { type: 's3' as const, bucket: BUCKET, prefix: '' };
  const claimBy = (execution: string, nonce: string) => claimRestoreTarget(target, 'R-run', NOW, { catalog, seconds: 86_400, execution }, { nonce, backupId: '20260301T100000Z-9c8d7e6f' });
  await claimBy('arn:child-legit', 'n1');
  await expect(claimBy('arn:child-hand', 'n2')).rejects.toThrow(/claimed/i);
  await claimBy('arn:child-legit', 'n3');
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'R-run', execution: 'arn:child-legit', nonce: 'n3' });
  const request = { source: 'assets', backupId: '20260301T100000Z-9c8d7e6f', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R-run', request, execution: 'arn:child-hand' }, deps())).resolves.toEqual({ restoreId: 'R-run', claimReleased: false });
  await expect(releaseUnplannedRestore({ restoreId: 'R-run', request, execution: 'arn:child-legit' }, deps())).resolves.toEqual({ restoreId: 'R-run', claimReleased: true });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
});

it('a request by pointInTime: unpins the backup the claim records', async () => {
  await claim('R2', 'B-2');
  const request = { source: 'assets', pointInTime: '2026-03-01T12:00:00Z', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R2', request }, deps())).resolves.toEqual({ restoreId: 'R2', claimReleased: true });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
  expect(unpinned).toEqual(['B-2 R2']);
});

it('leaves another restore\'s claim (a restore refused by it), and does nothing for a request resolve refused as invalid', async () => {
  await claim('R-holder', 'B-3');
  const request = { source: 'assets', pointInTime: '2026-03-01T12:00:00Z', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R-refused', request }, deps())).resolves.toEqual({ restoreId: 'R-refused', claimReleased: false });
  await expect(releaseUnplannedRestore({ restoreId: 'R-refused', request: { source: 'nope', target: { type: 's3', bucket: BUCKET } } }, deps())).resolves.toEqual({ restoreId: 'R-refused', claimReleased: false });
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'R-holder', backupId: 'B-3' });
  expect(unpinned).toEqual([]);
  expect(await catalog.releaseTarget(KEY, 'R-holder')).toBe(true);
});

// Review r15-F1: a failover child started by hand with a running child's { request, restoreId } is refused for want of
// a grant, and its failure path still runs Release restore with that payload: it released the running child's claim
// and unpinned its backup. A restore-source child's claim records its execution; the release ends only its own.
it('a restore-source child releases only the claim its own execution took: a refused replay of a running child\'s restore leaves its claim and pin', async () => {
  const target = { type: 's3' as const, bucket: BUCKET, prefix: '' };
  const request = { source: 'assets', backupId: '20260301T100000Z-1a2b3c4d', target, overwrite: false };
  const grants = new FailoverGrantLog(documents, 'catalog');
  await grants.grant([{ restoreId: 'fo-exec1-assets', request }], 'arn:parent', NOW, 3600);
  // The failover's own child takes the grant, then the claim (its pin is the catalog's; see deps).
  await grants.claim('fo-exec1-assets', request, 'arn:child-legit', NOW, 'lifeboat-dev-failover');
  await claimRestoreTarget(target, 'fo-exec1-assets', NOW, { catalog, seconds: 86_400, execution: 'arn:child-legit' }, { nonce: 'n1', backupId: request.backupId });
  // Review r15-F2: whoever starts the granted request first takes the grant; the refusal says who may have been the hand.
  await expect(grants.claim('fo-exec1-assets', request, 'arn:child-hand', NOW, 'lifeboat-dev-failover')).rejects.toMatchObject({
    name: 'InvalidInputError',
    message: expect.stringContaining('already ran as arn:child-legit; if that execution was not started by failover execution arn:parent, someone started it by hand'),
  });
  const d = deps();
  await expect(releaseUnplannedRestore({ restoreId: 'fo-exec1-assets', request, execution: 'arn:child-hand' }, d)).resolves.toEqual({ restoreId: 'fo-exec1-assets', claimReleased: false });
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'fo-exec1-assets', execution: 'arn:child-legit' });
  expect(unpinned).toEqual([]);
  // The child that took it, failing before its plan, still releases both.
  await expect(releaseUnplannedRestore({ restoreId: 'fo-exec1-assets', request, execution: 'arn:child-legit' }, d)).resolves.toEqual({ restoreId: 'fo-exec1-assets', claimReleased: true });
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
  expect(unpinned).toEqual([`${request.backupId} fo-exec1-assets`]);
});

// Review rV F2: a restore-source child started by hand with a running restore's id and another, free target passed its
// target's claim; pin, plan (restore-plans/<restoreId>.json) and the unpin of verify and abandon are keyed by the restore
// id alone, so it overwrote the running restore's plan and, verified or abandoned, removed its pin while it still read
// the backup. A restore now claims its restore id too, and only one execution holds it.
it('a child started by hand with a running restore\'s id and another target is refused at its restore id, and ends nothing of that restore\'s (review rV F2)', async () => {
  const live = { type: 's3' as const, bucket: BUCKET, prefix: '' };
  const other = { type: 's3' as const, bucket: 'lifeboat-dev-restore-free', prefix: '' };
  const backupId = '20260301T100000Z-1a2b3c4d';
  await claimRestoreTarget(live, 'RUNBOOK-3', NOW, { catalog, seconds: 86_400, execution: 'arn:runbook-3', startedAt: BEFORE_NOW }, { nonce: 'n-r', backupId });
  const refused = claimRestoreTarget(other, 'RUNBOOK-3', NOW, { catalog, seconds: 86_400, execution: 'arn:hand-started-child', startedAt: AFTER_NOW }, { nonce: 'n-h', backupId });
  await expect(refused).rejects.toMatchObject({ name: 'RestoreTargetClaimedError' });
  expect(await refused.catch((err: Error) => err.message)).toContain(
    `restore id RUNBOOK-3 is claimed by another execution arn:runbook-3, not this one (arn:hand-started-child), since 2026-03-02T00:00:00.000Z, restoring s3://${BUCKET}/`,
  );
  expect(await catalog.targetClaim(targetClaimKey(other))).toBeUndefined();
  const request = { source: 'assets', backupId, target: { type: 's3', bucket: other.bucket } };
  const d = deps();
  await expect(releaseUnplannedRestore({ restoreId: 'RUNBOOK-3', request, execution: 'arn:hand-started-child', startedAt: AFTER_NOW }, d)).resolves.toEqual({ restoreId: 'RUNBOOK-3', claimReleased: false });
  expect(unpinned).toEqual([]);
  expect(await catalog.targetClaim(restoreIdClaimKey('RUNBOOK-3'))).toMatchObject({ execution: 'arn:runbook-3' });
  expect(await catalog.targetClaim(KEY)).toMatchObject({ execution: 'arn:runbook-3' });
  // The running restore's retry keeps both; its verify (or abandon) releases both with its pin.
  await claimRestoreTarget(live, 'RUNBOOK-3', NOW, { catalog, seconds: 86_400, execution: 'arn:runbook-3', startedAt: BEFORE_NOW }, { nonce: 'n-r2', backupId });
  await d.releasePin({ restoreId: 'RUNBOOK-3', backupId, vault: 'primary', target: live });
  expect(unpinned).toEqual([`${backupId} RUNBOOK-3`]);
  expect(await catalog.targetClaim(restoreIdClaimKey('RUNBOOK-3'))).toBeUndefined();
  expect(await catalog.targetClaim(KEY)).toBeUndefined();
});

it('a restore refused a target another restore holds keeps no claim of its restore id; one whose resolve died between the two claims releases it', async () => {
  const live = { type: 's3' as const, bucket: BUCKET, prefix: '' };
  await claim('R-holder-2', 'B-4');
  await expect(claimRestoreTarget(live, 'R-second', NOW, { catalog, seconds: 86_400, execution: 'arn:second', startedAt: BEFORE_NOW }, { nonce: 'n2' })).rejects.toMatchObject({ name: 'RestoreTargetClaimedError' });
  expect(await catalog.targetClaim(restoreIdClaimKey('R-second'))).toBeUndefined();
  await catalog.claimTarget(restoreIdClaimKey('R-died'), { restoreId: 'R-died', target: `s3://${BUCKET}/`, at: NOW.toISOString(), until: '2026-03-03T00:00:00.000Z', execution: 'arn:died' }, NOW);
  const request = { source: 'assets', backupId: '20260301T100000Z-5e6f7a8b', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R-died', request, execution: 'arn:other', startedAt: AFTER_NOW }, deps())).resolves.toEqual({ restoreId: 'R-died', claimReleased: false });
  expect(await catalog.targetClaim(restoreIdClaimKey('R-died'))).toBeDefined();
  await releaseUnplannedRestore({ restoreId: 'R-died', request, execution: 'arn:died', startedAt: BEFORE_NOW }, deps());
  expect(await catalog.targetClaim(restoreIdClaimKey('R-died'))).toBeUndefined();
});

// Review rBB F2: a resolve that died after the claim of its restore id, before its target's (a timeout, a crash), left
// its pin: Release restore freed the id's claim but unpinned nothing, and retention kept the backup until the pin's
// `until`. The id's claim proves the pin under that id is the execution's: it is removed with it; the target's claim,
// another restore's, stays.
it('a resolve that died between the claim of its restore id and its target\'s: Release restore frees the id and unpins the backup the request names, or the claim records (review rBB F2)', async () => {
  await claim('R-holder-3', 'B-5');
  const idClaimOf = (restoreId: string, execution: string, backupId: string) =>
    catalog.claimTarget(restoreIdClaimKey(restoreId), { restoreId, target: `s3://${BUCKET}/`, at: NOW.toISOString(), until: '2026-03-03T00:00:00.000Z', nonce: 'n1', backupId, execution }, NOW);
  await idClaimOf('R-half', 'arn:half', '20260301T100000Z-1a2b3c4d');
  const d = deps();
  const byBackup = { source: 'assets', backupId: '20260301T100000Z-1a2b3c4d', target: { type: 's3', bucket: BUCKET } };
  await expect(releaseUnplannedRestore({ restoreId: 'R-half', request: byBackup, execution: 'arn:other', startedAt: AFTER_NOW }, d)).resolves.toEqual({ restoreId: 'R-half', claimReleased: false });
  expect(unpinned).toEqual([]);
  await expect(releaseUnplannedRestore({ restoreId: 'R-half', request: byBackup, execution: 'arn:half', startedAt: BEFORE_NOW }, d)).resolves.toEqual({ restoreId: 'R-half', claimReleased: false });
  expect(unpinned).toEqual(['20260301T100000Z-1a2b3c4d R-half']);
  expect(await catalog.targetClaim(restoreIdClaimKey('R-half'))).toBeUndefined();
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'R-holder-3' });

  await idClaimOf('R-half-pit', 'arn:half-pit', 'B-6');
  const byTime = { source: 'assets', pointInTime: '2026-03-01T12:00:00Z', target: { type: 's3', bucket: BUCKET } };
  await releaseUnplannedRestore({ restoreId: 'R-half-pit', request: byTime, execution: 'arn:half-pit', startedAt: BEFORE_NOW }, d);
  expect(unpinned).toEqual(['20260301T100000Z-1a2b3c4d R-half', 'B-6 R-half-pit']);
  expect(await catalog.targetClaim(restoreIdClaimKey('R-half-pit'))).toBeUndefined();
  expect(await catalog.targetClaim(KEY)).toMatchObject({ restoreId: 'R-holder-3' });
});
