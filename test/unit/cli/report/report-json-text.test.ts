import { reportCommand } from '../../../../cli/commands/report-command';
import { type ReportSources } from '../../../../cli/report/environment-report';
import { findEnvironment, loadLifeboatConfig } from '../../../../config/load-config';
import { capturedCliIo } from '../../../support/captured-cli-io';
import { REPORT_BACKUPS, REPORT_DRILLS, REPORT_NOW } from '../../../support/report-records';
import { SAMPLE_CONFIG_FILE } from '../../../support/repo-root';

/**
 * `lifeboat report --json` as a terminal shows it (review r63G F3): a record's own text is any string, and the
 * characters JSON.stringify leaves raw (C1 controls, U+009B being CSI; U+2028; bidi overrides) are written as \uXXXX,
 * as `lifeboat status --json` writes them, so a damaged or forged record drives no terminal and a JSON reader reads
 * back the same text.
 */

const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const options = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', json: true };

it("--json escapes a record's C1 controls, U+2028 and bidi overrides as \\uXXXX, and reads back as the record's text", async () => {
  const forgedId = 'x\u009b31m\u0085\u2028\u202eFAKE';
  const forged = { ...REPORT_BACKUPS[0]!, backupId: forgedId, startedAt: '2030-01-01T00:00:00.000Z', endedAt: '2030-01-01T01:00:00.000Z' };
  const sources: ReportSources = { environment, listBackupsOfPlan: async () => [...REPORT_BACKUPS, forged], listDrills: async () => REPORT_DRILLS };
  const { out, io } = capturedCliIo();
  await reportCommand(options, { io, sources, now: () => REPORT_NOW });
  const printed = out.join('\n');
  for (const raw of ['\u009b', '\u0085', '\u2028', '\u202e']) expect(printed).not.toContain(raw);
  expect(printed).toContain('x\\u009b31m\\u0085\\u2028\\u202eFAKE');
  expect((JSON.parse(printed) as { plans: Array<{ inFuture: Array<{ backupId: string }> }> }).plans[0]?.inFuture).toEqual([expect.objectContaining({ backupId: forgedId })]);
});
