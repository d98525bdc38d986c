import { type ForgetLostReport, forgetLostBackup } from '../../lambdas/retention/forget-lost-backup';
import { shownItemKeyPart } from '../../lambdas/catalog/shown-item-key';
import { parsedInstant } from '../../lambdas/catalog/parsed-instant';
import { type ForgetCatalog } from '../../lambdas/retention/forget-backups';
import { LostBackupRefusedError } from '../../lambdas/retention/lost-backup-refused-error';
import { pastedIdWord } from '../../lambdas/catalog/pasted-id-word';
import { type VaultSide } from '../../lambdas/runtime/runtime-config';
import { type CliIo } from '../cli-io';
import { escapeName } from '../escape-name';
import { type AccessClients, environmentAccess, type TargetOptions } from '../environment-access';
import { targetOptionsLine } from '../target-options-line';

/** What `lifeboat backups forget --lost` takes besides the target (retention-commands.ts passes its own options on). */
export type ForgetLostOptions = TargetOptions & {
  lost: string;
  vault: VaultSide;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
  /** Options of a policy forget, refused with --lost (usageOfLost). */
  plan?: string;
  policyGiven: boolean;
};

/**
 * Why the options do not make a `--lost` forget (exit 2), or undefined when they do. The id is the operator's text,
 * checked against no form (a hand-written record's is forgotten too): shown as shownLostId shows it, and the dry run's
 * command line only when the id pastes as printed (pastedIdWord), as an ESC in it reached the terminal either way (review
 * r64H F1) and a backtick closed the code span (review r65O F3).
 */
export function usageOfLost(options: ForgetLostOptions): string | undefined {
  if (options.plan !== undefined || options.policyGiven) return '--lost names one backup, whatever its plan\'s policy: leave out --plan and the --keep-* rules';
  if (options.yes !== true && options.dryRun !== true) {
    const dryRun = pastedIdWord(options.lost, '', 'option value').fillIn === '' ? lostCommandLine(options, options.vault, '--dry-run') : '--dry-run';
    return (
      `--lost forgets backup ${shownLostId(options.lost)} from the ${options.vault} vault whatever its plan's retention keeps, once none of its snapshots reads in either vault: ` +
      `see each snapshot's state with ${dryRun}, then confirm with --yes`
    );
  }
  return undefined;
}

/** The --lost id as a line shows it: the CLI's escapes (escapeName), a long one cut as a record's text is. */
function shownLostId(backupId: string): string {
  return shownItemKeyPart(backupId, escapeName);
}

/**
 * Runs `lifeboat backups forget --lost` (forget-lost-backup.ts) in the vault `--vault` names, reading the other vault to
 * show each snapshot lost there too, and prints what it found and did. Exit 0 done (or a dry run, or forgotten before),
 * 1 refused or failed, 2 a usage error.
 */
export async function backupsForgetLost(options: ForgetLostOptions, io: CliIo, clients: AccessClients | undefined, now: Date): Promise<number> {
  const usage = usageOfLost(options);
  if (usage !== undefined) {
    io.err(`lifeboat backups forget: ${usage}`);
    return 2;
  }
  const dryRun = options.dryRun === true;
  try {
    const access = await environmentAccess(options, clients, { writes: dryRun ? [] : [options.vault], warn: io.err });
    const other: VaultSide = options.vault === 'primary' ? 'dr' : 'primary';
    const report = await forgetLostBackup(
      options.lost,
      { vault: options.vault, catalog: access.catalogIn(options.vault), openVault: () => access.openVault(options.vault), openOtherVault: () => access.openVault(other), now, targetOptions: targetOptionsLine(options) },
      { dryRun },
    );
    if (options.json) io.out(JSON.stringify(report, null, 2));
    else for (const line of forgetLostLines(report, options, report.dryRun ? undefined : await forgottenAtIn(access.catalogIn(other), options.lost))) io.out(line);
    return 0;
  } catch (err) {
    if (!(err instanceof LostBackupRefusedError)) io.err(`lifeboat backups forget: backup ${shownLostId(options.lost)} was not forgotten: ${err instanceof Error ? err.message : String(err)}`);
    else io.err(`lifeboat backups forget: ${err.message}`);
    return 1;
  }
}

/**
 * When the other vault's catalog marks the backup forgotten, so that the run that finishes the second vault does not
 * send the operator back to the first (review r58L F6); undefined when it does not, or cannot be read (the line then
 * names the command, which prints "nothing to do" there if it was).
 */
async function forgottenAtIn(catalog: Pick<ForgetCatalog, 'getBackup'>, backupId: string): Promise<string | undefined> {
  try {
    return (await catalog.getBackup(backupId))?.forgottenAt;
  } catch {
    return undefined;
  }
}

/**
 * What a `--lost` run found and did, in lines; the command lines carry the run's own target options. `otherForgottenAt`:
 * when the other vault's catalog marks the backup forgotten (then no line sends the operator there).
 */
export function forgetLostLines(report: ForgetLostReport, target: Pick<TargetOptions, 'env' | 'config' | 'dataDir' | 'aws'>, otherForgottenAt?: string): string[] {
  const { backupId, vault } = report;
  const other: VaultSide = vault === 'primary' ? 'dr' : 'primary';
  if (report.forgottenBefore !== undefined) return [`Backup ${shownLostId(backupId)} was forgotten from the ${vault} vault already (at ${parsedInstant(report.forgottenBefore) ?? 'a forgottenAt that is not a time'}): nothing to do.`];
  const states = report.snapshots.map((s) => `  snapshot ${s.snapshotId}: ${s.here} in the ${vault} vault, ${s.other} in the ${other} vault`);
  const there = report.snapshots.filter((s) => s.here === 'corrupt').length;
  if (report.dryRun) {
    return [
      `Backup ${shownLostId(backupId)}: none of its snapshots reads in either vault:`,
      ...states,
      `Dry run: would delete ${there} snapshot object(s) from the ${vault} vault and mark the backup forgotten in the ${vault} catalog; nothing was changed. ` +
        `To do it: ${lostCommandLine({ ...target, lost: backupId }, vault, '--yes')}`,
    ];
  }
  const marked = report.forgotten ? `marked it forgotten in the ${vault} catalog` : `found it marked forgotten in the ${vault} catalog by another run meanwhile`;
  const otherVault =
    otherForgottenAt !== undefined
      ? `It was forgotten from the ${other} vault already (at ${parsedInstant(otherForgottenAt) ?? 'a forgottenAt that is not a time'}); `
      : `Forget it from the ${other} vault too: ${lostCommandLine({ ...target, lost: backupId }, other, '--yes')}; `;
  return [
    `Backup ${shownLostId(backupId)}: none of its snapshots reads in either vault:`,
    ...states,
    `Forgot it from the ${vault} vault: deleted ${report.deletedObjects} snapshot object(s) and ${marked}. ` +
      otherVault +
      'once neither vault holds its snapshot objects, the next scrub of both vaults drops them from its record (docs/RUNBOOKS.md, "Retention").',
  ];
}

/**
 * The `--lost` command line in a code span, its id as pastedIdWord prints it: shellWord alone left an ESC raw for the
 * terminal and a backtick that closed the code span (review r65O F3); such an id is the placeholder, to fill in.
 */
function lostCommandLine(target: Pick<TargetOptions, 'env' | 'config' | 'dataDir' | 'aws'> & { lost: string }, vault: VaultSide, confirm: '--yes' | '--dry-run'): string {
  const id = pastedIdWord(target.lost, 'the id given to --lost', 'option value');
  return `\`lifeboat backups forget --lost ${id.word}${vault === 'dr' ? ' --vault dr' : ''} ${confirm}${targetOptionsLine(target)}\`${id.fillIn}`;
}
