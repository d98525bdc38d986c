import { GetCommand, PutCommand, QueryCommand, UpdateCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { scrubCommand } from '../../../cli/commands/scrub-command';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review rZ3 F1 of 26c922f5: `lifeboat scrub` (no `--repair`) checked the format markers as a writer of the primary
 * catalog, where its record goes, so a `--vault dr` scrub was refused by a busy, expired or unreadable primary — the
 * scrub the outage runbook recommends. It only glances at them now: a fault is said and skipped, a denial or missing
 * credentials skipped quietly, and the scrub goes on (here to the vaults, which these fakes do not serve).
 */
const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true };
const { primaryRegion } = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');

afterAll(() => {
  ddb.restore();
  s3.restore();
});

const failing = (name: string, message: string, status?: number): Error => Object.assign(new Error(message), { name, ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}) });

it.each([
  ['a throttle', failing('ThrottlingException', 'Rate of requests exceeds the allowed throughput', 400), true],
  ['a 503', failing('ServiceUnavailable', 'Service unavailable', 503), true],
  ['an expired token', failing('ExpiredTokenException', 'The security token included in the request is expired'), true],
  ['a denial', failing('AccessDeniedException', 'User is not authorized to perform: dynamodb:GetItem'), false],
  ['no credentials', failing('CredentialsProviderError', 'Could not load credentials from any providers'), false],
])('scrub --vault dr with the primary catalog answering %s looks past its format marker', async (_what, err, warned) => {
  ddb.reset();
  s3.reset();
  const fake = async (_input: unknown, getClient: () => { config: { region: () => Promise<string> } }): Promise<object> => {
    if ((await getClient().config.region()) === primaryRegion) throw err;
    return {};
  };
  ddb.on(GetCommand).callsFake(fake as never);
  ddb.on(UpdateCommand).callsFake(fake as never);
  ddb.on(QueryCommand).callsFake(fake as never);
  ddb.on(PutCommand).callsFake(fake as never);
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  const { err: stderr, io } = capturedCliIo();
  await scrubCommand({ ...target, vault: 'dr', fraction: '1' }, { io });
  expect(stderr.some((line) => /CatalogFormat|could not read or raise|Rate of requests|Service unavailable|token included/.test(line) && !line.startsWith('warning:'))).toBe(false);
  expect(stderr.filter((line) => line.startsWith('warning: the format marker of the catalog'))).toHaveLength(warned ? 1 : 0);
  // Past the check: the scrub went on to open the vaults.
  expect(stderr.at(-1)).toMatch(/^lifeboat scrub: the dr vault \(.+\) cannot be opened/);
});
