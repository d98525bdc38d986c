import Table from 'cli-table3';
import { type Command } from 'commander';
import { type CatalogRebuildReport, rebuildCatalog, type VaultSide } from '../../lambdas/catalog/catalog-rebuild';
import { snapshotPresence } from '../../lambdas/catalog/snapshot-presence';
import { describeUnreadableSnapshot } from '../../vault';
import { type CliIo, processIo } from '../cli-io';
import { type AccessClients, environmentAccess, type TargetOptions, withTargetOptions } from '../environment-access';

/**
 * `lifeboat catalog rebuild --vault primary|dr`: the catalog's records of committed backups, rebuilt
 * from a vault's snapshots (lambdas/catalog/catalog-rebuild.ts; docs/RUNBOOKS.md, "Catalog
 * rebuild"). Exit codes: 0 every backup in the vault is in the catalog; 3 done, but something was
 * left out (a backup skipped, a snapshot unreadable, a catalog record whose snapshot the vault
 * lacks), each named; 1 failed; 2 the command line is wrong.
 */
export type CatalogRebuildOptions = TargetOptions & { vault: string; json?: boolean };
export type CatalogCommandDeps = { io: CliIo; clients?: AccessClients };
const defaultDeps: CatalogCommandDeps = { io: processIo };

export const EXIT_LEFT_OUT = 3;

export async function catalogRebuildCommand(options: CatalogRebuildOptions, deps: Partial<CatalogCommandDeps> = {}): Promise<number> {
  const { io, clients } = { ...defaultDeps, ...deps };
  if (options.vault !== 'primary' && options.vault !== 'dr') {
    io.err(`lifeboat catalog rebuild: --vault must be primary or dr, got ${options.vault}`);
    return 2;
  }
  const side: VaultSide = options.vault;
  try {
    const access = await environmentAccess(options, clients);
    const vault = await access.openVault(side);
    let drHolds: ((snapshotId: string) => Promise<boolean>) | null = null;
    if (side === 'primary') {
      try {
        const dr = await access.openVault('dr');
        const presence = await snapshotPresence(dr.store);
        if (presence.problem !== undefined) io.err(`note: ${presence.problem}; rebuilt records leave their DR copy status out`);
        drHolds = presence.holds;
      } catch (err) {
        // A rebuild during a DR-region outage still restores the primary's records; only the DR copy status is unknown.
        io.err(`note: the DR vault cannot be opened (${err instanceof Error ? err.message : String(err)}); rebuilt records leave their DR copy status out`);
      }
    }
    const report = await rebuildCatalog({
      vault,
      side,
      catalog: access.catalog,
      environment: access.environment.name,
      plans: access.environment.plans.map((p) => p.name),
      drHolds,
    });
    if (options.json) io.out(JSON.stringify(report, null, 2));
    else printRebuildReport(report, io);
    const leftOut = report.backups.some((b) => b.outcome === 'skipped') || report.unreadableSnapshots.length > 0 || report.missingFromVault.length > 0;
    return leftOut ? EXIT_LEFT_OUT : 0;
  } catch (err) {
    io.err(`lifeboat catalog rebuild: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/** The report for a reader: counts, one row per backup with its notes, then what needs attention on stderr. */
export function printRebuildReport(report: CatalogRebuildReport, io: CliIo): void {
  const count = (outcome: string): number => report.backups.filter((b) => b.outcome === outcome).length;
  io.out(
    `Catalog rebuilt from the ${report.vault} vault: ${report.snapshots} snapshots, ${report.backups.length} backups — ` +
      `${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged, ${count('kept')} kept, ${count('skipped')} skipped.`,
  );
  if (report.backups.length > 0) {
    const table = new Table({ head: ['BACKUP', 'PLAN', 'RESULT', 'NOTES'], style: { head: [], border: [] }, wordWrap: true, colWidths: [null, null, null, 70] });
    for (const b of report.backups) {
      const notes = [b.note, ...(b.derived ?? []).map((d) => `derived: ${d}`), ...(b.unrecovered ?? []).map((u) => `not recovered: ${u}`)].filter(Boolean).join('\n');
      table.push([b.backupId, b.plan ?? '?', b.outcome, notes]);
    }
    io.out(table.toString());
  }
  const dr = { 'this-vault-is-dr': 'DR copies: COMMITTED (rebuilt from the DR vault).', 'checked-in-dr-vault': 'DR copies: checked in the DR vault (COMMITTED when it holds every snapshot, else PENDING).', unknown: 'DR copies: unknown (the DR vault was not reached); the next backup\'s replication records them.' };
  io.out(dr[report.drCopies]);
  if (report.untaggedSnapshots > 0) io.out(`${report.untaggedSnapshots} snapshot(s) without a backupId tag (not written by the backup workflow) were ignored.`);
  for (const u of report.unreadableSnapshots) io.err(describeUnreadableSnapshot(u));
  for (const m of report.missingFromVault) {
    io.err(
      `backup ${m.backupId} (plan ${m.plan}) is in the catalog but the ${report.vault} vault lacks its snapshot of ${m.sources.map((s) => `${s.source} (${s.snapshotId.slice(0, 12)})`).join(', ')}; ` +
        `the record is left as it is: check it with \`lifeboat verify --backup ${m.backupId}${report.vault === 'dr' ? '' : ' --from dr'}\` and restore from the other vault.`,
    );
  }
}

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('the backup catalog table');
  withTargetOptions(catalog.command('rebuild').description('rebuild the catalog records of every committed backup from a vault\'s snapshots (idempotent; never downgrades a record)'))
    .requiredOption('--vault <vault>', 'the vault to rebuild from: primary or dr')
    .option('--vault-key <key>', 'with --aws: the primary vault KMS key (ARN, id or alias); default: alias/lifeboat-<env>-vault')
    .action(async (opts: CatalogRebuildOptions) => {
      process.exitCode = await catalogRebuildCommand(opts);
    });
}
