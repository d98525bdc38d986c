import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pruneCommand } from '../../../cli/commands/prune-command';
import { scrubCommand } from '../../../cli/commands/scrub-command';
import { loadLifeboatConfig } from '../../../config/load-config';
import { PruneLog } from '../../../lambdas/catalog/prune-log';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { localDynamoDbClient } from '../../../local/cloud/local-cloud';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { fireSchedule } from '../../../local/scheduler/fire-schedule';
import { localTargetStarter } from '../../../local/scheduler/local-target-starter';
import { systemClock } from '../../../local/scheduler/scheduler-clock';
import { synthesizedSchedules } from '../../../local/scheduler/synthesized-schedules';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { capturedCliIo } from '../../support/captured-cli-io';

/**
 * A fresh deploy, before any backup: the prune schedules fire when they are created (a rate with no
 * StartDate fires at once), and neither vault exists yet (the first backup's Plan step creates the
 * primary, its replication the DR vault). Each scheduled prune must succeed with the note "nothing to
 * prune yet", not fail with VaultNotFoundError (an alarm right after every deploy) advising `lifeboat
 * vault init` on the workflow's own vault. `lifeboat prune` and `lifeboat scrub` say the same, exit 0.
 * docs/RUNBOOKS.md, "Prune".
 */
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);

let dataDir: string;
let local: LocalEnvironment;
let names: ReturnType<typeof resourceNames>;
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-fresh-prune-'));
  local = await openLocalEnvironment({ config, envName: 'dev', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
}, 180_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});


function pruneLogOf(region: string): PruneLog {
  const client = localDynamoDbClient(local.endpoints, region);
  clients.push(client);
  return new PruneLog(DynamoDBDocumentClient.from(client), names.catalogTable);
}

it.each([
  ['lifeboat-dev-prune', 'primary', /^nothing to prune yet: no backup has run \(the primary vault does not exist: s3:\/\/lifeboat-dev-vault-\S+ holds no vault \(no config object\)\)$/],
  ['lifeboat-dev-prune-dr', 'dr', /^nothing to prune yet: no backup has been copied to the DR vault yet \(it does not exist: s3:\/\/lifeboat-dev-\S+ holds no vault \(no config object\)\)$/],
] as const)(
  'the schedule %s fired on a fresh environment: SUCCEEDED with an empty report and the note, nothing recorded',
  async (name, vault, note) => {
    const schedule = synthesizedSchedules(local.stacks).find((s) => s.name === name);
    if (!schedule) throw new Error(`no schedule ${name}`);
    const firing = await fireSchedule(schedule, local.stacks, {
      scheduledTime: new Date(),
      clock: systemClock,
      startTarget: localTargetStarter({ dataDir: local.dataDir, endpoints: async () => local.endpoints, pool: local.lambdaPool(2), extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot } }),
    });
    const result = await firing.completion;
    expect({ status: result.status, error: result.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    const output = result.output as { vault: string; done: boolean; note: string; report: Record<string, unknown> };
    expect(output).toMatchObject({ vault, done: true, report: { dryRun: false, snapshots: 0, packsDeleted: 0, bytesFreed: 0, packsCondemned: 0, locked: [], lockedCount: 0 } });
    expect(output.note).toMatch(note);
    expect(output.note).not.toContain('vault init');
    // No vault was pruned: `lifeboat status` keeps saying "no prune yet".
    const region = vault === 'primary' ? local.environment.primaryRegion : local.environment.drRegion;
    expect(await pruneLogOf(region).latest(vault)).toBeUndefined();
  },
  180_000,
);

it('lifeboat prune and lifeboat scrub on the fresh environment: nothing to do yet, exit 0', async () => {
  const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: local.dataDir };
  const prune = capturedCliIo();
  expect(await pruneCommand({ ...target }, { io: prune.io })).toBe(0);
  expect(prune.err).toEqual([]);
  expect(prune.out).toEqual([expect.stringMatching(/^Nothing to prune yet: no backup has run \(the primary vault does not exist: s3:\/\/lifeboat-dev-vault-\S+ holds no vault \(no config object\)\)\.$/)]);

  const pruneDr = capturedCliIo();
  expect(await pruneCommand({ ...target, vault: 'dr', json: true }, { io: pruneDr.io })).toBe(0);
  expect(JSON.parse(pruneDr.out.join('\n'))).toMatchObject({ vault: 'dr', snapshots: 0, bytesFreed: 0, note: expect.stringMatching(/^nothing to prune yet: no backup has been copied to the DR vault yet/) });

  const scrub = capturedCliIo();
  expect(await scrubCommand({ ...target }, { io: scrub.io })).toBe(0);
  expect(scrub.err).toEqual([]);
  expect(scrub.out).toEqual([expect.stringMatching(/^Nothing to scrub yet: the primary vault does not exist, so no backup has run \(s3:\/\/lifeboat-dev-vault-\S+ holds no vault \(no config object\)\)\.$/)]);
  expect(`${prune.out.join('\n')}${pruneDr.out.join('\n')}${scrub.out.join('\n')}`).not.toContain('vault init');
}, 180_000);
