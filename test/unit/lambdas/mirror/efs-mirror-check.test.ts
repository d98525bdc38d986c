import { DescribeReplicationConfigurationsCommand, type EFSClient, FileSystemNotFound, ReplicationNotFound } from '@aws-sdk/client-efs';
import { sourceMirrorStatus } from '../../../../cli/status/mirror-status';
import { efsReplicationState } from '../../../../lambdas/mirror/efs-replication-state';
import { runMirrorCheck } from '../../../../lambdas/mirror/mirror-check';
import { type MirrorRecord } from '../../../../lambdas/mirror/mirror-record';
import { FILE_MIRROR_PLANS, fileSystemMirrorCheckDeps } from '../../../support/file-system-mirror-check-deps';

/** A file-system mirror: the check reads EFS's replication state (status, last sync), never the contents. */
const NOW = Date.parse('2026-12-01T06:00:00Z');
type Destination = { Region: string; FileSystemId?: string; Status: string; StatusMessage?: string; LastReplicatedTimestamp?: Date };

function efsAnswering(destinations: Destination[] | Error): { client: Pick<EFSClient, 'send'>; asked: unknown[] } {
  const asked: unknown[] = [];
  const client = {
    send: (command: unknown) => {
      asked.push(command instanceof DescribeReplicationConfigurationsCommand ? command.input : command);
      if (destinations instanceof Error) return Promise.reject(destinations);
      return Promise.resolve({ Replications: [{ SourceFileSystemId: 'fs-0src', Destinations: destinations }] });
    },
  } as unknown as Pick<EFSClient, 'send'>;
  return { client, asked };
}

describe('efsReplicationState', () => {
  it('reads the destination in the mirror region: its replica, status and the seconds since its last sync', async () => {
    const { client, asked } = efsAnswering([
      { Region: 'eu-west-1', FileSystemId: 'fs-0other', Status: 'ENABLED', LastReplicatedTimestamp: new Date(NOW - 5_000) },
      { Region: 'us-west-2', FileSystemId: 'fs-0dr', Status: 'ENABLED', LastReplicatedTimestamp: new Date(NOW - 90_000) },
    ]);
    expect(await efsReplicationState(client, 'fs-0src', 'us-west-2', NOW)).toEqual({ destinationFileSystemId: 'fs-0dr', status: 'ENABLED', lagSeconds: 90 });
    expect(asked).toEqual([{ FileSystemId: 'fs-0src' }]);
  });

  it.each([
    ['paused, with EFS\'s message', [{ Region: 'us-west-2', FileSystemId: 'fs-0dr', Status: 'PAUSED', StatusMessage: 'KMS key disabled', LastReplicatedTimestamp: new Date(NOW - 60_000) }], 'EFS replication into us-west-2 is PAUSED: KMS key disabled', 60],
    ['enabled but never synced', [{ Region: 'us-west-2', FileSystemId: 'fs-0dr', Status: 'ENABLED' }], 'EFS replication into us-west-2 has not completed its first sync yet', null],
    ['replicating into another region only', [{ Region: 'eu-west-1', Status: 'ENABLED' }], 'file system fs-0src has no replication into us-west-2', null],
  ])('names the problem when %s', async (_case, destinations, problem, lag) => {
    const state = await efsReplicationState(efsAnswering(destinations as Destination[]).client, 'fs-0src', 'us-west-2', NOW);
    expect(state.problem).toContain(problem);
    expect(state.lagSeconds).toBe(lag);
  });

  it('reads ReplicationNotFound as no replication, and lets other errors through', async () => {
    const missing = new ReplicationNotFound({ message: 'no replication', $metadata: {} });
    expect((await efsReplicationState(efsAnswering(missing).client, 'fs-0src', 'us-west-2', NOW)).status).toBe('NONE');
    await expect(efsReplicationState(efsAnswering(new Error('AccessDenied')).client, 'fs-0src', 'us-west-2', NOW)).rejects.toThrow('AccessDenied');
  });
});

describe('the mirror check of a file-system source', () => {
  const plans = FILE_MIRROR_PLANS;
  const deps = (efs?: Pick<EFSClient, 'send'>) => fileSystemMirrorCheckDeps({ plans, now: NOW, ...(efs ? { efs } : {}) });

  it('records the replica, the lag and passed when EFS replicates; nothing is compared', async () => {
    const { deps: d, recorded } = deps(efsAnswering([{ Region: 'us-west-2', FileSystemId: 'fs-0dr', Status: 'ENABLED', LastReplicatedTimestamp: new Date(NOW - 120_000) }]).client);
    const result = await runMirrorCheck({ samples: 100, graceSeconds: 900 }, d);
    expect(result.passed).toBe(true);
    expect(recorded).toEqual([
      expect.objectContaining({ source: 'shared', type: 'filesystem', mirror: 'efs fs-0dr (us-west-2, replica of fs-0src)', passed: true, compared: 0, lagSeconds: 120, note: expect.stringContaining('contents not compared') }),
    ]);
  });

  it('fails the check, naming EFS\'s status, when the replication is paused', async () => {
    const { deps: d } = deps(efsAnswering([{ Region: 'us-west-2', FileSystemId: 'fs-0dr', Status: 'ERROR', StatusMessage: 'destination deleted' }]).client);
    const result = await runMirrorCheck({ samples: 100, graceSeconds: 900 }, d);
    expect(result.passed).toBe(false);
    expect(result.cause).toContain('EFS replication into us-west-2 is ERROR: destination deleted');
  });

  it('records a failed check naming the file system when it does not exist in the primary region (review r6 R6-2), not the run\'s error', async () => {
    const { deps: d, recorded } = deps(efsAnswering(new FileSystemNotFound({ ErrorCode: 'FileSystemNotFound', message: 'File system \'fs-0src\' does not exist.', $metadata: {} })).client);
    const result = await runMirrorCheck({ samples: 100, graceSeconds: 900 }, d);
    const note = 'file system fs-0src does not exist in us-east-1 (the primary region): the environment\'s fileSystem.efs.fileSystemId is not a file system there, or it was deleted; nothing compared, the mirror is not vouched for';
    expect(result).toEqual(expect.objectContaining({ passed: false, cause: `Mirror check of shared (efs replica of fs-0src (us-west-2)) failed: ${note}; lag unknown` }));
    expect(recorded).toEqual([expect.objectContaining({ source: 'shared', type: 'filesystem', passed: false, compared: 0, lagSeconds: null, note })]);
  });

  it('keeps the samples an earlier run kept for a later sync when it cannot judge them: no replica mounted, or the file system missing (review r57L-4)', async () => {
    const awaitingSync = [{ sampledAt: new Date(NOW - 900_000).toISOString(), readUntil: new Date(NOW - 899_000).toISOString(), samples: [{ path: 'a.txt', size: 5, mtimeMs: 0, sha256: '0'.repeat(64) }] }];
    const kept: MirrorRecord = {
      environment: 'prod', source: 'shared', plan: 'files', type: 'filesystem', mirror: 'efs fs-0dr (us-west-2, replica of fs-0src)', checkedAt: new Date(NOW - 900_000).toISOString(),
      passed: true, compared: 0, differences: 0, inFlight: 1, lagSeconds: 300, graceSeconds: 900, cursor: '', durationMs: 1, awaitingSync, awaitingSyncPath: '/mnt/lifeboat/shared',
    };
    const unmounted = fileSystemMirrorCheckDeps({ plans, now: NOW, efs: efsAnswering([{ Region: 'us-west-2', FileSystemId: 'fs-0dr', Status: 'ENABLED', LastReplicatedTimestamp: new Date(NOW - 60_000) }]).client, recorded: [kept] });
    await runMirrorCheck({ samples: 100, graceSeconds: 900 }, unmounted.deps);
    expect(unmounted.recorded[1]).toMatchObject({ passed: true, awaitingSync, awaitingSyncPath: '/mnt/lifeboat/shared' });
    const missing = new FileSystemNotFound({ ErrorCode: 'FileSystemNotFound', message: 'File system \'fs-0src\' does not exist.', $metadata: {} });
    const outage = fileSystemMirrorCheckDeps({ plans, now: NOW, efs: efsAnswering(missing).client, recorded: [kept] });
    await runMirrorCheck({ samples: 100, graceSeconds: 900 }, outage.deps);
    expect(outage.recorded[1]).toMatchObject({ passed: false, awaitingSync, awaitingSyncPath: '/mnt/lifeboat/shared' });
  });

  it('without a replica mounted, kept samples are carried unjudged and do not turn status ✗ as they age (review r57O-1)', async () => {
    const HOUR = 3_600_000;
    const kept: MirrorRecord = {
      environment: 'prod', source: 'shared', plan: 'files', type: 'filesystem', mirror: 'efs fs-0dr (us-west-2, replica of fs-0src)', checkedAt: new Date(NOW).toISOString(),
      passed: true, compared: 3, differences: 0, inFlight: 1, lagSeconds: 300, graceSeconds: 900, cursor: '', durationMs: 1,
      awaitingSync: [{ sampledAt: new Date(NOW - 60_000).toISOString(), readUntil: new Date(NOW - 59_000).toISOString(), samples: [{ path: 'a.txt', size: 5, mtimeMs: 0, sha256: '0'.repeat(64) }] }],
      awaitingSyncPath: '/mnt/lifeboat/shared',
    };
    const recorded = [kept];
    // The replica's mount taken out of the configuration; hourly checks while EFS syncs every minute.
    for (const hour of [1, 2, 3]) {
      const at = NOW + hour * HOUR;
      const { deps: d } = fileSystemMirrorCheckDeps({ plans, now: at, efs: efsAnswering([{ Region: 'us-west-2', FileSystemId: 'fs-0dr', Status: 'ENABLED', LastReplicatedTimestamp: new Date(at - 60_000) }]).client, recorded });
      await runMirrorCheck({ samples: 100, graceSeconds: 900 }, d);
    }
    const last = recorded[3] as MirrorRecord;
    const status = sourceMirrorStatus({ plan: 'files', source: { name: 'shared', type: 'filesystem' }, check: last, rpoSeconds: 3600, schedule: { expression: 'rate(1 hour)', name: 'mirror-check' }, now: new Date(NOW + 3 * HOUR + 60_000) });
    expect(status).toMatchObject({ verdict: 'replicating', reasons: [], withinObjectives: true });
    // Still kept for when a replica is mounted again, marked as not judged by this check.
    expect(last).toMatchObject({ passed: true, lagSeconds: 60, contentsCompared: false, awaitingSync: kept.awaitingSync });
  });

  it('skips file-system mirrors where the function knows no file system (the local cloud has no EFS)', async () => {
    const { deps: d, recorded } = deps();
    expect(await runMirrorCheck({ samples: 100, graceSeconds: 900 }, d)).toEqual(expect.objectContaining({ passed: true, sources: [] }));
    expect(recorded).toEqual([]);
  });
});
