import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type ListObjectsV2CommandInput, S3Client } from '@aws-sdk/client-s3';
import { drillAccess, reportKeyInPeriod } from '../../../cli/drills/drill-access';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/** The report objects of a period, listed from a vault: keys sort by the drill's start, so the listing reads the period's keys only. */

const period = { since: new Date('2026-11-01T00:00:00.500Z'), until: new Date('2026-11-30T12:00:00.900Z') };

it('takes the report keys of drills started in the period, to the second, and nothing else under drills/', () => {
  expect(reportKeyInPeriod('drills/20261101T000000Z-00000001.json', period)).toBe(true);
  expect(reportKeyInPeriod('drills/20261031T235959Z-00000001.json', period)).toBe(false);
  expect(reportKeyInPeriod('drills/20261130T120000Z-ffffffff.json', period)).toBe(true);
  expect(reportKeyInPeriod('drills/20261130T120001Z-00000000.json', period)).toBe(false);
  expect(reportKeyInPeriod('drills/20261115T000000Z-00000001.json.tmp', period)).toBe(false);
  expect(reportKeyInPeriod('drills/20261115T000000Z-notes.json', period)).toBe(false);
});

it('lists the DR vault from the period\'s start (StartAfter) and stops at the first key past its end', async () => {
  const keys = [
    'drills/20261105T040000Z-0000000a.json',
    'drills/20261112T040000Z-0000000b.json',
    'drills/20261130T120000Z-0000000c.json',
    'drills/20261201T040000Z-0000000d.json',
    'drills/20261208T040000Z-0000000e.json',
  ];
  const requests: ListObjectsV2CommandInput[] = [];
  const s3 = new S3Client({ region: 'us-west-2' });
  // Two keys a page, as S3 pages them; a third page would be past the period and must not be asked for.
  jest.spyOn(s3, 'send').mockImplementation(async (command: unknown) => {
    if (!(command instanceof ListObjectsV2Command)) throw new Error(`unexpected ${String(command)}`);
    // The paginator reuses its input object: keep what each request carried.
    requests.push({ ...command.input });
    const start = command.input.ContinuationToken ? Number(command.input.ContinuationToken) : 0;
    const page = keys.slice(start, start + 2);
    return { Contents: page.map((Key) => ({ Key })), ...(start + 2 < keys.length ? { IsTruncated: true, NextContinuationToken: String(start + 2) } : { IsTruncated: false }) };
  });
  const access = await drillAccess({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent' }, { s3: () => s3, dynamodb: () => new DynamoDBClient({ region: 'us-west-2' }) });
  expect(await access.listReportKeys('dr', period)).toEqual(keys.slice(0, 3));
  expect(requests.map((r) => [r.Bucket, r.Prefix, r.StartAfter, r.ContinuationToken])).toEqual([
    [resourceNames(access.environment).drVault, 'drills/', 'drills/20261101T000000Z', undefined],
    [resourceNames(access.environment).drVault, 'drills/', 'drills/20261101T000000Z', '2'],
  ]);
});

it("reads the DR region's drill log in the DR account's catalog, by its ARN, when the DR stack is in another account (drAccount)", async () => {
  // A bare table name is resolved in the caller's own account: with drAccount that was the primary account's (absent) table.
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-drill-access-'));
  try {
    const config = JSON.parse(readFileSync(SAMPLE_CONFIG_FILE, 'utf8')) as { environments: Array<Record<string, unknown>> };
    config.environments = config.environments.map((e) => ({ ...e, drAccount: '111111111111' }));
    const file = path.join(dir, 'lifeboat.config.json');
    writeFileSync(file, JSON.stringify(config));
    const tables: Array<[string, string | undefined]> = [];
    const dynamodb = (region: string) => {
      // The document client sends through the client's middleware, not its send(): answer there, before any signing.
      const client = new DynamoDBClient({ region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      client.middlewareStack.add(
        () => async (args) => {
          tables.push([region, (args.input as { TableName?: string }).TableName]);
          return { output: { Items: [], $metadata: {} }, response: {} };
        },
        { step: 'initialize', name: 'answerQuery' },
      );
      return client;
    };
    const access = await drillAccess({ config: file, env: 'dev', dataDir: '/nonexistent' }, { s3: () => new S3Client({ region: 'us-west-2' }), dynamodb });
    await access.drillLog('dr').list();
    await access.drillLog('primary').list();
    const catalog = resourceNames(access.environment).catalogTable;
    expect(tables).toEqual([
      ['us-west-2', `arn:aws:dynamodb:us-west-2:111111111111:table/${catalog}`],
      ['us-east-1', catalog],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
