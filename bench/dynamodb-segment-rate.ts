import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type AttributeValue, DynamoDBClient, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { encodeItemText } from '../lambdas/sources/dynamodb-item-codec';
import { addDynamoDbSegment } from '../lambdas/sources/dynamodb-page-entries';
import { initVault, KeyFileKeyProvider, MemoryVaultStore } from '../vault';

/**
 * The throughput of one DynamoDB scan segment on Lifeboat's side, the figure behind
 * DEFAULT_TARGET_BYTES_PER_SEGMENT (lambdas/sources/dynamodb-segment-count.ts): `addDynamoDbSegment`
 * into a SnapshotWriter of an in-memory vault, with Scan pages of about 1 MB served from memory by a
 * client middleware, so neither DynamoDB nor the network counts. Run: `npx tsx bench/dynamodb-segment-rate.ts`
 * (LIFEBOAT_BENCH_SEGMENT_ITEMS, default 40,000 items of about 650 bytes).
 */
const ITEMS = Number(process.env['LIFEBOAT_BENCH_SEGMENT_ITEMS'] ?? 40_000);
const PAGE_ITEMS = 1200;

type Item = Record<string, AttributeValue>;

function item(i: number): Item {
  return {
    pk: { S: `customer#${i % 997}` },
    sk: { N: String(i) },
    kind: { S: ['order', 'invoice', 'refund'][i % 3] ?? 'order' },
    total: { N: `${i}.${i % 100}` },
    note: { S: randomBytes(300).toString('base64') },
    tags: { SS: ['a', 'b', `t${i % 17}`] },
    lines: { L: [{ M: { sku: { S: `sku-${i}` }, qty: { N: '2' } } }, { M: { sku: { S: `sku-${i + 1}` }, qty: { N: '1' } } }] },
  };
}

async function main(): Promise<void> {
  const items = Array.from({ length: ITEMS }, (_, i) => item(i));
  const bytes = items.reduce((sum, it) => sum + Buffer.byteLength(encodeItemText(it)), 0);
  const ddb = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  ddb.middlewareStack.add(
    () => async (args) => {
      const input = args.input as { ExclusiveStartKey?: Item };
      const start = input.ExclusiveStartKey ? Number(input.ExclusiveStartKey['sk']?.N) + 1 : 0;
      const page = items.slice(start, start + PAGE_ITEMS);
      const last = page[page.length - 1];
      const output: ScanCommandOutput = { Items: page, $metadata: {}, ...(start + PAGE_ITEMS < items.length && last ? { LastEvaluatedKey: { pk: last['pk'] as AttributeValue, sk: last['sk'] as AttributeValue } } : {}) };
      return { output, response: {} } as never;
    },
    { step: 'initialize' },
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-segment-rate-'));
  try {
    const vault = await initVault(new MemoryVaultStore(), await KeyFileKeyProvider.create(path.join(dir, 'key')));
    const writer = await vault.newSnapshotWriter({ parent: null });
    const started = performance.now();
    const { items: count } = await addDynamoDbSegment(ddb, { table: 'bench', segment: 0, totalSegments: 1, keyAttributes: ['pk', 'sk'] }, writer);
    await writer.finish();
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`one segment: ${count} items, ${(bytes / 1e6).toFixed(1)} MB of canonical text in ${seconds.toFixed(2)} s → ${(bytes / 1e6 / seconds).toFixed(1)} MB/s, ${Math.round(count / seconds)} items/s\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

void main();
