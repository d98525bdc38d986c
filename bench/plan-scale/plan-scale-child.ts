import { S3Client } from '@aws-sdk/client-s3';
import { type BackupCatalog } from '../../lambdas/catalog/backup-catalog';
import { planBackup, type PlanBackupDeps, type PlannedBackup } from '../../lambdas/backup/plan-backup';
import { protectionPlanSchema } from '../../config/lifeboat-config';
import { type Vault, type VaultStore, VaultObjectNotFoundError } from '../../vault';
import { SYNTHETIC_BUCKET } from './synthetic-listing';
import { vmHwmBytes } from './measured-child';

/**
 * The planning side of the plan-scale section, in a process of its own so that its peak RSS is the
 * planner's (VmHWM of this process): the product's planBackup over the synthetic listing at
 * LIFEBOAT_PLAN_SCALE_ENDPOINT, run invocation after invocation until done, as the workflow's Plan
 * loop does. Manifests go to a store that keeps the plan document and counts the manifests' bytes.
 * Prints one JSON line of results on stdout.
 */

class CountingStore implements VaultStore {
  readonly location = 'count://plan-scale';
  manifestBytes = 0;
  manifests = 0;
  private readonly kept = new Map<string, Buffer>();
  put(key: string, body: Uint8Array): Promise<void> {
    if (key.endsWith('.jsonl')) {
      this.manifestBytes += body.length;
      this.manifests++;
    } else {
      this.kept.set(key, Buffer.from(body));
    }
    return Promise.resolve();
  }
  get(key: string): Promise<Buffer> {
    const body = this.kept.get(key);
    return body ? Promise.resolve(body) : Promise.reject(new VaultObjectNotFoundError(this.location, key));
  }
  has(key: string): Promise<boolean> {
    return Promise.resolve(this.kept.has(key));
  }
  async *list(prefix: string): AsyncIterable<string> {
    await Promise.resolve();
    for (const key of this.kept.keys()) if (key.startsWith(prefix)) yield key;
  }
  delete(key: string): Promise<void> {
    this.kept.delete(key);
    return Promise.resolve();
  }
}

async function main(): Promise<void> {
  const endpoint = process.env.LIFEBOAT_PLAN_SCALE_ENDPOINT;
  if (!endpoint) throw new Error('LIFEBOAT_PLAN_SCALE_ENDPOINT is not set (the section starts the synthetic listing and sets it)');
  const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const plan = protectionPlanSchema.parse({
    name: 'plan-scale',
    schedule: 'rate(1 day)',
    strategy: 'full',
    retention: { keepLast: 1 },
    objectives: { rpoMinutes: 1440, rtoMinutes: 60 },
    sources: [{ type: 's3', name: 'synthetic', bucket: SYNTHETIC_BUCKET }],
  });
  const store = new CountingStore();
  const catalog = { createBackup: () => Promise.resolve() } as unknown as BackupCatalog;
  const deps: PlanBackupDeps = { s3, dynamodb: undefined as never, vault: { store } as unknown as Vault, catalog, plans: [plan], environment: 'bench' };
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  const rssAtStart = process.memoryUsage.rss();
  const started = process.hrtime.bigint();
  const request = { plan: plan.name, backupId: '20261201T000000Z-00000000' };
  let planned: PlannedBackup = await planBackup(request, deps);
  let invocations = 1;
  while (planned.continuation) {
    planned = await planBackup({ ...request, continuation: planned.continuation }, deps);
    invocations++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  s3.destroy();
  process.stdout.write(
    `${JSON.stringify({ shards: planned.shardCount, invocations, seconds, manifests: store.manifests, manifestBytes: store.manifestBytes, rssAtStartBytes: rssAtStart, peakRssSampledBytes: peakRss, vmHwmBytes: vmHwmBytes() })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
