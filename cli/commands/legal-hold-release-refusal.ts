import { partitionOf } from '../../config/aws-partition';
import { breakGlassPrincipal } from '../../config/break-glass-principal';
import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { type LegalHold } from '../../lambdas/catalog/backup-record';
import { type VaultHoldResult } from '../../lambdas/retention/object-legal-hold';
import { type VaultSide } from '../../lambdas/runtime/runtime-config';

/**
 * A vault with Object Lock denies the release of an S3 legal hold to every principal but its break-glass one
 * (lib/constructs/vault-bucket-protection.ts, statement DenyLegalHoldReleaseButBreakGlass; docs/SECURITY.md, "Vault
 * buckets"), so `lifeboat backups release` run with an operator's credentials is refused there. This module tells that
 * refusal apart from the others (a missing grant for the Object Lock configuration, the key, a snapshot's HEAD) and says
 * whose credentials the release takes.
 */

/** What of the environment names a vault's break-glass principal. */
export type BreakGlassEnvironment = Pick<EnvironmentConfig, 'account' | 'drAccount' | 'primaryRegion' | 'drRegion' | 'security'>;

/**
 * The break-glass principal of a vault's stack, as its bucket policy names it (config/break-glass-principal.ts, the
 * rule of the stacks' policies): `security.breakGlassRoleArn` when it is a role of the vault's account, else that
 * account's root user. With `drAccount` the DR vault's account is the DR account.
 */
export function vaultBreakGlassArn(environment: BreakGlassEnvironment, side: VaultSide): string {
  const account = side === 'dr' ? (environment.drAccount ?? environment.account) : environment.account;
  const partition = partitionOf(side === 'dr' ? environment.drRegion : environment.primaryRegion);
  return breakGlassPrincipal(environment.security?.breakGlassRoleArn, { account, partition }).arn;
}

/** S3 refused to lift a legal hold (s3:PutObjectLegalHold OFF, 403) in a vault whose bucket policy reserves that to its break-glass principal. */
export class LegalHoldReleaseRefusedError extends Error {
  override readonly name = 'LegalHoldReleaseRefusedError';

  constructor(
    readonly vault: VaultSide,
    readonly bucket: string,
    readonly breakGlassArn: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`S3 refused to lift a legal hold in the ${vault} vault ${bucket} (${problem}): its bucket policy reserves that to the break-glass principal ${breakGlassArn}`, options);
  }
}

/**
 * vaultObjectLegalHold's `releaseRefused` for `lifeboat backups release`: each legal-hold release that S3 refuses in a
 * vault becomes a LegalHoldReleaseRefusedError naming the vault's bucket and break-glass principal (`where`, asked once
 * per vault), also told to `refused` (a refusal in the DR vault is reported by vaultObjectLegalHold as a result, not
 * thrown).
 */
export function namingReleaseRefusals(
  where: (side: VaultSide) => { bucket: string; breakGlassArn: string },
  refused: (refusal: LegalHoldReleaseRefusedError) => void,
): (side: VaultSide, err: unknown) => LegalHoldReleaseRefusedError {
  const named = new Map<VaultSide, { bucket: string; breakGlassArn: string }>();
  return (side, err) => {
    const vault = named.get(side) ?? where(side);
    named.set(side, vault);
    const refusal = new LegalHoldReleaseRefusedError(side, vault.bucket, vault.breakGlassArn, err instanceof Error ? err.message : String(err), { cause: err });
    refused(refusal);
    return refusal;
  };
}

/**
 * What a release refused by a vault's bucket policy left, and how to finish it: the command stops before the catalogs,
 * so they are not changed, and the refused vault's objects stay held; a vault released before the refusal is named.
 * `hold`: the hold of the record the release read (an earlier release whose S3 step failed left none in the catalogs).
 * `command`: the same command line, to run again with the break-glass principals' credentials (an S3 release done
 * twice is harmless). `drProfile`: the DR half's credentials came from --dr-profile.
 */
export function releaseRefusedProblem(
  backupId: string,
  refusals: readonly LegalHoldReleaseRefusedError[],
  results: readonly VaultHoldResult[],
  options: { command: string; primaryHalf: boolean; drProfile: boolean; hold: LegalHold | undefined },
): string {
  const refused = new Map(refusals.map((r) => [r.vault, r]));
  const sentences = [...refused.values()].map((r) => `S3 refused to lift the legal holds of backup ${backupId} in the ${r.vault} vault ${r.bucket} (${r.problem}): the vault's bucket policy reserves lifting a legal hold to its break-glass principal ${r.breakGlassArn} (docs/SECURITY.md, "Vault buckets").`);
  const released = results.flatMap((r) => (r.state === 'changed' && !refused.has(r.vault) ? [`${r.objects} object(s) in the ${r.vault} vault`] : []));
  const catalogs = catalogsUnchanged(options.primaryHalf, options.hold);
  if (released.length === 0) sentences.push(`Nothing else was released: ${catalogs}, and its objects stay under S3 legal hold.`);
  else {
    // Only the refused vaults' objects stay held: the others' were released before the refusal.
    const stay = [...refused.keys()].map((vault) => `the ${vault} vault`).join(' and ');
    sentences.push(`${catalogs[0]?.toUpperCase() ?? ''}${catalogs.slice(1)}, and its objects in ${stay} stay under S3 legal hold. Released before the refusal: the S3 legal holds of ${released.join(' and ')}.`);
  }
  const whose = [...refused.values()].map((r) => `${describedPrincipal(r.breakGlassArn)}${r.vault === 'dr' && options.drProfile ? ' for the DR half (its --dr-profile)' : ''}`);
  sentences.push(`To release it, run \`${options.command}\` again with the credentials of ${whose.join(' and ')}.`);
  return sentences.join(' ');
}

/**
 * That a release which stopped before the catalogs left them as they were, and what that means for retention, from
 * the hold of the record it read (the primary catalog's, or with --only dr the DR one's): still held there, or, after an
 * earlier release whose S3 step failed, held there no more.
 */
export function catalogsUnchanged(primaryHalf: boolean, hold: LegalHold | undefined): string {
  const catalogs = primaryHalf ? 'the catalogs were not changed' : 'the DR catalog was not changed';
  if (hold !== undefined) return `${catalogs} (the backup is still held there, and every retention policy keeps it)`;
  const side = primaryHalf ? 'primary' : 'DR';
  return `${catalogs} (the ${side} catalog already has no legal hold on the backup, so the ${side} vault's retention does not keep it for one)`;
}

/** A vault whose bucket policy refused to lift the S3 legal holds, as `--json` lists it among the vaults' `objects`. */
export type RefusedVaultRelease = { readonly vault: VaultSide; readonly state: 'refused'; readonly problem: string; readonly breakGlassArn: string };

/**
 * The per-vault `objects` of a refused release, for `--json`: the vaults that answered as they did, each refused vault
 * as `refused` (vaultObjectLegalHold reports a refused DR vault as `unreachable`, and a refused primary vault not at all).
 */
export function refusedReleaseObjects(results: readonly VaultHoldResult[], refusals: readonly LegalHoldReleaseRefusedError[]): (VaultHoldResult | RefusedVaultRelease)[] {
  const refused = (r: LegalHoldReleaseRefusedError): RefusedVaultRelease => ({ vault: r.vault, state: 'refused', problem: r.problem, breakGlassArn: r.breakGlassArn });
  const byVault = new Map(refusals.map((r) => [r.vault, refused(r)]));
  const listed = results.map((r) => byVault.get(r.vault) ?? r);
  const unlisted = [...byVault.values()].filter((r) => !results.some((result) => result.vault === r.vault));
  return [...unlisted, ...listed].sort((a, b) => (a.vault === b.vault ? 0 : a.vault === 'primary' ? -1 : 1));
}

/** A break-glass ARN, saying when it is an account's root user (whose credentials are not a role's). */
export function describedPrincipal(arn: string): string {
  const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(arn);
  return root ? `${arn} (the root user of account ${root[1] ?? ''})` : arn;
}
