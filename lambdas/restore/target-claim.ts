import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { type BackupCatalog, type TargetClaim } from '../catalog/backup-catalog';
import { describeTarget } from './resolved-restore';
import { type RestoreTarget } from './restore-request';
import { RestoreTargetClaimedError } from './restore-target-claimed-error';

/**
 * Target claims (audit R22 F1; docs/RUNBOOKS.md, "Running restores"). The resolve step's target check ("empty or
 * absent, unless overwrite") is check-then-act: two restores (or failovers, or a double click) into one target both
 * pass it before either writes, and both then succeed into a mix of two backups. So every restore, overwrite or not
 * (two overwrites mix as well), claims its target in the catalog its pin goes to before it checks it: a create-only
 * item per target, keyed by the target's identity (targetClaimKey), holding the restore id. A second restore of the
 * same target is refused (RestoreTargetClaimedError) until the first releases the claim, where it removes its pin
 * (verify, abandon, a drill's cleanup), or the claim lapses at `until`, the restore workflow's timeout after it was
 * taken (as a pin's, restore-pin.ts): no execution that took it can still be running then.
 *
 * The check after the claim is what makes it sound: a restore that took the claim once the other released it
 * finds that one's data and is refused (unless overwrite, when writing over it is what was asked).
 *
 * A restore also claims its restore id (review rV F2), the same way (restoreIdClaimKey): its pin, its plan
 * (restore-plans/<restoreId>.json) and the unpin of verify and abandon are keyed by the restore id alone, which whoever
 * starts an execution chooses. A restore-source child started by hand with a running restore's id and another, free
 * target would otherwise pass its target's claim, overwrite the running restore's plan (which that restore's verify
 * and abandon then read) and, verified or abandoned, remove the running restore's pin while it still reads the backup.
 * Refused at its restore id, it never plans, so verify and abandon, which only a restore that planned reaches, end only
 * their own restore's pin and claims. A restore resolved before the upgrade holds no such claim until it ends.
 */

/**
 * A target's identity in the catalog. S3: the bucket, not bucket and prefix: the restore's checks and writes of one
 * prefix see another's (an empty prefix is the whole bucket, and a prefix may lie inside another: "a/" and "a/b/"),
 * so prefix-level claims would still let two restores into one bucket pass each other's emptiness check and mix.
 * Two restores into different prefixes of one bucket therefore run one after the other. A table by its name; a
 * directory by its path, normalized so that "/mnt/x/", "/mnt/x" and "/mnt//x" are one target. A path longer than
 * CLAIM_KEY_PATH_BYTES by its SHA-256 (review 42c F5): a target path may have 4,096 bytes, a DynamoDB partition key
 * 2,048; the claim's `target` attribute keeps the readable path for the message that refuses another restore. A
 * target path is absolute (restore-request.ts), so no path's key reads "sha256:...".
 */
export function targetClaimKey(target: RestoreTarget): string {
  if (target.type === 's3') return `s3#${target.bucket}`;
  if (target.type === 'dynamodb') return `dynamodb#${target.table}`;
  const normalized = posix.normalize(target.path);
  const path = normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
  if (Buffer.byteLength(path) <= CLAIM_KEY_PATH_BYTES) return `filesystem#${path}`;
  return `filesystem#sha256:${createHash('sha256').update(path).digest('hex')}`;
}

/** The longest directory path a claim key holds as it is: well under DynamoDB's 2,048-byte partition key with its prefix. */
export const CLAIM_KEY_PATH_BYTES = 512;

/**
 * The claim key of a restore id: beside the targets' (`TARGET#restore#<id>`), so that the grants of the functions that
 * take and release claims (items `TARGET#*`, lib/constructs/restore-functions.ts) cover it; no target's key starts so.
 */
export function restoreIdClaimKey(restoreId: string): string {
  return `restore#${restoreId}`;
}

/**
 * What taking a claim needs: the catalog and how long the claim lasts (the pin's seconds). `execution`: the ARN of the
 * execution taking it ($$.Execution.Id; a restore runbook's and a restore-source child's alike), recorded in the claim
 * (TargetClaim.execution) so that only that execution takes it over or releases it: a restore id is the execution's
 * name or input, which whoever starts one chooses. `startedAt`: its $$.Execution.StartTime, which only definitions from
 * the one that made every claim name its execution pass (claimIsCallers). Both absent: a restore runbook of a definition
 * that passed neither; `execution` alone: a restore-source child of a definition that passed no start time (both
 * started before the upgrade, or redriven since: a redrive keeps its definition).
 */
export type TargetClaimDeps = {
  catalog: Pick<BackupCatalog, 'claimTarget' | 'releaseTarget'>;
  seconds: number;
  execution?: string | undefined;
  startedAt?: string | undefined;
};

/** The execution asking for a restore's claim, as TargetClaimDeps gives it. */
export type ClaimCaller = { restoreId: string; execution?: string | undefined; startedAt?: string | undefined };

/**
 * Whether `claim` is the caller's: its restore id, and its execution (reviews r15-F1, r18 F1, rR F1/F2, rV F1). A claim
 * naming an execution is that execution's. A claim naming none was taken by code from before claims named theirs, or
 * by an execution that passed none: it is the caller's only when the caller is of a definition from before the upgrade,
 * one passing no `startedAt` (a runbook passing nothing, a child passing only its execution: review r18-F2, whose
 * child, mid-run across the upgrade, retries its resolve and releases its claim on its own). A caller passing
 * `startedAt` runs a definition whose every resolve records its execution in the claims it takes (the functions are
 * updated before the state machines that name them), so a claim naming none was never its own: it is an older
 * execution's, or the old runbook's, and taking it would let a child started by hand with a running restore's id, even
 * one started before that restore claimed, write its target (rR F1; a comparison of `at` with `startedAt` left that).
 * The price: an execution of an old definition started by hand with a running restore's id (before the upgrade, or
 * one redriven) may still take a claim naming none, as before claims named their execution.
 * The same rule as BackupCatalog.claimTarget's takeover.
 */
export function claimIsCallers(claim: TargetClaim | undefined, caller: ClaimCaller): boolean {
  if (claim?.restoreId !== caller.restoreId) return false;
  if (claim.execution !== undefined) return claim.execution === caller.execution;
  return caller.execution === undefined || caller.startedAt === undefined;
}

/**
 * Claims restore id `restoreId`, then `target`, for this execution, or throws RestoreTargetClaimedError naming the
 * execution that holds the id, or the restore that holds the target, when it started and what to do; refused the
 * target, it releases the id it took (the restore fails for good). The id first: a redriven drill's new child, refused
 * by its stopped child's claims, is told of both. Re-entrant for the same restore id: a retried resolve step takes the claim over
 * with its nonce (`by.nonce`, this invocation's), and a lapsed claim of another restore is taken over
 * (BackupCatalog.claimTarget). `by.backupId`: the backup the restore pinned, kept in the claim for the release step
 * of a restore that fails before its plan (release-unplanned-restore.ts), whose request may name only a pointInTime.
 */
export async function claimRestoreTarget(target: RestoreTarget, restoreId: string, now: Date, deps: TargetClaimDeps, by: { nonce?: string | undefined; backupId?: string | undefined } = {}): Promise<void> {
  const claim: TargetClaim = {
    restoreId,
    target: describeTarget(target),
    at: now.toISOString(),
    until: new Date(now.getTime() + deps.seconds * 1000).toISOString(),
    ...(by.nonce !== undefined ? { nonce: by.nonce } : {}),
    ...(by.backupId !== undefined ? { backupId: by.backupId } : {}),
    ...(deps.execution !== undefined ? { execution: deps.execution } : {}),
  };
  const key = targetClaimKey(target);
  const idKey = restoreIdClaimKey(restoreId);
  const idHolder = await deps.catalog.claimTarget(idKey, claim, now, { startedAt: deps.startedAt });
  if (idHolder) throw new RestoreTargetClaimedError(idHolder.target, idHolder, { restoreId, execution: deps.execution, key: idKey, targetKey: key });
  const holder = await deps.catalog.claimTarget(key, claim, now, { startedAt: deps.startedAt });
  if (!holder) return;
  await deps.catalog.releaseTarget(idKey, restoreId, { nonce: by.nonce });
  throw new RestoreTargetClaimedError(claim.target, holder, { restoreId, execution: deps.execution, key });
}

/**
 * Removes the claims of `restoreId`, on `target` and on its restore id; with `nonce`, each only while no other
 * invocation of its resolve step shares it. Returns whether the target's was there.
 */
export async function releaseRestoreTarget(catalog: Pick<BackupCatalog, 'releaseTarget'>, target: RestoreTarget, restoreId: string, nonce?: string): Promise<boolean> {
  const released = await catalog.releaseTarget(targetClaimKey(target), restoreId, { nonce });
  await catalog.releaseTarget(restoreIdClaimKey(restoreId), restoreId, { nonce });
  return released;
}
