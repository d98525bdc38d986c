import { type Vault } from '../../vault';
import { backupIdOfTags } from '../catalog/backup-snapshot-tags';
import { BACKUP_ID_PLACEHOLDER } from '../catalog/pasted-id-word';
import { shellWord } from '../runtime/shell-word';
import { type VaultSide } from '../runtime/runtime-config';

/**
 * Where a printed `lifeboat` line acts: the vault it reads (`verify --from`) and the run's target options, with a
 * leading space. A Lambda cannot tell AWS from the local cloud nor its environment's name as the operator types it, so
 * replication prints `--env <env> --aws`, as its other refusals do (DamagedPrimaryPackError); the scrub, its own.
 */
export type PrintedLineTarget = {
  readonly from: VaultSide;
  readonly commandOptions: string;
  /**
   * The target options of a catalog command's line (`lifeboat backups list`), without the vault's: it takes no
   * --vault-key, and the scrub's commandOptions carry it, so the line was refused pasted (review r62I F6). Required, so
   * no layer falls back on its own (the scrub resolves it once: ScrubVaultsOptions.holdCommandOptions).
   */
  readonly catalogCommandOptions: string;
};

/** How a Lambda's refusal ends its command lines: the operator fills in the environment. */
export const LAMBDA_LINE_TARGET: PrintedLineTarget = { from: 'primary', commandOptions: ' --env <env> --aws', catalogCommandOptions: ' --env <env> --aws' };

/**
 * The `lifeboat verify --backup` lines that tell whether the backups of the snapshots `ids` still restore, one per
 * backup their `backupId:` tags name (review r60C: a bare `lifeboat verify` is refused, as it requires `--backup`). A
 * snapshot that cannot be read or names no backup is left to `lifeboat backups list`, which names the backup of each.
 */
export async function verifyBackupsLine(source: Pick<Vault, 'loadSnapshot'>, ids: readonly string[], target: PrintedLineTarget): Promise<string> {
  const backups = new Set<string>();
  let unnamed = false;
  for (const id of ids) {
    let backupId: string | undefined;
    try {
      backupId = backupIdOfTags((await source.loadSnapshot(id)).tags);
    } catch {
      // The refusal names the snapshot all the same; which backup it is, the catalog says.
      backupId = undefined;
    }
    if (backupId === undefined) unnamed = true;
    else backups.add(backupId);
  }
  const from = target.from === 'dr' ? ' --from dr' : '';
  const lines = [...backups].map((backupId) => `\`lifeboat verify --backup ${shellWord(backupId)}${from}${target.commandOptions}\``);
  if (unnamed || lines.length === 0) {
    lines.push(`\`lifeboat verify --backup ${BACKUP_ID_PLACEHOLDER}${from}${target.commandOptions}\` for the backup \`lifeboat backups list${target.catalogCommandOptions}\` names for each snapshot`);
  }
  return `${lines.join(', ')} tell${lines.length === 1 ? 's' : ''} whether ${backups.size === 1 && !unnamed ? 'it' : 'each'} still restores`;
}
