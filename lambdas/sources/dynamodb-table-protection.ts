import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTagsOfResourceCommand,
  type TableDescription,
  type Tag,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';

/**
 * How a table is encrypted at rest: with the AWS owned key (DynamoDB's default, no KMS key to see or
 * audit) or with a KMS key, named by the ARN DescribeTable gives (`SSEDescription.KMSMasterKeyArn`:
 * the AWS managed key `aws/dynamodb` or a customer managed key; DescribeTable does not say which).
 */
export const tableEncryptionSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('AWS_OWNED') }), z.object({ type: z.literal('KMS'), kmsKeyArn: z.string().min(1) })]);
export type TableEncryption = z.infer<typeof tableEncryptionSchema>;

/**
 * What keeps a table safe beyond its data, recorded at backup time beside its schema so that a
 * restore recreates it as safe as its source (issue 13, item 7) without reading the source again:
 * encryption, point-in-time recovery, deletion protection and the user's tags (`aws:` tags are
 * AWS's own and cannot be set).
 */
export const tableProtectionSchema = z.object({
  encryption: tableEncryptionSchema,
  pointInTimeRecovery: z.object({ enabled: z.boolean(), recoveryPeriodInDays: z.number().int().positive().optional() }),
  deletionProtection: z.boolean(),
  tags: z.array(z.object({ Key: z.string(), Value: z.string() })),
});
export type TableProtection = z.infer<typeof tableProtectionSchema>;

/** The encryption DescribeTable reports: KMS when SSE is on with a KMS key, else the AWS owned key (SSEDescription absent, or AES256). */
export function encryptionOf(table: TableDescription): TableEncryption {
  const sse = table.SSEDescription;
  const on = sse?.Status === 'ENABLED' || sse?.Status === 'ENABLING' || sse?.Status === 'UPDATING';
  return on && sse?.SSEType === 'KMS' && sse.KMSMasterKeyArn ? { type: 'KMS', kmsKeyArn: sse.KMSMasterKeyArn } : { type: 'AWS_OWNED' };
}

/**
 * Reads a table's protection: encryption and deletion protection from its DescribeTable answer
 * (`table`), point-in-time recovery from DescribeContinuousBackups, tags from ListTagsOfResource
 * (every page). Needs dynamodb:DescribeContinuousBackups and dynamodb:ListTagsOfResource on the table.
 */
export async function captureTableProtection(ddb: DynamoDBClient, table: TableDescription): Promise<TableProtection> {
  const name = table.TableName ?? '';
  const arn = table.TableArn;
  if (!arn) throw new Error(`DescribeTable returned no TableArn for ${name}; its tags cannot be read.`);
  const backups = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: name }));
  const pitr = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  const tags: Tag[] = [];
  let next: string | undefined;
  do {
    const page = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn, ...(next ? { NextToken: next } : {}) }));
    tags.push(...(page.Tags ?? []));
    next = page.NextToken;
  } while (next);
  return tableProtectionSchema.parse({
    encryption: encryptionOf(table),
    pointInTimeRecovery: {
      enabled: pitr?.PointInTimeRecoveryStatus === 'ENABLED',
      ...(pitr?.PointInTimeRecoveryStatus === 'ENABLED' && pitr.RecoveryPeriodInDays ? { recoveryPeriodInDays: pitr.RecoveryPeriodInDays } : {}),
    },
    deletionProtection: table.DeletionProtectionEnabled === true,
    tags: tags.filter((t) => t.Key !== undefined && !t.Key.startsWith('aws:')).map((t) => ({ Key: t.Key, Value: t.Value ?? '' })),
  });
}

/** A table's protection read live (DescribeTable first): a restore of a snapshot recorded before the backup captured it. */
export async function describeTableProtection(ddb: DynamoDBClient, table: string): Promise<TableProtection> {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
  if (!Table) throw new Error(`DescribeTable returned no description for ${table}.`);
  return captureTableProtection(ddb, Table);
}
