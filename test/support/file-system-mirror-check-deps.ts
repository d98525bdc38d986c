import { type EFSClient } from '@aws-sdk/client-efs';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { type FileReplica, type MirrorCheckDeps } from '../../lambdas/mirror/mirror-check';
import { type MirrorRecord } from '../../lambdas/mirror/mirror-record';

/** runMirrorCheck's deps for file-system mirrors only (S3 and DynamoDB refuse), its records collected in `recorded`. */
export function fileSystemMirrorCheckDeps(options: { plans: ProtectionPlanConfig[]; now: number; efs?: Pick<EFSClient, 'send'>; replica?: FileReplica }): { deps: MirrorCheckDeps; recorded: MirrorRecord[] } {
  const recorded: MirrorRecord[] = [];
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
      log: { get: () => Promise.resolve(undefined), record: (r: MirrorRecord) => Promise.resolve(void recorded.push(r)) },
      now: () => options.now,
    },
  };
}
