import { appendFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { sampleItems, seededBytes } from './sample-data';

/**
 * Changes between the demo's backups, a little of everything an incremental backup must notice:
 * S3 — one object rewritten, one added, one deleted, one only re-tagged (ETag unchanged);
 * DynamoDB — items updated, inserted and deleted; files — one appended to, one added, one deleted.
 * `round` makes each round's changes different.
 */
export async function changeSampleBucket(s3: S3Client, bucket: string, round: number): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'readme.txt', Body: seededBytes(`readme-round-${round}`, 4096 + round), ContentType: 'text/plain' }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `added/round-${round}.bin`, Body: seededBytes(`added-${round}`, 64 * 1024) }));
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `bulk/item-${String(round * 7).padStart(4, '0')}.dat` }));
  await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'images/logo v2.png', Tagging: { TagSet: [{ Key: 'class', Value: `round-${round}` }] } }));
  return '1 object rewritten, 1 added, 1 deleted, 1 re-tagged';
}

export async function changeSampleTable(ddb: DynamoDBClient, table: string, round: number): Promise<string> {
  const base = sampleItems(260 + round * 3);
  const updated = base.slice(round * 10, round * 10 + 5).map((item) => ({ ...item, total: { N: `${round}.000000000000000000000000000000000001` } }));
  const inserted = base.slice(250 + (round - 1) * 3, 250 + round * 3);
  const deleted = base.slice(100 + round * 2, 100 + round * 2 + 2).map((item) => ({ orderId: item.orderId as { S: string } }));
  const requests: WriteRequest[] = [...[...updated, ...inserted].map((Item) => ({ PutRequest: { Item } })), ...deleted.map((Key) => ({ DeleteRequest: { Key } }))];
  let pending: Record<string, WriteRequest[]> | undefined = { [table]: requests };
  while (pending && Object.keys(pending).length > 0) pending = (await ddb.send(new BatchWriteItemCommand({ RequestItems: pending }))).UnprocessedItems;
  return `${updated.length} items updated, ${inserted.length} inserted, ${deleted.length} deleted`;
}

export async function changeSampleDirectory(root: string, round: number): Promise<string> {
  await appendFile(path.join(root, 'logs', 'day-03.log'), `appended in round ${round}\n`);
  await writeFile(path.join(root, 'docs', `notes-round-${round}.md`), `# Round ${round}\n`.repeat(500));
  await rm(path.join(root, 'logs', `day-${String(10 + round).padStart(2, '0')}.log`), { force: true });
  return '1 file appended to, 1 added, 1 deleted';
}
