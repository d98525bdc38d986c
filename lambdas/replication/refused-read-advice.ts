import { refusalOf } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { notPermissionRefusalAdvice } from './not-permission-refusal-advice';
import { otherSide } from './other-side';
import { refusalAdvice } from './refused-write-advice';
import { refusedWords } from './refused-words';
import { type ScrubScope } from './scrub-report';

/**
 * The run whose read was refused, as far as its advice tells: `repair` (a run without it is advised to scrub again, not
 * to scrub with repair, which writes: review r64B F4), and `scope`, which for both vaults adds that the other vault can
 * be scrubbed alone meanwhile. Absent: a repair's run of no said scope, the advice as before.
 */
export type RefusedReadRun = { readonly repair?: boolean; readonly scope?: ScrubScope };

/** The repair's reads of the healthy copy (readCopyBody, copyPutOptions): the action each is, and what it reads. */
const READS = {
  body: { action: 's3:GetObject', reads: 'its bytes' },
  tags: { action: 's3:GetObjectTagging', reads: "the pack's tags (its storage tier, given to the new copy)" },
} as const;

/**
 * The actions a repair reads the DR vault with that joined the bucket policy's allow for the primary account's roles
 * (REMOTE_VAULT_USE_ACTIONS) after the first release, with the day they did: a DR vault in another account deployed
 * before keeps a policy without them until the DR account's break-glass principal deploys its stack (docs/DEPLOYMENT.md,
 * "Upgrades"), and a role tagged lifeboat:key-user is refused all the same (review r63S F1).
 */
const DR_POLICY_ACTIONS_SINCE: Readonly<Record<string, string>> = { 's3:GetObjectTagging': 'commit f3605484, 2026-12-01' };

/**
 * The reason of a repair whose read of the other vault's healthy copy (`from`'s) was refused with an AccessDenied
 * (`cause`, S3's error). Until review r63L F2 it was said as the target vault's refusal of the write: in the DR vault the
 * advice was to delete its damaged copy, whose copy anew the same read then refused. The action S3's words name is
 * named (a KMS key's, for one), else the read's own; the permission is the reader's to have, not the target's.
 */
export function refusedSourceReadReason(from: VaultSide, read: keyof typeof READS, cause: unknown): string {
  const words = refusedWords(cause);
  const { action, advice } = refusedReadAdvice(from, READS[read].action, `copy, which the repair reads ${READS[read].reads} with`, cause);
  return `reading the ${from} vault's copy was refused (${action}: ${words}); ${advice}`;
}

/**
 * The action a read of `from`'s object refused with an AccessDenied (`cause`, S3's error) was refused (the one S3's
 * words name, else `readAction`), and what to do of it: `readFor`, what of the vault's object the read is and what for.
 * Said of the repair's read of a healthy copy, of the slice's reads (SliceReadRefusedError) and of the damage mapping's
 * and the work-out's reads of a vault's index, snapshot and manifest objects (ReferenceReadRefusedError), which stopped
 * the run with S3's bare words (reviews r63Y F2, r63AD F1, r64B F1). The permission is the reader's to have. `run`: the run that read
 * (RefusedReadRun); a 403 that is no want of a permission (isS3PermissionRefusal) is said as what it is.
 */
export function refusedReadAdvice(from: VaultSide, readAction: string, readFor: string, cause: unknown, run: RefusedReadRun = {}): { action: string; advice: string } {
  const rerun = run.repair === false ? 'scrub' : 'scrub with repair';
  const alone = otherVaultAlone(from, run);
  // A 403 for the clock or the credentials' key is no missing permission (review r64B F3): it says what it is.
  const notRefusal = notPermissionRefusalAdvice(cause, rerun);
  if (notRefusal !== undefined) return { action: readAction, advice: `${notRefusal}${alone}` };
  const action = refusalOf(cause).action ?? readAction;
  const what = `${action} on the ${from} vault's ${readFor}`;
  const since = from === 'dr' ? DR_POLICY_ACTIONS_SINCE[action] : undefined;
  const olderPolicy = since === undefined ? undefined : `the DR vault's bucket policy predates this action (deployed before ${since}): deploy the DR stack as the DR account's break-glass principal (docs/DEPLOYMENT.md, "Upgrades"), then ${rerun} again`;
  const advice = refusalAdvice(cause, what, `these credentials lack ${what}: ${rerun} again with credentials that have it`, olderPolicy, rerun);
  // AWS names no policy to a caller outside the bucket owner's organization (a DR account apart from the primary's): a
  // bare "Access Denied" may be that older policy all the same, which refusalAdvice adds only where a policy is named
  // (review r63Y F3). Not after a deny, nor when the words name another policy: neither is an allow the policy lacks.
  const { policy, explicitDeny } = refusalOf(cause);
  const unnamedOlder = olderPolicy !== undefined && policy === undefined && !explicitDeny ? `; or ${olderPolicy}` : '';
  return { action, advice: `${advice}${unnamedOlder}${alone}` };
}

/**
 * For a run of both vaults, that the other vault's scrub need not wait: one refused object stops every such run until
 * its read is allowed, and the other vault alone is not read there (review r64B F4). Only until that scrub finds an
 * object damaged or missing there: the damage mapping and the work-out read both vaults whatever the scope, so it
 * stops on the refused vault too (review r64K F4: said without that bound, it read as a way round for every case).
 */
function otherVaultAlone(from: VaultSide, run: RefusedReadRun): string {
  if (run.scope !== 'both') return '';
  const other = otherSide(from);
  return `; until then each scrub of both vaults stops here, but the ${other} vault can be scrubbed alone meanwhile (\`lifeboat scrub --vault ${other}${run.repair === true ? ' --repair' : ''}\`) until it finds an object damaged or missing there: naming the backups that hurts reads the ${from} vault too, and stops the same way`;
}
