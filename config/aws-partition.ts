/** The AWS partitions whose regions the config accepts (config/lifeboat-config.ts: `us-gov-*` and `cn-*` included). */
export type AwsPartition = 'aws' | 'aws-cn' | 'aws-us-gov';

/**
 * The partition of a region, for the ARNs the CLI builds from the config and the key ARNs the config
 * checks (the CDK side has `Stack.partition` and needs none of this): Step Functions refuses
 * `arn:aws:…` for a state machine of GovCloud or China, so `lifeboat backup --aws` there would name one
 * that does not exist.
 */
export function partitionOf(region: string): AwsPartition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
