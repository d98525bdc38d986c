import { type LegalHoldOutcome } from '../../lambdas/retention/legal-hold';
import { pastedIdWord } from '../../lambdas/catalog/pasted-id-word';
import { shellWord } from '../../lambdas/runtime/shell-word';
import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { type DrAccountOptions, type EnvironmentAccess, type TargetOptions } from '../environment-access';
import { targetOptionsLine } from '../target-options-line';
import { type BreakGlassEnvironment, describedPrincipal, vaultBreakGlassArn } from './legal-hold-release-refusal';

/**
 * The two halves of `lifeboat backups hold|release`: the primary catalog and vault, then the DR catalog and vault.
 * With the DR stack in another account (`drAccount`) the DR half takes that account's credentials: the DR account's
 * policies give the primary account no hold there (docs/SECURITY.md, "The DR vault in another account"), and
 * replication does not carry a hold to a record the DR catalog already has. So the DR half is done with --dr-profile,
 * or alone with `--only dr` run as the DR account, and until it is, the command fails saying the DR copy is not held.
 */
export type HoldHalfOptions = DrAccountOptions & { only?: string };

export type HoldVerb = 'hold' | 'release';

/** What a run writes, decided from the options and the environment. */
export type HoldHalves = {
  readonly primary: boolean;
  readonly dr: boolean;
  /** The DR half is wanted but left undone: the DR stack is another account's, in AWS, and no --dr-profile gives its credentials. */
  readonly drNeedsCredentials: boolean;
  /** A DR half that fails fails the command: the DR stack is another account's (whose retention forgets what its catalog does not hold), or it is the whole job (`--only dr`). */
  readonly drRequired: boolean;
};

/** Why the options cannot work together, in a sentence for the usage error (exit 2); undefined when they can. */
export function halfOptionsProblem(options: TargetOptions & HoldHalfOptions): string | undefined {
  if (options.only !== undefined && options.only !== 'primary' && options.only !== 'dr') return `--only must be primary or dr, got ${options.only}`;
  if (options.drProfile !== undefined && options.only === 'primary') return '--dr-profile gives the credentials of the DR half, which --only primary leaves alone: drop one of them';
  if (options.drProfile !== undefined && options.aws !== true) return '--dr-profile names AWS credentials of the DR account: add --aws (the local cloud has no credentials to choose)';
  return undefined;
}

export function holdHalves(access: Pick<EnvironmentAccess, 'drAccount'>, options: TargetOptions & HoldHalfOptions): HoldHalves {
  const primary = options.only !== 'dr';
  const wantDr = options.only !== 'primary';
  // Locally there are no credentials: the local cloud serves the DR region as the DR account but evaluates no policy.
  const drNeedsCredentials = primary && wantDr && access.drAccount !== undefined && options.aws === true && options.drProfile === undefined;
  return { primary, dr: wantDr && !drNeedsCredentials, drNeedsCredentials, drRequired: wantDr && (access.drAccount !== undefined || options.only === 'dr') };
}

/**
 * The command line of the DR half alone, for the operator to run with the DR account's credentials: the same
 * backup, reason and holder, environment, config, and --aws (or data directory). `profile`: the --dr-profile to
 * repeat, given only where those credentials were not the ones refused.
 */
export function drHalfCommand(verb: HoldVerb, backupId: string, options: TargetOptions & { reason?: string }, by: string, profile?: string): string {
  return holdCommand(verb, backupId, options, by, { only: 'dr', ...(profile !== undefined ? { profile } : {}) });
}

/** A `lifeboat backups hold|release` command line: the backup, reason and holder, `--only`, `--dr-profile`, environment, config, and --aws (or data directory). */
export function holdCommand(verb: HoldVerb, backupId: string, options: TargetOptions & { reason?: string }, by: string, half: { only?: string; profile?: string }): string {
  // As pastedIdWord prints an id (review r65Q F4: shellWord alone left `=cmd` to zsh and a leading `-` read as an option):
  // an id the command was given that begins with `-` goes last, after `--`, where the CLI takes it as the argument.
  const asValue = pastedIdWord(backupId, 'the backup id given to this command', 'option value');
  const afterDashes = asValue.fillIn === '' && backupId.startsWith('-');
  const id = afterDashes ? '' : ` ${pastedIdWord(backupId, 'the backup id given to this command', 'argument').word}`;
  const words = [
    `lifeboat backups ${verb}${id}`,
    // No --reason: the run kept the backup's hold (retention-commands.ts), and so does the line.
    ...(verb === 'hold' && options.reason !== undefined ? [`--reason ${shellWord(options.reason.trim())}`, `--by ${shellWord(by)}`] : []),
    ...(half.only !== undefined ? [`--only ${shellWord(half.only)}`] : []),
    ...(half.profile !== undefined ? [`--dr-profile ${shellWord(half.profile)}`] : []),
  ];
  return words.join(' ') + targetOptionsLine(options) + (afterDashes ? ` -- ${asValue.word}` : '');
}

/**
 * Why the DR half leaves the DR copy unheld (or, for a release, still held), one sentence per problem, each saying
 * what to run; empty when it is done or nothing needs doing. Only for a DR half that must not fail quietly (drRequired,
 * drNeedsCredentials): otherwise a DR region that does not answer stays a warning.
 */
export function drHalfProblems(
  verb: HoldVerb,
  backupId: string,
  outcome: Pick<LegalHoldOutcome, 'dr' | 'objects'>,
  halves: HoldHalves,
  access: Pick<EnvironmentAccess, 'drAccount' | 'drCatalogTable'> & { environment: BreakGlassEnvironment & Pick<EnvironmentConfig, 'immutability'> },
  options: TargetOptions & HoldHalfOptions & { reason?: string },
  by: string,
): string[] {
  const copy = verb === 'hold' ? `the DR copy of backup ${backupId} is NOT held yet` : `the DR copy of backup ${backupId} is still held`;
  const again = drHalfCommand(verb, backupId, options, by, options.drProfile);
  const account = access.drAccount;
  // The DR vault's bucket policy reserves lifting its legal holds to its break-glass principal (legal-hold-release-refusal.ts).
  const breakGlass = verb === 'release' && access.environment.immutability !== undefined ? describedPrincipal(vaultBreakGlassArn(access.environment, 'dr')) : undefined;
  const asDrAccount = (command: string) =>
    breakGlass !== undefined
      ? `run \`${command}\` with credentials of account ${account ?? ''}'s break-glass principal ${breakGlass}, to which the DR vault's bucket policy reserves lifting its S3 legal holds (as it, or with --dr-profile <a profile of it>)`
      : `run \`${command}\` with credentials of account ${account ?? ''} (as that account, or with --dr-profile <a profile of it>)`;
  if (halves.drNeedsCredentials) {
    const forgets = verb === 'hold' ? "that account's own retention forgets its copy of a backup its catalog does not hold" : "that account's retention keeps the copy until its catalog is released too";
    return [`${copy}: the DR catalog and the DR vault are account ${account ?? ''}'s (drAccount), which take no ${verb} from this account's credentials, and ${forgets}. To ${verb} it there, ${asDrAccount(drHalfCommand(verb, backupId, options, by))}.`];
  }
  if (!halves.drRequired) return [];
  const problems: string[] = [];
  const dr = outcome.dr;
  if (dr.state === 'refused') {
    problems.push(
      `the DR catalog ${access.drCatalogTable} refused these credentials (${dr.problem}): ${copy}. It is account ${account ?? ''}'s, which gives no other account this write: ${asDrAccount(drHalfCommand(verb, backupId, options, by))}, allowed dynamodb:UpdateItem and dynamodb:GetItem on that table.`,
    );
  }
  if (dr.state === 'unreachable') {
    // A 5xx or a request without answer may have been applied: "is NOT held yet" was said as fact (review r63O F4).
    const state = dr.mayHaveApplied === true ? `the DR copy of backup ${backupId} may or may not be ${verb === 'hold' ? 'held' : 'released'} yet (the write may have applied)` : copy;
    const safe = dr.mayHaveApplied === true ? ': running it again is safe either way' : '';
    problems.push(`the DR catalog ${access.drCatalogTable} (${access.environment.drRegion}) could not be written (${dr.problem}): ${state}; run \`${again}\` when the DR region answers${safe}.`);
  }
  for (const result of outcome.objects ?? []) {
    if (result.vault !== 'dr' || result.state !== 'unreachable') continue;
    const objects = verb === 'hold' ? `its objects in the DR vault are NOT held by Object Lock yet` : 'its objects in the DR vault stay held by Object Lock';
    // Refused or down cannot be told apart here (object-legal-hold.ts keeps the message only): both are said.
    const run =
      account !== undefined
        ? `${asDrAccount(drHalfCommand(verb, backupId, options, by))}, allowed s3:GetBucketObjectLockConfiguration, s3:GetObjectLegalHold, s3:PutObjectLegalHold and kms:Decrypt with the DR vault's key, and when the DR region answers`
        : `run \`${again}\` when the DR region answers`;
    problems.push(`the S3 legal holds in the DR vault could not be ${verb === 'hold' ? 'set' : 'released'} (${result.problem}): ${objects}; ${run}.`);
  }
  return problems;
}
