import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { HeadBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { loadLifeboatConfig } from '/work/main/config/load-config';
import { openLocalEnvironment } from '/work/main/local/local-environment';
import { localS3Client } from '/work/main/local/cloud/local-cloud';
import { runLocalExecution } from '/work/main/local/executor/run-local-execution';
async function main() {
  const config = loadLifeboatConfig('/work/main/lifeboat.config.json');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dbg-'));
  const local = await openLocalEnvironment({ config, envName: 'dev', dataDir });
  const dr = local.stacks.find((s) => s.role === 'dr')!;
  const primary = local.stacks.find((s) => s.role === 'primary')!;
  const { seedSampleBucket, seedSampleTable, seedSampleDirectory } = await import('/work/main/local/demo/sample-data');
  const { localDynamoDbClient } = await import('/work/main/local/cloud/local-cloud');
  const ps3 = localS3Client(local.endpoints, 'us-east-1'); const pddb = localDynamoDbClient(local.endpoints, 'us-east-1');
  for (const s of local.environment.plans.flatMap((p) => p.sources)) { if (s.type === 's3') await seedSampleBucket(ps3, s.bucket); else if (s.type === 'dynamodb') await seedSampleTable(pddb, s.table, 10); else await seedSampleDirectory(path.join(local.fsRoot, s.path)); }
  const b = await runLocalExecution({ stack: primary, stateMachine: 'lifeboat-dev-backup', input: { plan: 'demo' }, endpoints: local.endpoints, dataDir, extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot } });
  console.log('backup', b.status, b.error);
  const r = await runLocalExecution({ stack: dr, stateMachine: 'lifeboat-dev-failover', input: { plan: 'demo' }, endpoints: local.endpoints, dataDir, extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot } });
  console.log(r.status, r.error, r.cause?.slice(0, 300));
  for (const e of r.events.filter((e) => e.type === 'StateFailed' || e.type==='TaskFailed' || (e.state??'').includes('Validate')).slice(0, 12)) console.log(JSON.stringify(e).slice(0, 400));
  const s3 = localS3Client(local.endpoints, 'us-west-2');
  console.log((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name));
  await local.close();
}
main().catch((e) => { console.error(e); process.exit(1); });
