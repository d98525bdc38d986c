import { catalogRebuildCommandLine } from '../catalog/catalog-rebuild-command-line';
import { type FailoverRanIn } from './failover-incomplete';

/**
 * What a failover says when the DR catalog holds no backup of the plan: with the primary region down, a lost or
 * emptied DR catalog looks the same as a backup never replicated, and waiting for Replicate is then impossible (audit
 * a59A F1). Not said when it holds any: that one lacks the backup asked for is its replication, not its loss (review
 * r60E F3); unless the backup asked for is older than all it holds, as in a catalog recreated empty long ago (review
 * r60J F3). The function may not list the DR vault, so the hint is conditional: if the vault
 * holds backups, the catalog is rebuilt from it. The command names the function's environment and, in AWS, --aws,
 * since a bare one pasted acts on env dev in the local cloud; the operator's --data-dir the function cannot know.
 * `olderThan`: the start of the oldest record the catalog holds of the plan, for an `at` before it. The DR catalog holds
 * committed backups only, so a sound one holds none before the plan's first replicated backup (a young plan, a date
 * typed wrong): only backups the vault holds from before then say it lost them (review r61G F1).
 */
export function drCatalogLostHint(ranIn: FailoverRanIn | undefined, olderThan?: string): string {
  const command = ranIn
    ? catalogRebuildCommandLine({ vault: 'dr', region: 'dr', environment: ranIn.environment, aws: !ranIn.localCloud })
    : 'lifeboat catalog rebuild --vault dr --region dr --env <env> [--aws]';
  const dataDir = ranIn?.localCloud === true ? ' (and --data-dir <dir> for a local cloud not in .lifeboat)' : '';
  const lost =
    olderThan === undefined
      ? 'if the DR vault holds backups, the DR catalog may have been lost'
      : `if the DR vault holds backups of the plan started before ${olderThan}, the DR catalog may have lost them`;
  return `${lost}: rebuild it from the DR vault with \`${command}\`${dataDir}, then start the failover again`;
}
