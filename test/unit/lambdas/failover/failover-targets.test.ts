import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, type PutCommand } from '@aws-sdk/lib-dynamodb';
import { sourceSchema } from '../../../../config/lifeboat-config';
import { FailoverGrantLog, GRANTS_IN_FLIGHT } from '../../../../lambdas/failover/failover-grant';
import { FAILOVER_TARGETS_IN_FLIGHT, failoverTargetOf, failoverTargets, prepareFailoverTargets } from '../../../../lambdas/failover/failover-targets';

/** Where a failover restores each source: fixed names from the restore-target prefix, the source and the suffix. */
const PREFIX = 'lifeboat-dev-restore-';
const assets = sourceSchema.parse({ type: 's3', name: 'demo-assets', bucket: 'lifeboat-demo-assets', prefix: 'public/' });
const orders = sourceSchema.parse({ type: 'dynamodb', name: 'demo-orders', table: 'lifeboat-demo-orders' });
const files = sourceSchema.parse({ type: 'filesystem', name: 'demo-files', path: '/mnt/lifeboat/demo-files/' });

it('names bucket and table <prefix><source>-<suffix> and a directory <source path>-<suffix>, in the plan order', () => {
  expect(failoverTargets([assets, orders, files], PREFIX, 'failover')).toEqual([
    { source: assets, target: { type: 's3', bucket: 'lifeboat-dev-restore-demo-assets-failover', prefix: '' } },
    { source: orders, target: { type: 'dynamodb', table: 'lifeboat-dev-restore-demo-orders-failover' } },
    { source: files, target: { type: 'filesystem', path: '/mnt/lifeboat/demo-files-failover' } },
  ]);
});

it('accepts a bucket name of exactly 63 characters', () => {
  const suffix = 'x'.repeat(63 - PREFIX.length - 'demo-assets-'.length);
  const target = failoverTargetOf(assets, PREFIX, suffix);
  expect(target.type === 's3' && target.bucket.length).toBe(63);
});

it('refuses a bucket name over 63 characters, naming targetSuffix and the room left', () => {
  const suffix = 'x'.repeat(64 - PREFIX.length - 'demo-assets-'.length);
  expect(() => failoverTargetOf(assets, PREFIX, suffix)).toThrow(
    expect.objectContaining({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid failover input: targetSuffix: the target bucket of source "demo-assets" would be lifeboat-dev-restore-demo-assets-x+ \(64 characters\), over S3's 63; use a suffix of at most 30 characters$/),
    }),
  );
});

it('does not limit table names to a bucket name length', () => {
  const suffix = 'x'.repeat(40);
  expect(failoverTargetOf(orders, PREFIX, suffix)).toEqual({ type: 'dynamodb', table: `lifeboat-dev-restore-demo-orders-${suffix}` });
});

describe('a directory source on the DR region file system (fileSystem.efs.drRestore, mounted at mountPath)', () => {
  const nested = sourceSchema.parse({ type: 'filesystem', name: 'media', path: '/mnt/lifeboat/apps/media' });
  const atRoot = sourceSchema.parse({ type: 'filesystem', name: 'all-files', path: '/mnt/lifeboat/' });

  it('moves the path below the primary mount onto the DR mount', () => {
    expect(failoverTargetOf(nested, PREFIX, 'failover', '/mnt/lifeboat-dr')).toEqual({ type: 'filesystem', path: '/mnt/lifeboat-dr/apps/media-failover' });
    expect(failoverTargetOf(files, PREFIX, 'nov24', '/mnt/lifeboat-dr/')).toEqual({ type: 'filesystem', path: '/mnt/lifeboat-dr/demo-files-nov24' });
  });

  it('keeps the target as before when both mounts share a path', () => {
    expect(failoverTargetOf(nested, PREFIX, 'failover', '/mnt/lifeboat')).toEqual({ type: 'filesystem', path: '/mnt/lifeboat/apps/media-failover' });
  });

  it('puts a source at the primary mount root into a directory named after the source, inside the DR mount', () => {
    expect(failoverTargetOf(atRoot, PREFIX, 'failover', '/mnt/lifeboat-dr')).toEqual({ type: 'filesystem', path: '/mnt/lifeboat-dr/all-files-failover' });
  });
});

describe('Validate failover of many S3 sources (audit aX1-1: one after another, ~45 sources outran its 2 minutes)', () => {
  type Sent = { name: string; bucket: string; seq: number };
  /**
   * An S3 whose requests end a few turns of the event loop after they begin (no timers), counting those in flight.
   * Every target bucket is new, but `full` ones (which hold data) and the one whose CreateBucket fails (`failCreate`).
   */
  function countingS3(options: { failCreate?: string; full?: Record<string, number> } = {}) {
    let inFlight = 0;
    let seq = 0;
    const seen = { max: 0, sent: [] as Sent[], createFailedAt: undefined as number | undefined };
    const s3 = {
      config: { region: () => Promise.resolve('us-west-2') },
      send: async (command: { constructor: { name: string }; input: { Bucket?: string } }) => {
        const name = command.constructor.name.replace(/Command$/, '');
        const bucket = command.input.Bucket ?? '';
        seen.sent.push({ name, bucket, seq: seq++ });
        inFlight++;
        seen.max = Math.max(seen.max, inFlight);
        try {
          const turns = options.full?.[bucket] ?? 3;
          for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
          if (name === 'HeadBucket') {
            if (options.full?.[bucket] !== undefined) return {};
            throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
          }
          if (name === 'GetBucketEncryption') return { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } };
          if (name === 'GetPublicAccessBlock') return { PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } };
          if (name === 'ListObjectsV2') return { Contents: [{ Key: 'data.bin' }] };
          if (name === 'GetBucketLifecycleConfiguration') throw Object.assign(new Error('none'), { name: 'NoSuchLifecycleConfiguration', $metadata: { httpStatusCode: 404 } });
          if (name === 'CreateBucket' && bucket === options.failCreate) {
            seen.createFailedAt = seq;
            throw Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
          }
          return {};
        } finally {
          inFlight--;
        }
      },
    } as unknown as S3Client;
    return { s3, seen };
  }
  const sources = Array.from({ length: 20 }, (_, i) => sourceSchema.parse({ type: 's3', name: `wide-${i}`, bucket: `lifeboat-wide-${i}` }));
  const targets = failoverTargets(sources, PREFIX, 'fo');
  const bucketOf = (i: number): string => `${PREFIX}wide-${i}-fo`;
  const deps = (s3: S3Client) => ({ s3, dynamodb: {} as DynamoDBClient, directory: (p: string) => p, region: 'us-west-2', restoreTargetPrefix: PREFIX });

  it(`checks and creates the buckets up to ${FAILOVER_TARGETS_IN_FLIGHT} at a time, reporting them in the plan's order`, async () => {
    const { s3, seen } = countingS3();
    const prepared = await prepareFailoverTargets(targets, false, deps(s3));
    expect(seen.max).toBeGreaterThan(1);
    expect(seen.max).toBeLessThanOrEqual(FAILOVER_TARGETS_IN_FLIGHT);
    const all = sources.map((_, i) => bucketOf(i));
    expect(prepared).toEqual({ createdBuckets: all, bucketsAbortingUploads: all });
  });

  it('begins no bucket after a CreateBucket failed, and throws its error', async () => {
    const { s3, seen } = countingS3({ failCreate: bucketOf(2) });
    await expect(prepareFailoverTargets(targets, false, deps(s3))).rejects.toMatchObject({ name: 'SlowDown' });
    const creates = seen.sent.filter((s) => s.name === 'CreateBucket');
    expect(seen.createFailedAt).toBeDefined();
    expect(creates.filter((s) => s.seq > (seen.createFailedAt ?? 0))).toEqual([]);
    expect(creates.length).toBeLessThanOrEqual(FAILOVER_TARGETS_IN_FLIGHT);
  });

  it('refuses the first target of the plan that holds data, though a later one was refused sooner, and creates no bucket', async () => {
    // wide-1 answers after 12 turns, wide-5 after 1: checked one by one, wide-1 was refused first.
    const { s3, seen } = countingS3({ full: { [bucketOf(1)]: 12, [bucketOf(5)]: 1 } });
    await expect(prepareFailoverTargets(targets, false, deps(s3))).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining(`Invalid failover input: overwrite: the failover target of source "wide-1", bucket ${bucketOf(1)}, already holds data`),
    });
    expect(seen.sent.filter((s) => s.name === 'CreateBucket')).toEqual([]);
  });

  it(`writes the grants up to ${GRANTS_IN_FLIGHT} at a time, one PutItem each, and none begun after one failed`, async () => {
    let inFlight = 0;
    let max = 0;
    const written: string[] = [];
    let begun = 0;
    const ddb = {
      send: async (command: PutCommand) => {
        const sk = String(command.input.Item?.sk);
        begun++;
        inFlight++;
        max = Math.max(max, inFlight);
        try {
          for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
          if (sk === 'fo-1-s-3') throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' });
          written.push(sk);
        } finally {
          inFlight--;
        }
      },
    } as unknown as DynamoDBDocumentClient;
    const grants = Array.from({ length: 30 }, (_, i) => ({ restoreId: `fo-1-s-${i}`, request: { source: `s-${i}` } }));
    const log = new FailoverGrantLog(ddb, 'catalog');
    await expect(log.grant(grants, 'fo-1', new Date('2026-12-05T14:00:00Z'), 3600)).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(max).toBeGreaterThan(1);
    expect(max).toBeLessThanOrEqual(GRANTS_IN_FLIGHT);
    // Those in flight settle; only the slots freed in the very turn of the failure began another.
    expect(begun).toBeLessThanOrEqual(2 * GRANTS_IN_FLIGHT);
    max = 0;
    written.length = 0;
    const rest = grants.filter((g) => g.restoreId !== 'fo-1-s-3');
    await log.grant(rest, 'fo-1', new Date('2026-12-05T14:00:00Z'), 3600);
    expect(max).toBeGreaterThan(1);
    expect(max).toBeLessThanOrEqual(GRANTS_IN_FLIGHT);
    expect(written.sort()).toEqual(rest.map((g) => g.restoreId).sort());
  });
});
