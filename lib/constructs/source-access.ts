import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ownedBy, sourceBucketAccount } from './bucket-owner-condition';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { type LifeboatSource } from './lifeboat-source';

/**
 * Grants a function what it needs of the protected sources and nothing more:
 * 'list' → enumerate and describe (s3:ListBucket; dynamodb:DescribeTable and DescribeTimeToLive, the
 * schema a restore recreates); 'read' → also read the data (objects and their tags under the source
 * prefix; Scan of the table) and decrypt with the source's KMS key when it has one. File-system
 * sources get nothing here: a function that touches files mounts the EFS file system, and its
 * elasticfilesystem:ClientMount (and ClientWrite) come with that mount (FileSystemMount, via
 * LifeboatFunction's `files`). Bucket statements carry s3:ResourceAccount: the source's account
 * (its config's `account`, else the stack's), so a bucket of the same name elsewhere is not granted.
 */
export function grantSourceRead(grantee: lambda.IFunction, sources: readonly LifeboatSource[], level: 'list' | 'read'): void {
  const allow = (statement: iam.PolicyStatementProps) => grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement(statement));
  for (const source of sources) {
    const { bucket, table, config } = source;
    if (bucket && config.type === 's3') {
      const account = sourceBucketAccount(Stack.of(grantee), source);
      allow({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: ownedBy(account, config.prefix ? { StringLike: { 's3:prefix': [`${config.prefix}*`] } } : {}),
      });
      if (level === 'read') {
        allow({ actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging'], resources: [sourceObjectsArn(source)], conditions: ownedBy(account) });
        if (bucket.encryptionKey) allow({ actions: ['kms:Decrypt'], resources: [bucket.encryptionKey.keyArn] });
      }
    } else if (table) {
      allow({
        actions: level === 'read' ? ['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive', 'dynamodb:Scan'] : ['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive'],
        resources: [table.tableArn],
      });
      if (level === 'read' && table.encryptionKey) allow({ actions: ['kms:Decrypt', 'kms:DescribeKey'], resources: [table.encryptionKey.keyArn] });
    }
  }
}

/** The objects of an S3 source: those under its prefix (a scoped wildcard). */
export function sourceObjectsArn(source: LifeboatSource): string {
  if (!source.bucket || source.config.type !== 's3') throw new Error(`Source "${source.name}" is not an S3 bucket source.`);
  return source.bucket.arnForObjects(`${source.config.prefix}*`);
}
