import { sourceSchema } from '../../../../config/lifeboat-config';
import { failoverTargetOf, failoverTargets } from '../../../../lambdas/failover/failover-targets';

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
