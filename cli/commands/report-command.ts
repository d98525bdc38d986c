import { writeFileSync } from 'node:fs';
import { type Command } from 'commander';
import { type CliIo, processIo } from '../cli-io';
import { drillAccess, type DrillAccessClients } from '../drills/drill-access';
import { type AccessClients, environmentAccess, type TargetOptions, withTargetOptions } from '../environment-access';
import { environmentReport, type ReportSources } from '../report/environment-report';
import { reportHtml } from '../report/report-html';
import { environmentStatus } from '../status/environment-status';
import { printedOptionsOf } from '../status/printed-command-options';
import { mirrorLines, pruneLines } from '../status/status-screen';
import { statusSources } from '../status/status-sources';
import { targetOptionsLine } from '../target-options-line';
import { InvalidInputError } from '../../lambdas/runtime/errors';
import { unseenJsonEscaped } from '../../lambdas/runtime/quoted-service-words';

/**
 * `lifeboat report --html FILE [--plan P]`: a self-contained HTML page of charts over time from the
 * catalogs (docs/RUNBOOKS.md, "Report"); `--json` prints the charts' data instead of (or besides) the page.
 * With the primary catalog unreadable (its region down), a plan's backups are drawn from the DR catalog
 * and the page says so. Exit 0 written, 1 the page was written without all it draws (backups from the DR
 * catalog, the primary's unread; a region's drills, or the mirrors' and prunes' state, unread: its problems),
 * or a catalog or the file could not be read or written.
 */
export type ReportCommandOptions = TargetOptions & { html?: string; json?: boolean; plan?: string };
export type ReportCommandDeps = { io: CliIo; sources?: ReportSources; clients?: AccessClients & { drills?: DrillAccessClients }; now?: () => Date };

async function reportSources(options: TargetOptions, clients: ReportCommandDeps['clients'] = {}): Promise<ReportSources> {
  // The page only reads: in an outage with --stack, it may read an older lifeboat's copy as status does (review r62D).
  const access = await environmentAccess(options, clients, { readOnly: true });
  // The environment read once: with --stack in an outage each read says its line on the copy used.
  const drills = await drillAccess(options, clients.drills, { readOnly: true, environment: access.environment });
  return {
    environment: access.environment,
    commandOptions: targetOptionsLine(options),
    listBackupsOfPlan: (plan, catalog) => access.catalogIn(catalog).listBackupsOfPlan(plan),
    listDrills: (side) => drills.drillLog(side).list(),
    // The view model of `lifeboat status`, so the page and the command say the same of each mirror and prune.
    latestState: async (now) => {
      const printed = printedOptionsOf(options);
      const status = await environmentStatus(await statusSources(options, clients, { environment: access.environment }), now, printed);
      // status reads on past what it cannot read and lists it in its problems: the page's mirror and prune lines
      // say "unknown" for those, and the report lists why (review r5).
      // The prune lines' commands with the report's own target options (review r58A F3).
      return { mirrors: mirrorLines(status), prunes: pruneLines(status, printed), unread: status.unreadMirrorsAndPrunes };
    },
  };
}

export async function reportCommand(options: ReportCommandOptions, deps: Partial<ReportCommandDeps> = {}): Promise<number> {
  const io = deps.io ?? processIo;
  try {
    if (!options.html && !options.json) throw new InvalidInputError('--html FILE: name the page to write (or --json for the data only)');
    const sources = deps.sources ?? (await reportSources(options, deps.clients));
    const data = await environmentReport(sources, (deps.now ?? (() => new Date()))(), options.plan);
    // A record's own text (a backup id, an error) is any string: JSON.stringify leaves its C1 (CSI), U+2028 and bidi
    // characters raw, which drive a terminal showing the JSON; as \uXXXX a JSON reader reads back the same text (r63G F3).
    if (options.json) io.out(unseenJsonEscaped(JSON.stringify(data, null, 2)));
    if (options.html) {
      writeFileSync(options.html, reportHtml(data));
      const points = data.plans.reduce((n, p) => n + p.bytes.t.length, 0);
      (options.json ? io.err : io.out)(`wrote ${options.html}: ${data.plans.length} plan(s), ${points} backup(s), 5 charts per plan${data.problems.length ? `; ${data.problems.length} problem(s) listed on the page` : ''}`);
    }
    for (const problem of data.problems) io.err(`! ${problem}`);
    // As `lifeboat status` and `drills list` do: a page drawn from the DR catalog's backups, or missing what could not be
    // read (a region's drills, say: with drill.vault dr every drill is the DR catalog's), is not the environment's whole
    // picture, and a scheduled report must not read as a success then. The page is written all the same.
    return data.backupsFromDr || data.problems.length > 0 ? 1 : 0;
  } catch (err) {
    io.err(`lifeboat report: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

export function registerReportCommand(program: Command): void {
  withTargetOptions(
    program
      .command('report')
      .description('a self-contained HTML page of charts over time: logical vs stored bytes, dedup ratio, backup durations, RPO compliance, drill RTO against the objective')
      .option('--html <file>', 'write the page to this file')
      .option('--plan <name>', 'only this plan'),
  )
    // It opens no vault: the key is for the prune lines it shows, which do (review r58A F6).
    .option('--vault-key <key>', 'with --aws: the primary vault KMS key (ARN, id or alias) the `lifeboat scrub` and `lifeboat prune` lines it shows name; default: alias/lifeboat-<env>-vault')
    .action(async (opts: ReportCommandOptions) => {
      process.exitCode = await reportCommand(opts);
    });
}
