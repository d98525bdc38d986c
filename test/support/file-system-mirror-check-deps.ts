import { type EFSClient } from '@aws-sdk/client-efs';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type FileReplica, type MirrorCheckDeps } from '../../lambdas/mirror/mirror-check';
import { type MirrorRecord } from '../../lambdas/mirror/mirror-record';

/** A plan with one mirrored file-system source, `shared`, and one that is not mirrored, `scratch` (which every check must skip). */
export const FILE_MIRROR_PLANS: ProtectionPlanConfig[] = [
  {
    name: 'files',
    schedule: 'rate(1 day)',
    strategy: 'incremental',
    retention: { keepLast: 7 },
    objectives: { rpoMinutes: 60, rtoMinutes: 60 },
    maxConcurrency: 8,
    sources: [
      { type: 'filesystem', name: 'shared', path: '/mnt/lifeboat/shared', mirror: true },
      { type: 'filesystem', name: 'scratch', path: '/mnt/lifeboat/scratch' },
    ],
  },
];

/** runMirrorCheck's deps for file-system mirrors only (S3 and DynamoDB refuse), its records collected in `recorded`. */
export function fileSystemMirrorCheckDeps(options: {
  plans: ProtectionPlanConfig[];
  now: number;
  efs?: Pick<EFSClient, 'send'>;
  replica?: FileReplica;
  /** The check records of earlier runs (another call's `recorded`): a run reads and adds to them. */
  recorded?: MirrorRecord[];
}): { deps: MirrorCheckDeps; recorded: MirrorRecord[] } {
  const recorded: MirrorRecord[] = options.recorded ?? [];
  const { efs, replica } = options;
  return {
    recorded,
    deps: {
      environment: 'prod',
      plans: options.plans,
      mirrorRegion: 'us-west-2',
      sourceRegion: 'us-east-1',
      mirrorBucketPrefix: 'lifeboat-prod-mirror-',
      s3: () => {
        throw new Error('no S3 for a file system');
      },
      dynamodb: () => {
        throw new Error('no DynamoDB for a file system');
      },
      ...(efs ? { efs: { client: () => efs, fileSystemId: 'fs-0src', ...(replica ? { replica } : {}) } } : {}),
      // The catalog as the check leaves it: a later run over the same `recorded` reads its source's last record.
      log: { get: (source: string) => Promise.resolve(recorded.findLast((r) => r.source === source)), record: (r: MirrorRecord) => Promise.resolve(void recorded.push(r)) },
      now: () => options.now,
    },
  };
}
