import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DynamoDBClient, paginateListTables } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type SourceConfig } from '../../../config/lifeboat-config';
import { loadLifeboatConfig } from '../../../config/load-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { PruneLog } from '../../../lambdas/catalog/prune-log';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { localDynamoDbClient, localS3Client } from '../../../local/cloud/local-cloud';
import { compareBuckets, compareDirectories, compareTables } from '../../../local/demo/compare-restored';
import { openLocalVault } from '../../../local/demo/local-vault';
import { seedSampleBucket, seedSampleDirectory, seedSampleTable } from '../../../local/demo/sample-data';
import { verifyBackup } from '../../../local/demo/verify-backup';
import { type LocalExecutionResult, runLocalExecution } from '../../../local/executor/run-local-execution';
import { approveEveryTask } from '../../../local/executor/local-approver';
import { type LocalEnvironment, openLocalEnvironment } from '../../../local/local-environment';
import { SAMPLE_CONFIG_FILE, REPO_ROOT } from '../../support/repo-root';
import { runbookExamples } from '../../support/runbook-doc-examples';

/**
 * docs/RUNBOOKS.md cannot drift from the state machines: every input example in it runs, unchanged,
 * through the synthesized runbook of environment `dev` on the local cloud, and must succeed with a
 * result equal to the source; every output example must have the shape of the real report. The
 * restore examples name a backup id and a time of their own (a reader cannot know ours), so the
 * backup that the backup example makes is also recorded in the catalog under that id and time.
 */
const examples = runbookExamples(readFileSync(path.join(REPO_ROOT, 'docs', 'RUNBOOKS.md'), 'utf8'));
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);

const restoreInputSchema = z.object({
  source: z.string(),
  backupId: z.string().optional(),
  target: z.discriminatedUnion('type', [
    z.object({ type: z.literal('s3'), bucket: z.string(), prefix: z.string().optional() }),
    z.object({ type: z.literal('dynamodb'), table: z.string() }),
    z.object({ type: z.literal('filesystem'), path: z.string() }),
  ]),
  filter: z.object({ prefix: z.string() }).optional(),
});

let dataDir: string;
let local: LocalEnvironment;
let s3: S3Client;
let ddb: DynamoDBClient;
let catalog: BackupCatalog;
let names: ReturnType<typeof resourceNames>;
let sources: SourceConfig[];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'lifeboat-runbook-examples-'));
  local = await openLocalEnvironment({ config, envName: 'dev', dataDir, exitWithParent: true });
  names = resourceNames(local.environment);
  s3 = localS3Client(local.endpoints, local.environment.primaryRegion);
  ddb = localDynamoDbClient(local.endpoints, local.environment.primaryRegion);
  catalog = new BackupCatalog(DynamoDBDocumentClient.from(ddb), names.catalogTable);
  sources = local.environment.plans.flatMap((p) => p.sources);
  for (const source of sources) {
    // The sample objects alone, not the demo's 300 small ones: nothing here needs several restore shards of a bucket, and each
    // object costs every backup, restore, drill, failover and comparison below requests to the local S3 (and to its mirror).
    if (source.type === 's3') await seedSampleBucket(s3, source.bucket, { bulkObjects: 0 });
    else if (source.type === 'dynamodb') await seedSampleTable(ddb, source.table, 40);
    else await seedSampleDirectory(fsPath(source.path));
  }
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  ddb?.destroy();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function fsPath(configured: string): string {
  return path.join(local.fsRoot, configured);
}

function run(stateMachine: string, input: unknown, role: 'primary' | 'dr' = 'primary'): Promise<LocalExecutionResult> {
  const stack = local.stacks.find((s) => s.role === role);
  if (!stack) throw new Error(`no ${role} stack`);
  return runLocalExecution({
    stack,
    stateMachine,
    input,
    endpoints: local.endpoints,
    dataDir,
    pool: local.lambdaPool(2),
    extraEnv: { LIFEBOAT_FS_ROOT: local.fsRoot },
    // Overwrite restores and failovers wait for an approval (docs/RUNBOOKS.md, "Approvals"); not what these tests are about.
    onTaskToken: approveEveryTask(dataDir),
  });
}

function succeeded(result: LocalExecutionResult): unknown {
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
  return result.output;
}

function sourceNamed(name: string): SourceConfig {
  const source = sources.find((s) => s.name === name);
  if (!source) throw new Error(`docs/RUNBOOKS.md names source "${name}", which environment dev does not have`);
  return source;
}

/** `20261124T100000Z-1a2b3c4d` → `2026-11-24T10:00:00.000Z`, the start time such an id stands for. */
function startOfBackupId(backupId: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[0-9a-f]{8}$/.exec(backupId);
  if (!m) throw new Error(`docs/RUNBOOKS.md: "${backupId}" is not a backup id`);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`;
}

/** Object keys, recursively: what the report example promises a reader. */
function shapeOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return typeof value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shapeOf(v)]));
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) for (const o of page.Contents ?? []) keys.push(o.Key ?? '');
  return keys;
}

async function restoredDifferences(input: z.infer<typeof restoreInputSchema>): Promise<string[]> {
  const source = sourceNamed(input.source);
  const filter = input.filter?.prefix ?? '';
  const { target } = input;
  if (source.type === 's3' && target.type === 's3') {
    const targetPrefix = (target.prefix ?? '') + filter;
    const outside = (await keysUnder(target.bucket, target.prefix ?? '')).filter((k) => !k.startsWith(targetPrefix));
    return [
      ...outside.map((k) => `restored outside the filter: ${k}`),
      ...(await compareBuckets(s3, { bucket: source.bucket, prefix: (source.prefix ?? '') + filter }, { bucket: target.bucket, prefix: targetPrefix })),
    ];
  }
  if (source.type === 'dynamodb' && target.type === 'dynamodb') return compareTables(ddb, source.table, target.table);
  if (source.type === 'filesystem' && target.type === 'filesystem' && !filter) return compareDirectories(fsPath(source.path), fsPath(target.path));
  throw new Error(`this test cannot check a restore of ${source.type} source ${source.name} into ${JSON.stringify(target)}${filter ? ` with filter ${filter}` : ''}: extend restoredDifferences`);
}

it('documents the backup, restore, catalog rebuild, scrub, repair-index, drill, failover and prune runbooks, each with input examples (a new runbook needs a case below; repair-index: repair-index-runbook.test.ts)', () => {
  expect(examples.map((e) => ({ runbook: e.runbook, hasInputs: e.inputs.length > 0 }))).toEqual([
    { runbook: 'restore', hasInputs: true },
    { runbook: 'backup', hasInputs: true },
    { runbook: 'catalog-rebuild', hasInputs: true },
    { runbook: 'scrub', hasInputs: true },
    { runbook: 'repair-index', hasInputs: true },
    { runbook: 'drill', hasInputs: true },
    { runbook: 'failover', hasInputs: true },
    { runbook: 'prune', hasInputs: true },
  ]);
});

describe('docs/RUNBOOKS.md examples, run unchanged', () => {
  let committedBackupId: string;
  const madeBackupIds: string[] = [];
  const restoreReports: unknown[] = [];
  const rebuildOutputs: unknown[] = [];
  const scrubOutputs: unknown[] = [];
  const failoverReports: unknown[] = [];
  const drillReports: unknown[] = [];

  it('backup: each input example commits a backup whose every source reads back equal', async () => {
    const inputs = examples.find((e) => e.runbook === 'backup')?.inputs ?? [];
    for (const input of inputs) {
      const output = succeeded(await run(names.backupStateMachine, input)) as { committed?: { backupId?: string } };
      const backupId = output.committed?.backupId;
      if (!backupId) throw new Error(`backup example ${JSON.stringify(input)} committed no backup: ${JSON.stringify(output)}`);
      committedBackupId = backupId;
      madeBackupIds.push(backupId);
      const record = await catalog.requireBackup(backupId);
      expect(record.copies).toEqual({ primary: 'COMMITTED', dr: 'COMMITTED' });
      const vault = await openLocalVault(s3, names.primaryVault, dataDir);
      for (const source of sources) {
        const snapshotId = record.sources.find((s) => s.name === source.name)?.snapshotId;
        if (!snapshotId) throw new Error(`backup ${backupId} has no snapshot of ${source.name}`);
        const verification = await verifyBackup(vault, await vault.loadSnapshot(snapshotId), source, { sourceS3: s3, sourceDynamoDb: ddb, fsRoot: fsPath });
        expect({ source: source.name, mismatches: verification.mismatches }).toEqual({ source: source.name, mismatches: [] });
      }
    }
  });

  it('restore: each input example succeeds, and the target equals its source (objects, items, files)', async () => {
    if (!committedBackupId) throw new Error('the backup example did not run');
    const restore = examples.find((e) => e.runbook === 'restore');
    const inputs = (restore?.inputs ?? []).map((input) => restoreInputSchema.parse(input));
    // The examples' backup ids, recorded in the catalog as copies of the backup just made (same snapshots, in both vaults).
    const made = await catalog.requireBackup(committedBackupId);
    for (const backupId of new Set(inputs.flatMap((i) => (i.backupId ? [i.backupId] : [])))) {
      const startedAt = startOfBackupId(backupId);
      const copy = { ...made, backupId, startedAt, endedAt: startedAt };
      await catalog.createBackup(copy);
      await catalog.indexCommittedBackup(copy);
    }
    for (const [i, input] of inputs.entries()) {
      if (input.target.type === 's3') await s3.send(new CreateBucketCommand({ Bucket: input.target.bucket }));
      const report = succeeded(await run(names.restoreStateMachine, restore?.inputs[i])) as { entries: number; verified: { mismatches: number } };
      expect(report.entries).toBeGreaterThan(0);
      expect(report.verified.mismatches).toBe(0);
      expect({ example: i, differences: await restoredDifferences(input) }).toEqual({ example: i, differences: [] });
      restoreReports.push(report);
    }
  });

  it('restore: the output example has the fields of a real report of the same target type', () => {
    const documented = examples.find((e) => e.runbook === 'restore')?.outputs ?? [];
    expect(documented.length).toBeGreaterThan(0);
    for (const example of documented) {
      const type = (example as { target?: { type?: string } }).target?.type;
      const real = restoreReports.find((r) => (r as { target?: { type?: string } }).target?.type === type);
      if (!real) throw new Error(`no restore example restored a ${type} target to compare the output example with`);
      expect(shapeOf(example)).toEqual(shapeOf(real));
    }
  });

  it('catalog-rebuild: each input example, run on a catalog emptied of every item, brings back the records and index items the backups wrote', async () => {
    if (madeBackupIds.length === 0) throw new Error('the backup example did not run');
    const inputs = examples.find((e) => e.runbook === 'catalog-rebuild')?.inputs ?? [];
    expect(inputs.length).toBeGreaterThan(0);
    const byId = (a: BackupRecord, b: BackupRecord) => a.backupId.localeCompare(b.backupId);
    const plans = local.environment.plans.map((p) => p.name);
    // The backups the backup examples made: the restore test's copies under the examples' ids share their snapshots, whose tags name the real ids.
    const made = async (): Promise<BackupRecord[]> => (await Promise.all(plans.map((p) => catalog.listBackupsOfPlan(p)))).flat().filter((r) => madeBackupIds.includes(r.backupId)).sort(byId);
    const indexed = async (): Promise<Record<string, string[]>> =>
      Object.fromEntries(await Promise.all(sources.map(async (s) => [s.name, (await catalog.listBackupsOfSource(s.name)).map((r) => r.backupId).filter((id) => madeBackupIds.includes(id))])));
    const originals = await made();
    expect(originals.map((r) => r.backupId).sort()).toEqual([...madeBackupIds].sort());
    const originalIndex = await indexed();
    const documentClient = DynamoDBDocumentClient.from(ddb);

    for (const input of inputs) {
      // The catalog lost: every item deleted.
      for await (const page of paginateScan({ client: documentClient }, { TableName: names.catalogTable })) {
        for (const item of page.Items ?? []) await documentClient.send(new DeleteCommand({ TableName: names.catalogTable, Key: { pk: item['pk'], sk: item['sk'] } }));
      }
      expect(await made()).toEqual([]);
      const output = succeeded(await run(names.catalogRebuildStateMachine, input)) as { outcomes: Record<string, number>; leftOut: boolean };
      expect({ input, outcomes: output.outcomes, leftOut: output.leftOut }).toEqual({ input, outcomes: { created: madeBackupIds.length, updated: 0, unchanged: 0, kept: 0, skipped: 0 }, leftOut: false });
      // Field for field what the workflow wrote, and the same index items; but copies.dr: from the primary vault it is PENDING until the
      // plan's next Replicate step has checked what the DR vault holds (a snapshot object there does not prove its packs are).
      const fromDr = (input as { vault?: string }).vault === 'dr';
      // Each marked created by a rebuild without its legal hold (review rL R1).
      const marked = { rebuilt: { at: expect.any(String) as unknown as string, holdRebuilt: false } };
      expect(await made()).toEqual(fromDr ? originals.map((r) => ({ ...r, ...marked })) : originals.map((r) => ({ ...r, copies: { ...r.copies, dr: 'PENDING' }, ...marked })));
      expect(await indexed()).toEqual(originalIndex);
      rebuildOutputs.push(output);
    }
  }, 120_000);

  it('catalog-rebuild: the output example has the fields of a real summary', () => {
    const documented = examples.find((e) => e.runbook === 'catalog-rebuild')?.outputs ?? [];
    expect(documented.length).toBeGreaterThan(0);
    const real = rebuildOutputs[0];
    if (!real) throw new Error('no catalog-rebuild example ran to compare the output example with');
    for (const example of documented) expect(shapeOf(example)).toEqual(shapeOf(real));
  });

  // Before the failover examples, which add the examples' older backup ids to the DR catalog: a drill then would see a gap of days between backups and miss the RPO.
  it('drill: each input example, run in the DR region, PASSES and leaves no scratch target behind', async () => {
    if (madeBackupIds.length === 0) throw new Error('the backup example did not run');
    const inputs = examples.find((e) => e.runbook === 'drill')?.inputs ?? [];
    expect(inputs.length).toBeGreaterThan(0);
    const drS3 = localS3Client(local.endpoints, local.environment.drRegion);
    const drDdb = localDynamoDbClient(local.endpoints, local.environment.drRegion);
    const scratchLeft = async (): Promise<string[]> => {
      const buckets = ((await drS3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? '').filter((n) => n.startsWith(names.drillTargetPrefix));
      const tables: string[] = [];
      for await (const page of paginateListTables({ client: drDdb }, {})) tables.push(...(page.TableNames ?? []).filter((n) => n.startsWith(names.drillTargetPrefix)));
      const directories = readdirSync(local.fsRoot).filter((n) => n.startsWith(names.drillTargetPrefix));
      return [...buckets.map((b) => `bucket ${b}`), ...tables.map((t) => `table ${t}`), ...directories.map((d) => `directory ${d}`)];
    };
    try {
      for (const input of inputs) {
        const report = succeeded(await run(names.drillStateMachine, input, 'dr')) as { verdict: string; vault: string; sources: { source: string; verifiedEntries: number; entries: number; sampled: { compared: number; matched: number } }[]; errors: unknown[] };
        const { samples } = z.object({ samples: z.number().optional() }).passthrough().parse(input);
        expect({ input, verdict: report.verdict, vault: report.vault, errors: report.errors }).toEqual({ input, verdict: 'PASSED', vault: 'dr', errors: [] });
        const plan = local.environment.plans.find((p) => p.name === (input as { plan: string }).plan);
        expect(report.sources.map((s) => s.source).sort()).toEqual((plan?.sources ?? []).map((s) => s.name).sort());
        for (const s of report.sources) {
          expect({ source: s.source, verified: s.verifiedEntries }).toEqual({ source: s.source, verified: s.entries });
          expect(s.sampled.matched).toBe(s.sampled.compared);
          if (samples !== undefined) expect(s.sampled.compared).toBeLessThanOrEqual(samples);
        }
        expect({ input, scratchLeft: await scratchLeft() }).toEqual({ input, scratchLeft: [] });
        drillReports.push(report);
      }
    } finally {
      drS3.destroy();
      drDdb.destroy();
    }
  }, 300_000);

  it('drill: the output example has the fields of a real report', () => {
    const documented = examples.find((e) => e.runbook === 'drill')?.outputs ?? [];
    expect(documented.length).toBeGreaterThan(0);
    const real = drillReports[0];
    if (!real) throw new Error('no drill example ran to compare the output example with');
    for (const example of documented) expect(shapeOf(example)).toEqual(shapeOf(real));
  });

  it('failover: each input example, run in the DR region, restores every source of the plan into DR targets equal to the sources', async () => {
    if (madeBackupIds.length === 0 || !committedBackupId) throw new Error('the backup example did not run');
    const failover = examples.find((e) => e.runbook === 'failover');
    const inputs = (failover?.inputs ?? []).map((input) => z.object({ plan: z.string(), backupId: z.string().optional() }).passthrough().parse(input));
    expect(inputs.length).toBeGreaterThan(0);
    const drS3 = localS3Client(local.endpoints, local.environment.drRegion);
    const drDdb = localDynamoDbClient(local.endpoints, local.environment.drRegion);
    try {
      // The Replicate step of the backup example wrote the DR catalog; the examples' own ids are copies of that backup there.
      const drCatalog = new BackupCatalog(DynamoDBDocumentClient.from(drDdb), names.catalogTable);
      const made = await drCatalog.requireBackup(committedBackupId);
      expect(made.copies).toEqual({ primary: 'COMMITTED', dr: 'COMMITTED' });
      for (const backupId of new Set(inputs.flatMap((i) => (i.backupId ? [i.backupId] : [])))) {
        const startedAt = startOfBackupId(backupId);
        const copy = { ...made, backupId, startedAt, endedAt: startedAt };
        if (!(await drCatalog.getBackup(backupId))) await drCatalog.createBackup(copy);
        await drCatalog.indexCommittedBackup(copy);
      }
      for (const [i, input] of inputs.entries()) {
        const report = succeeded(await run(names.failoverStateMachine, failover?.inputs[i], 'dr')) as { plan: string; sources: { source: string; target: string }[] };
        const plan = local.environment.plans.find((p) => p.name === input.plan);
        expect(report.sources.map((s) => s.source).sort()).toEqual((plan?.sources ?? []).map((s) => s.name).sort());
        for (const restored of report.sources) {
          const source = sourceNamed(restored.source);
          let differences: string[];
          if (source.type === 's3') {
            const bucket = /^s3:\/\/([^/]+)\//.exec(restored.target)?.[1] ?? '';
            differences = await compareBuckets(s3, { bucket: source.bucket, prefix: source.prefix ?? '' }, { bucket, prefix: '' }, drS3);
          } else if (source.type === 'dynamodb') {
            differences = await compareTables(ddb, source.table, /\btable (\S+)$/.exec(restored.target)?.[1] ?? restored.target, drDdb);
          } else {
            differences = await compareDirectories(fsPath(source.path), fsPath(restored.target.replace(/^directory /, '')));
          }
          expect({ example: i, source: restored.source, differences }).toEqual({ example: i, source: restored.source, differences: [] });
        }
        failoverReports.push(report);
      }
    } finally {
      drS3.destroy();
      drDdb.destroy();
    }
  }, 300_000);

  it('failover: the output example has the fields of a real report', () => {
    const documented = examples.find((e) => e.runbook === 'failover')?.outputs ?? [];
    expect(documented.length).toBeGreaterThan(0);
    const real = failoverReports[0];
    if (!real) throw new Error('no failover example ran to compare the output example with');
    for (const example of documented) expect(shapeOf(example)).toEqual(shapeOf(real));
  });

  it('scrub: each input example, run after the backup example, succeeds with a clean report', async () => {
    if (madeBackupIds.length === 0) throw new Error('the backup example did not run');
    const inputs = examples.find((e) => e.runbook === 'scrub')?.inputs ?? [];
    expect(inputs.length).toBeGreaterThan(0);
    for (const input of inputs) {
      const output = succeeded(await run(names.scrubStateMachine, input)) as { outcome: string; objects: number; findings: unknown[]; damage: unknown[]; unrepaired: number };
      expect({ input, outcome: output.outcome, findings: output.findings, damage: output.damage, unrepaired: output.unrepaired }).toEqual({ input, outcome: 'CLEAN', findings: [], damage: [], unrepaired: 0 });
      expect(output.objects).toBeGreaterThan(0);
      scrubOutputs.push(output);
    }
  }, 120_000);

  it('scrub: the output example has the fields of a real summary', () => {
    const documented = examples.find((e) => e.runbook === 'scrub')?.outputs ?? [];
    expect(documented.length).toBeGreaterThan(0);
    const real = scrubOutputs[0];
    if (!real) throw new Error('no scrub example ran to compare the output example with');
    for (const example of documented) expect(shapeOf(example)).toEqual(shapeOf(real));
  });

  it('scrub: a pack corrupted in the primary vault is repaired from the DR copy; corrupted in both, the execution fails with VaultDamageError', async () => {
    const input = examples.find((e) => e.runbook === 'scrub')?.inputs[0];
    if (!input || scrubOutputs.length === 0) throw new Error('the scrub example did not run');
    const dr = localS3Client(local.endpoints, local.environment.drRegion);
    try {
      const [pack] = (await keysUnder(names.primaryVault, 'data/')).sort();
      if (!pack) throw new Error('the backup example wrote no pack');
      const corrupt = async (client: S3Client, bucket: string): Promise<void> => {
        const body = Buffer.from(await ((await client.send(new GetObjectCommand({ Bucket: bucket, Key: pack }))).Body?.transformToByteArray() ?? new Uint8Array()));
        body.writeUInt8(body.readUInt8(body.length >> 1) ^ 0x40, body.length >> 1);
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: pack, Body: body }));
      };
      await corrupt(s3, names.primaryVault);
      const repaired = succeeded(await run(names.scrubStateMachine, input)) as { outcome: string; findings: { key: string; vault: string; outcome: string }[] };
      expect({ outcome: repaired.outcome, findings: repaired.findings.map((f) => ({ key: f.key, vault: f.vault, outcome: f.outcome })) }).toEqual({ outcome: 'REPAIRED', findings: [{ key: pack, vault: 'primary', outcome: 'repaired' }] });

      await corrupt(s3, names.primaryVault);
      await corrupt(dr, names.drVault);
      const damaged = await run(names.scrubStateMachine, input);
      expect({ status: damaged.status, error: damaged.error }).toEqual({ status: 'FAILED', error: 'VaultDamageError' });
      expect(damaged.cause).toContain(`DAMAGED: 1 object(s) damaged or missing with no good copy in either vault: ${pack} (dr, primary)`);
    } finally {
      dr.destroy();
    }
  }, 180_000);
});

it('prune: the scheduled input ({}) runs Forget and Prune, and the run is recorded as PRUNE#primary in the primary catalog, as status reads it', async () => {
  const output = succeeded(await run(names.pruneStateMachine, {})) as { done: boolean; startedAt: string; report: { snapshots: number; bytesFreed: number } };
  expect(output.done).toBe(true);
  const recorded = await new PruneLog(DynamoDBDocumentClient.from(ddb), names.catalogTable).latest('primary');
  expect(recorded).toEqual(
    expect.objectContaining({ environment: 'dev', vault: 'primary', trigger: 'workflow', outcome: 'COMPLETED', startedAt: output.startedAt, snapshots: output.report.snapshots, bytesFreed: output.report.bytesFreed }),
  );
  expect(Date.parse(recorded?.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(output.startedAt));

  // The documented input, unchanged: a run with the default grace, deleting nothing condemned less than 25 h ago.
  for (const input of examples.find((e) => e.runbook === 'prune')?.inputs ?? []) {
    const documented = succeeded(await run(names.pruneStateMachine, input)) as { vault: string; done: boolean; report: { packsDeleted: number; batchesPending: number } };
    expect({ vault: documented.vault, done: documented.done, packsDeleted: documented.report.packsDeleted }).toEqual({ vault: 'primary', done: true, packsDeleted: 0 });
  }
}, 180_000);

it('every runbook refuses an input that is no JSON object, saying so, before any step runs', async () => {
  const runbooks: [string, 'primary' | 'dr'][] = [
    [names.backupStateMachine, 'primary'],
    [names.restoreStateMachine, 'primary'],
    [names.catalogRebuildStateMachine, 'primary'],
    [names.scrubStateMachine, 'primary'],
    [names.pruneStateMachine, 'primary'],
    [names.drillStateMachine, 'dr'],
    [names.failoverStateMachine, 'dr'],
  ];
  for (const [stateMachine, role] of runbooks) {
    // `[]` too, which no Choice rule tells from an object, and the falsy ones, which the local executor cannot select as `$` (lib/constructs/logged-state-machine.ts).
    for (const input of [[], ['demo'], 'demo', 42, 0, true, false, null]) {
      const result = await run(stateMachine, input, role);
      expect({ stateMachine, input, status: result.status, error: result.error, cause: result.cause }).toEqual({
        stateMachine,
        input,
        status: 'FAILED',
        error: 'InvalidInputError',
        cause: expect.stringMatching(/^Invalid input: the execution input must be a JSON object/),
      });
    }
  }
}, 180_000);
