import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { verifyCommand } from '../../../cli/commands/restore-commands';
import { environmentAccess } from '../../../cli/environment-access';
import { backupsHoldCommand } from '../../../cli/commands/retention-commands';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r63A F4: `lifeboat verify` named the way out of a primary region in trouble (`--from dr`) only when the
 * primary catalog's DynamoDB did not answer; one answering 503, as a region in an outage does before it falls silent,
 * printed DynamoDB's bare message. The primary DynamoDB here is a server on 127.0.0.1 that answers every request 503.
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(503, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable', message: 'the region is in trouble' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it('verify names the DR vault (--from dr) when the primary catalog answers with a fault of its own', async () => {
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
  const dynamodb = new DynamoDBClient({ region: environment.primaryRegion, endpoint, maxAttempts: 1, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  try {
    const code = await verifyCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true, backup: '20261205T101232Z-bc7618e8' }, { io, clients: { dynamodb } });
    expect(code).toBe(1);
  } finally {
    dynamodb.destroy();
  }
  expect(lines).toEqual([
    `lifeboat verify: the primary catalog ${resourceNames(environment).catalogTable} could not be used: DynamoDB in ${environment.primaryRegion} answered with a fault of its own ` +
      '(ServiceUnavailable (HTTP 503): the region is in trouble). If the primary region is down, verify the copy in the DR vault instead, whose record the DR catalog keeps: --from dr',
  ]);
});

it("a write the primary catalog answered with a fault is not called a read, and may have applied (review r63H F5)", async () => {
  // hold's UpdateItem: a 5xx on a write may come after DynamoDB applied it, so running again blind is not the advice.
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) };
  const client = () => new DynamoDBClient({ region: environment.primaryRegion, endpoint, maxAttempts: 1, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const dynamodb = client();
  const drDynamodb = client();
  try {
    const code = await backupsHoldCommand('20261205T101232Z-bc7618e8', { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true, reason: 'case 42' }, { io, clients: { dynamodb, drDynamodb } });
    expect(code).toBe(1);
  } finally {
    dynamodb.destroy();
    drDynamodb.destroy();
  }
  expect(lines).toEqual([
    `lifeboat backups hold: the primary catalog ${resourceNames(environment).catalogTable} could not be used: DynamoDB in ${environment.primaryRegion} answered with a fault of its own ` +
      '(ServiceUnavailable (HTTP 503): the region is in trouble) (the hold may or may not have been written: running the command again is safe, it sets the hold again). ' +
      'If the primary region is down, hold the DR copy alone: --only dr (the DR catalog and the DR vault); run the command again without --only once the primary region answers, for the primary half',
  ]);
});

it("a write without a note of its command's names its item and the line that reads it (review r63O F4)", async () => {
  // "read the item before trying again" named no item and no command.
  const dynamodb = new DynamoDBClient({ region: environment.primaryRegion, endpoint, maxAttempts: 1, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  try {
    const access = await environmentAccess({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true }, { dynamodb }, { primaryCatalogUnanswered: 'forget from the DR vault: --vault dr', environment });
    const failed = await access.catalog.markForgotten('20261205T101232Z-bc7618e8', '2026-12-07T00:00:00Z').catch((err: unknown) => err);
    const table = resourceNames(environment).catalogTable;
    expect((failed as Error).message).toMatch(
      new RegExp(
        `\\(the write of item "BACKUP#20261205T101232Z-bc7618e8" / ".*" may or may not have applied: read it with \`aws dynamodb get-item --region ${environment.primaryRegion} --table-name ${table} --key '\\{"pk":\\{"S":"BACKUP#20261205T101232Z-bc7618e8"\\},"sk":\\{"S":".*"\\}\\}'\` before trying again\\)\\. If the primary region is down, forget from the DR vault: --vault dr$`,
      ),
    );
  } finally {
    dynamodb.destroy();
  }
});
