import { mkdirSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CLI_CLIENT_TIMEOUTS, type ClientTimeouts } from '../../../cli/client-timeouts';
import { approvalsListCommand, approveCommand } from '../../../cli/commands/approval-commands';
import { backupsListCommand } from '../../../cli/commands/backup-commands';
import { statusCommand } from '../../../cli/commands/status-command';
import { environmentAccess, markerGlanceTimeouts } from '../../../cli/environment-access';
import { type EnvironmentStatus } from '../../../cli/status/environment-status';
import { loadLifeboatConfig } from '../../../config/load-config';
import { ApprovalLog } from '../../../lambdas/approval/approval-log';
import { type ApprovalRecord } from '../../../lambdas/approval/approval-record';
import { findApproval, type TaskResponder } from '../../../lambdas/approval/decide-approval';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { CATALOG_FORMAT } from '../../../lambdas/catalog/catalog-format';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { createCatalogShapedTable } from '../../../local/cloud';
import { readCloudState } from '../../../local/cloud/cloud-state';
import { type LocalCloudHandle, localDynamoDbClient, startLocalCloud, stopLocalCloud } from '../../../local/cloud/local-cloud';
import { capturedCliIo } from '../../support/captured-cli-io';
import { DR, PRIMARY, tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Audit R43 F1: the primary region's DynamoDB endpoint takes every connection and never answers (a hung front
 * end, not a refused connection), while the DR catalog answers. The CLI's own clients (client-timeouts.ts) give
 * up on it, so `approve`, `approvals list`, `backups list` and `status` go on with the DR catalog instead of
 * waiting forever. On the local cloud, as the CLI finds it: a data directory whose cloud.json names, for the
 * primary region's DynamoDB, a loopback server that accepts and stays silent. The timeouts are the test's short ones.
 */

const tmp = tempDir('silent-primary');
const dataDir = join(tmp.dir, 'data');
/** The same running cloud, announced with the primary region's DynamoDB at the silent server. */
const silentDataDir = join(tmp.dir, 'silent');
const environment = loadLifeboatConfig(SAMPLE_CONFIG_FILE).environments[0];
if (!environment) throw new Error('the sample config has no environment');
const names = resourceNames(environment);
const timeouts: ClientTimeouts = { connectionTimeoutMs: 500, requestTimeoutMs: 500, requestMaxAttempts: 2, transferIdleTimeoutMs: 500 };
const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: silentDataDir };
const BACKUP = '20261205T060000Z-00000001';
const EXECUTION = '20261205T070000Z-c73d0418';

let cloud: LocalCloudHandle;
let silent: net.Server;
const held: net.Socket[] = [];
const clients: DynamoDBClient[] = [];

const drDocuments = (): DynamoDBDocumentClient => {
  const ddb = localDynamoDbClient(cloud.endpoints, DR);
  clients.push(ddb);
  return DynamoDBDocumentClient.from(ddb);
};

const failover: ApprovalRecord = {
  execution: EXECUTION,
  executionArn: `arn:aws:states:${DR}:000000000000:execution:lifeboat-dev-failover:${EXECUTION}`,
  stateMachine: 'lifeboat-dev-failover',
  kind: 'failover',
  status: 'PENDING',
  requestedBy: 'alice',
  requestedAt: '2026-12-05T07:00:00.000Z',
  expiresAt: '2099-12-05T19:00:00.000Z',
  request: { plan: 'demo' },
  taskToken: 'token-1',
};

beforeAll(async () => {
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  for (const region of [PRIMARY, DR]) {
    const ddb = localDynamoDbClient(cloud.endpoints, region);
    clients.push(ddb);
    await createCatalogShapedTable(ddb, names.catalogTable, { byPlan: true });
  }
  // The DR catalog: a replicated backup of plan demo, and a failover waiting for approval.
  const drCatalog = new BackupCatalog(drDocuments(), names.catalogTable);
  await drCatalog.createBackup({ backupId: BACKUP, plan: 'demo', environment: 'dev', sourceNames: ['demo-files'], sources: [], strategy: 'full', status: 'RUNNING', startedAt: '2026-12-05T06:00:00.000Z', shardCount: 1 });
  await drCatalog.markCommitted(BACKUP, { sources: [], totals: { entries: 1, bytes: 6, bytesScanned: 6, bytesNew: 6, bytesStored: 40, blobsNew: 1 }, endedAt: '2026-12-05T06:01:00.000Z' });
  await new ApprovalLog(drDocuments(), names.catalogTable).request(failover);

  silent = net.createServer((socket) => {
    held.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const state = readCloudState(dataDir);
  if (!state) throw new Error('the local cloud wrote no cloud.json');
  const silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  mkdirSync(silentDataDir, { recursive: true });
  writeFileSync(join(silentDataDir, 'cloud.json'), JSON.stringify({ ...state, endpoints: { ...state.endpoints, dynamodb: { ...state.endpoints.dynamodb, [PRIMARY]: silentUrl } } }), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  held.forEach((s) => s.destroy());
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(dataDir);
  tmp.remove();
});

it('the silent endpoint is asked, and holds the connections it is given', async () => {
  const access = await environmentAccess(target, { timeouts });
  await expect(access.catalogIn('primary').getBackup(BACKUP)).rejects.toThrow(/requestTimeout/);
  expect(held.length).toBeGreaterThan(0);
});

// Review rM2 F4: a DR-only write (forget/prune --vault dr, catalog rebuild --region dr) glances at the primary's
// format marker with one attempt (a 3-s request timeout, markerGlanceTimeouts), not the catalog client's two, then goes
// on. Silence is a region down, the expected answer in that runbook: no warning (review rX F-a warns of faults only).
it('a write of the DR catalog asks the silent primary for its format marker once, then is admitted and marks the DR catalog', async () => {
  const before = held.length;
  const warnings: string[] = [];
  await environmentAccess(target, { timeouts }, { writes: ['dr'], warn: (w) => warnings.push(w) });
  expect(held.length - before).toBe(1);
  expect(warnings).toEqual([]);
  expect(await new BackupCatalog(drDocuments(), names.catalogTable).formatMarker().read()).toBe(CATALOG_FORMAT);
  expect(markerGlanceTimeouts(CLI_CLIENT_TIMEOUTS)).toEqual({ ...CLI_CLIENT_TIMEOUTS, requestTimeoutMs: 3_000, requestMaxAttempts: 1 });
});

it('`approvals list` gives up on the primary catalog and lists the failover waiting in the DR catalog', async () => {
  const shown = capturedCliIo();
  expect(await approvalsListCommand({ ...target, json: true }, { io: shown.io, clients: { timeouts } })).toBe(1);
  const { taskToken: _hidden, ...listed } = failover;
  expect(JSON.parse(shown.out.join('\n'))).toEqual([{ ...listed, region: 'dr' }]);
  expect(shown.err).toEqual([expect.stringMatching(/^lifeboat approvals: the primary region's catalog could not be read \(.*requestTimeout.*\): the list above holds only the other region's approvals$/)]);
});

it('`approve` finds the failover in the DR catalog once the primary\'s client gives up (with --region dr, without asking the primary), and answers it there', async () => {
  const access = await environmentAccess(target, { timeouts });
  expect(await findApproval({ primary: access.approvalsIn('primary'), dr: access.approvalsIn('dr') }, EXECUTION)).toEqual({ region: 'dr', record: failover });
  expect(await findApproval({ primary: access.approvalsIn('primary'), dr: access.approvalsIn('dr') }, EXECUTION, 'dr')).toEqual({ region: 'dr', record: failover });

  const sent: { region: string; token: string }[] = [];
  const responder: TaskResponder = { success: async (region, token) => void sent.push({ region, token }), failure: () => Promise.reject(new Error('not a rejection')) };
  const shown = capturedCliIo();
  expect(await approveCommand(EXECUTION, target, { io: shown.io, clients: { timeouts }, responder, caller: async () => 'bob' })).toBe(0);
  expect(shown.out).toEqual([`Approved: failover ${EXECUTION} in the DR region us-west-2, runbook lifeboat-dev-failover (decided by bob).`]);
  expect(sent).toEqual([{ region: 'dr', token: 'token-1' }]);
  expect(await new ApprovalLog(drDocuments(), names.catalogTable).get(EXECUTION)).toMatchObject({ status: 'APPROVED', decidedBy: 'bob' });
});

it('`backups list` gives up on the primary catalog and lists the DR catalog, saying so', async () => {
  const shown = capturedCliIo();
  expect(await backupsListCommand({ ...target, json: true }, { io: shown.io, clients: { timeouts } })).toBe(1);
  expect((JSON.parse(shown.out.join('\n')) as { backupId: string }[]).map((r) => r.backupId)).toEqual([BACKUP]);
  expect(shown.err).toEqual([expect.stringMatching(new RegExp(`^lifeboat backups list: the primary catalog \\(${PRIMARY}\\) could not be read: .*requestTimeout.*\\. Listed instead: the DR catalog \\(${DR}\\)`))]);
});

it('`status` gives up on the primary catalog and shows the plan from the DR catalog', async () => {
  const shown = capturedCliIo();
  expect(await statusCommand({ ...target, json: true }, { io: shown.io, clients: { timeouts } })).toBe(1);
  const status = JSON.parse(shown.out.join('\n')) as EnvironmentStatus;
  expect(status.plans.map((p) => [p.plan, 'catalog' in p ? p.catalog : 'unreadable'])).toEqual([['demo', 'dr']]);
  expect(status.problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(new RegExp(`^the primary catalog \\(${PRIMARY}\\) could not be read, its drills are not counted: .*requestTimeout`)),
      expect.stringMatching(new RegExp(`^demo: backups read from the DR catalog \\(${DR}\\), what the DR vault can restore; the primary catalog \\(${PRIMARY}\\) could not be read: .*requestTimeout`)),
    ]),
  );
});
