import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backupsListCommand } from '../../../cli/commands/backup-commands';
import { loadLifeboatConfig } from '../../../config/load-config';
import { MirrorLog } from '../../../lambdas/mirror/mirror-log';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { createCatalogShapedTable } from '../../../local/cloud';
import { type LocalCloudHandle, localDynamoDbClient, startLocalCloud, stopLocalCloud } from '../../../local/cloud/local-cloud';
import { capturedCliIo } from '../../support/captured-cli-io';
import { DR, PRIMARY, tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat backups list` with a mirrored file system (audit R40 F1): the mirror check records EFS's
 * replication state as `MIRROR#<source>` in the DR catalog, and the list reads it as it reads the
 * other sources' checks, so a replication in ERROR shows FAILED ✗ with the reasons, not N/A. On the
 * local cloud, both regions' catalog tables; the record written as the check writes it.
 */

const tmp = tempDir('backups-list-file-mirror');
const dataDir = join(tmp.dir, 'data');
const configFile = join(tmp.dir, 'lifeboat.config.json');
const clients: DynamoDBClient[] = [];
let cloud: LocalCloudHandle;

const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const [dev] = config.environments;
if (!dev) throw new Error('the sample config has no environment');
const files = dev.plans[0]?.sources.find((s) => s.type === 'filesystem');
if (!files) throw new Error('the sample config has no file-system source');
const names = resourceNames(dev);

const commandClients = () => {
  const [dynamodb, drDynamodb] = [localDynamoDbClient(cloud.endpoints, PRIMARY), localDynamoDbClient(cloud.endpoints, DR)];
  clients.push(dynamodb, drDynamodb);
  return { dynamodb, drDynamodb };
};

beforeAll(async () => {
  // The sample environment with its file-system source mirrored (EFS replication into the DR region), at an RPO of a day.
  const plans = dev.plans.map((p) => ({ ...p, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: p.sources.map((s) => (s.name === files.name ? { ...s, mirror: true } : s)) }));
  writeFileSync(configFile, JSON.stringify({ environments: [{ ...dev, plans }] }, null, 2));
  cloud = await startLocalCloud({ dataDir, regions: [PRIMARY, DR], exitWithParent: true });
  for (const region of [PRIMARY, DR]) {
    const ddb = localDynamoDbClient(cloud.endpoints, region);
    clients.push(ddb);
    await createCatalogShapedTable(ddb, names.catalogTable, { byPlan: true });
  }
  await new MirrorLog(DynamoDBDocumentClient.from(clients[1] as DynamoDBClient), names.catalogTable).record({
    environment: 'dev', source: files.name, plan: 'demo', type: 'filesystem', mirror: 'efs fs-0dr (us-west-2, replica of fs-0src)', checkedAt: '2026-11-30T11:55:00.000Z',
    passed: false, compared: 0, differences: 0, inFlight: 0, lagSeconds: 3 * 86_400, graceSeconds: 900, cursor: '', durationMs: 100, note: 'EFS replication into us-west-2 is ERROR',
  });
}, 60_000);

afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await stopLocalCloud(dataDir);
  tmp.remove();
});

it('shows the file system\'s recorded check, FAILED ✗ with EFS\'s status and the lag beyond the RPO', async () => {
  const text = capturedCliIo();
  expect(await backupsListCommand({ config: configFile, env: 'dev', dataDir, plan: 'demo', source: files.name }, { io: text.io, clients: commandClients(), now: () => new Date('2026-11-30T12:00:00.000Z') })).toBe(0);
  expect(text.out).toEqual([
    'MIRROR OF       STATE     LAG           CHECKED         MIRROR',
    `${files.name.padEnd(16)}FAILED ✗  3d            5m ago          efs fs-0dr (us-west-2, replica of fs-0src)`,
    `  ✗ mirror of ${files.name} (efs fs-0dr (us-west-2, replica of fs-0src)): the check of 2026-11-30T11:55:00.000Z failed: EFS replication into us-west-2 is ERROR`,
    `  ✗ mirror of ${files.name} (efs fs-0dr (us-west-2, replica of fs-0src)): replication lag 3d, beyond the plan's RPO of 24h`,
    '',
    'No backups.',
  ]);
});
