import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { reportCommand } from '../../../../cli/commands/report-command';
import { type ReportSources } from '../../../../cli/report/environment-report';
import { findEnvironment, loadLifeboatConfig } from '../../../../config/load-config';
import { capturedCliIo } from '../../../support/captured-cli-io';
import { tempDir } from '../../../support/local-cloud-helpers';
import { REPORT_BACKUPS, REPORT_DRILLS, REPORT_NOW } from '../../../support/report-records';
import { SAMPLE_CONFIG_FILE } from '../../../support/repo-root';

/**
 * `lifeboat report`'s exit code as a scheduled job reads it (audit a2 #2): 1 whenever the page lacks something that
 * could not be read (here the DR region's drills, where the default drill.vault dr keeps every drill), the page and
 * the data written all the same; 0 only when everything was read.
 */

const tmp = tempDir('report-exit-code');
afterAll(() => tmp.remove());
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const options = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused' };
const readable: ReportSources = { environment, listBackupsOfPlan: async () => REPORT_BACKUPS, listDrills: async () => REPORT_DRILLS };
const drDrillsDown: ReportSources = { ...readable, listDrills: async (side) => (side === 'dr' ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:44193')) : REPORT_DRILLS) };

it('exits 1 when a region\'s drills could not be read, after printing the data with the problem and writing the page', async () => {
  const html = path.join(tmp.dir, 'dr-drills-down.html');
  const { out, err, io } = capturedCliIo();
  expect(await reportCommand({ ...options, json: true, html }, { io, sources: drDrillsDown, now: () => REPORT_NOW })).toBe(1);
  const problem = "the dr region's drills could not be read and are not drawn: connect ECONNREFUSED 127.0.0.1:44193";
  expect(JSON.parse(out.join('\n'))).toMatchObject({ environment: 'dev', problems: [problem] });
  expect(err).toEqual([`wrote ${html}: 1 plan(s), ${REPORT_BACKUPS.filter((b) => b.status === 'COMMITTED').length} backup(s), 5 charts per plan; 1 problem(s) listed on the page`, `! ${problem}`]);
  expect(existsSync(html)).toBe(true);
});

it('exits 0 when everything was read', async () => {
  const { out, err, io } = capturedCliIo();
  expect(await reportCommand({ ...options, json: true }, { io, sources: readable, now: () => REPORT_NOW })).toBe(0);
  expect(JSON.parse(out.join('\n'))).toMatchObject({ environment: 'dev', problems: [] });
  expect(err).toEqual([]);
});

it('exits 1 when the mirrors\' or prunes\' state could not be read, listing why (review r5)', async () => {
  const unread = "the primary vault's prune runs (us-east-1) could not be read: PRUNE#primary: status: Invalid option";
  const sources: ReportSources = { ...readable, latestState: async () => ({ mirrors: [], prunes: ['Prune of the primary vault (us-east-1): unknown (below)'], unread: [unread] }) };
  const { out, err, io } = capturedCliIo();
  expect(await reportCommand({ ...options, json: true }, { io, sources, now: () => REPORT_NOW })).toBe(1);
  expect(JSON.parse(out.join('\n'))).toMatchObject({ problems: [unread], latest: { mirrors: [], prunes: ['Prune of the primary vault (us-east-1): unknown (below)'] } });
  expect(JSON.parse(out.join('\n'))).not.toHaveProperty('latest.unread');
  expect(err).toEqual([`! ${unread}`]);
});
