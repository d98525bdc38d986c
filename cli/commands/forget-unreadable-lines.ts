import { shownCatalogName } from '../../lambdas/catalog/shown-catalog-name';
import { catalogItemDeleteCommand, INVALID_ITEM_LINES } from '../../lambdas/catalog/catalog-item-delete-command';
import { shownItemKey, shownItemName } from '../../lambdas/catalog/shown-item-key';
import { type PlanForgetReport } from '../../lambdas/retention/forget-backups';
import { type VaultSide } from '../../lambdas/runtime/runtime-config';
import { shellWord } from '../../lambdas/runtime/shell-word';

/**
 * The commands the advice names, with the target options of the forget that printed it. No `doctor` when the forget
 * named its environment by --stack: the doctor refuses --stack (it checks a config file's environment), so the line
 * would fail pasted (review r62I F1); stderr's lines are then where each record is named, and each record the report
 * names gets its delete under it (review r62O F3: "delete it" named no command) in `catalogRegion`, the region of the
 * forget's catalog (none without it: a `<its region>` pasted is a redirect). --stack is AWS only: an `aws` delete, with
 * `--profile <catalogProfile>` for a DR catalog the forget read with --dr-profile (another account: without it the
 * delete went to the default profile's account, review r62R F3).
 */
export type UnreadableRecordCommands = { readonly doctor?: string; readonly rebuild: string; readonly catalogRegion?: string; readonly catalogProfile?: string };

/**
 * What `lifeboat backups forget` prints of a plan's records it could not read (PlanForgetReport.unreadable): the run
 * neither decided on nor forgot them, and without these lines the only trace was a JSON line on stderr, so an operator
 * applying retention was not told that some backups were not considered (f62Q). Each key is shown escaped, its pk and
 * sk each cut at 40 (shownItemKey): a damaged key is any string, a newline or ESC in it would forge report lines, and
 * cut at 200 a pk spelled another record's delete right above the real `delete:` line (review r63K F1). The advice uses
 * the doctor's words (cli/doctor/catalog-plan-checks.ts), whose report has the why and the delete command of each.
 */
export function unreadableRecordLines(plan: Pick<PlanForgetReport, 'plan' | 'unreadable'>, vault: VaultSide, commands: UnreadableRecordCommands): string[] {
  const unreadable = plan.unreadable ?? [];
  if (unreadable.length === 0) return [];
  // Named one by one as many as the doctor names (INVALID_ITEM_LINES), so the count and the words never drift; the rest counted.
  const more = unreadable.length - INVALID_ITEM_LINES;
  const them = unreadable.length === 1 ? 'it' : 'them';
  return [
    `  not read: ${unreadable.length} backup record(s) of plan ${shownCatalogName(plan.plan)} could not be read (an older or newer version's, or damaged), so this run neither decided on nor forgot ${them}:`,
    ...unreadable.slice(0, INVALID_ITEM_LINES).flatMap((u) => [`    ${u.catalogItem !== undefined ? shownItemKey(u.catalogItem.key) : shownItemName(u.item)}`, ...deleteLine(u, commands)]),
    ...(more > 0 ? [`    and ${more} more (stderr names each)`] : []),
    `  ${whereNamed(commands, vault)}. Correct the item, or delete it and run \`${commands.rebuild}\` ` +
      `to write it again from the ${vault === 'dr' ? 'DR ' : ''}vault; or upgrade Lifeboat if a newer version wrote ${them}.`,
  ];
}

/**
 * Where the operator finds each record with why: the doctor's report, or (no doctor line) stderr's lines of this run.
 * The doctor names the first INVALID_ITEM_LINES of a catalog and counts the rest, and it does not read a DR catalog in
 * another account (drAccount): "names each" was untrue there (review r62I F7), so stderr's lines are named for the rest.
 */
function whereNamed({ doctor, catalogRegion }: UnreadableRecordCommands, vault: VaultSide): string {
  const stderr = `stderr's lines ("passed over: …") give each key`;
  if (doctor === undefined && catalogRegion !== undefined) return `${stderr} with why; the \`delete:\` line under each record named above deletes it (the doctor, which names those commands, does not take --stack)`;
  if (doctor === undefined) return `${stderr} with why (the doctor, which names the command that deletes each, does not take --stack)`;
  const drAccount = vault === 'dr' ? ' (none of a DR catalog in another account, drAccount: it does not read there)' : '';
  return `\`${doctor}\` names the first ${INVALID_ITEM_LINES} with why and the command that deletes each${drAccount}; for the rest, ${stderr}`;
}

/** Under a named record when there is no doctor line to name its delete: the conditioned delete of its catalog item. */
function deleteLine(record: NonNullable<PlanForgetReport['unreadable']>[number], commands: UnreadableRecordCommands): string[] {
  if (commands.doctor !== undefined || commands.catalogRegion === undefined || record.catalogItem === undefined) return [];
  const awsCli = commands.catalogProfile !== undefined ? `aws --profile ${shellWord(commands.catalogProfile)}` : 'aws';
  return [`      delete: \`${catalogItemDeleteCommand({ region: commands.catalogRegion, ...record.catalogItem }, awsCli)}\``];
}
