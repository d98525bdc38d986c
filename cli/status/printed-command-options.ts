import { type TargetOptions } from '../environment-access';
import { doctorCommandLine, targetOptionsLine, vaultTargetOptionsLine } from '../target-options-line';

/** The options `lifeboat status` or `lifeboat report` was run with, for the command lines it prints. */
export type PrintedCommandTarget = Pick<TargetOptions, 'env' | 'config' | 'dataDir' | 'aws' | 'vaultKey' | 'stack' | 'stackRegion' | 'stackAccount'>;

/**
 * The target options the `lifeboat …` lines status and report print end with, each with a leading space. Pasted
 * without them, a line acts on the local cloud of env dev, or another data dir's or config's target: a prune or a
 * scrub --repair of another cloud (reviews r57AD F2, r58A F3).
 */
export type PrintedCommandOptions = {
  /** For a command that opens no vault (`backup`, `backups list`, `drills show`, `local up`): targetOptionsLine. */
  readonly target: string;
  /** For one that opens the primary vault and takes `--vault-key` (`scrub`, `prune`): vaultTargetOptionsLine. */
  readonly vault: string;
  /** `lifeboat doctor` with the target options, or undefined with --stack, which the doctor refuses (doctorCommandLine). */
  readonly doctor: string | undefined;
};

/** For a line whose caller knows no target (a test of a reason's words): the bare command. */
export const NO_PRINTED_OPTIONS: PrintedCommandOptions = { target: '', vault: '', doctor: 'lifeboat doctor' };

/** The options the command was run with, as the lines it prints end with them. */
export function printedOptionsOf(target: PrintedCommandTarget): PrintedCommandOptions {
  return { target: targetOptionsLine(target), vault: vaultTargetOptionsLine(target), doctor: doctorCommandLine(target) };
}

/**
 * The command's own target options when given; else only --env and --aws, all a status record knows (a test's screen
 * of a record).
 */
export function printedCommandOptions(status: { readonly environment: string; readonly target: 'local' | 'aws' }, target?: PrintedCommandTarget): PrintedCommandOptions {
  if (target) return printedOptionsOf(target);
  const known = ` --env ${status.environment}${status.target === 'aws' ? ' --aws' : ''}`;
  return { target: known, vault: known, doctor: `lifeboat doctor${known}` };
}
