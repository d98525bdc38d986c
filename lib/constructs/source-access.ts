import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { type SourceConfig } from '../../config/lifeboat-config';

/**
 * Grants a function what it needs of the protected sources and nothing more:
 * 'list' → enumerate and describe (s3:ListBucket; dynamodb:DescribeTable and DescribeTimeToLive, the
 * schema a restore recreates); 'read' → also read the data
 * (objects and their tags under the source prefix; Scan of the table). File-system sources get
 * nothing here: a function that touches files mounts the environment's EFS file system, and its
 * elasticfilesystem:ClientMount (and ClientWrite) come with that mount (FileSystemMount, via
 * LifeboatFunction's `files`).
 */
export function grantSourceRead(grantee: lambda.IFunction, sources: readonly SourceConfig[], level: 'list' | 'read'): void {
  const stack = Stack.of(grantee);
  for (const source of sources) {
    if (source.type === 's3') {
      const bucketArn = `arn:${stack.partition}:s3:::${source.bucket}`;
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucketArn],
          ...(source.prefix ? { conditions: { StringLike: { 's3:prefix': [`${source.prefix}*`] } } } : {}),
        }),
      );
      if (level === 'read') {
        grantee.grantPrincipal.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging'],
            resources: [`${bucketArn}/${source.prefix}*`],
          }),
        );
      }
    } else if (source.type === 'dynamodb') {
      const tableArn = Arn.format({ service: 'dynamodb', resource: 'table', resourceName: source.table, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: level === 'read' ? ['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive', 'dynamodb:Scan'] : ['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive'],
          resources: [tableArn],
        }),
      );
    }
  }
}
