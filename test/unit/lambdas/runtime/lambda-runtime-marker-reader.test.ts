import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { REBUILD_MARKER_KEY } from '../../../../lambdas/catalog/catalog-rebuild-marker';
import { markerFinishLine } from '../../../../lambdas/catalog/rebuild-marker-finish-line';
import { createLambdaRuntime } from '../../../../lambdas/runtime/lambda-runtime';
import { runtimeConfigFromEnv } from '../../../../lambdas/runtime/runtime-config';

/**
 * The deployment a function's catalog reads its rebuild marker as (review r58J F1, F5): a restore, failover or drill
 * shows the marker's line only when the function's own rebuild would write it, and names its own key otherwise.
 */
const ddb = mockClient(DynamoDBDocumentClient);
afterAll(() => ddb.restore());

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const env = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ AWS_REGION: 'eu-west-1', LIFEBOAT_ENVIRONMENT: 'prod', CATALOG_TABLE: 'prod-catalog', LIFEBOAT_PLANS: '[]', ...extra });
const PRIMARY = env({ VAULT_BUCKET: 'prod-vault', VAULT_KEY_ARN: KEY });

async function lineRead(functionEnv: NodeJS.ProcessEnv, vault: 'primary' | 'dr', finishWith: string): Promise<string> {
  ddb.reset();
  ddb.on(GetCommand, { Key: REBUILD_MARKER_KEY }).resolves({
    Item: { ...REBUILD_MARKER_KEY, reliableFrom: { startedAt: '2026-03-02T10:00:00.000Z', backupId: 'b-2' }, vault, writtenAt: '2026-12-07T00:00:00.000Z', finishWith },
  });
  const marker = await createLambdaRuntime(runtimeConfigFromEnv(functionEnv)).catalog.rebuildMarker().read();
  if (marker === undefined) throw new Error('no marker read');
  return markerFinishLine(marker);
}

it('shows the line its own rebuild writes, with its environment, --aws and its own key', async () => {
  const line = `lifeboat catalog rebuild --vault primary --env prod --aws --vault-key ${KEY}`;
  await expect(lineRead(PRIMARY, 'primary', line)).resolves.toBe(line);
  await expect(lineRead(PRIMARY, 'primary', 'lifeboat catalog rebuild --vault primary --env prod --aws --vault-key alias/lifeboat-prod-vault')).resolves.toBe(
    'lifeboat catalog rebuild --vault primary --env prod --aws --vault-key alias/lifeboat-prod-vault',
  );
});

it('withholds a line of another environment or with another flag, naming its own key instead', async () => {
  for (const line of ['lifeboat catalog rebuild --vault primary --env staging --aws', 'lifeboat catalog rebuild --vault primary --env prod --aws --profile admin']) {
    await expect(lineRead(PRIMARY, 'primary', line)).resolves.toMatch(new RegExp(`^lifeboat catalog rebuild --vault primary --vault-key ${KEY} with the options that name this catalog `));
  }
});

it('reads as the DR region\'s function there: --region dr, and no key', async () => {
  const drEnv = env({ LIFEBOAT_HOME_VAULT: 'dr', DR_VAULT_BUCKET: 'prod-vault-dr', DR_REGION: 'eu-central-1', DR_VAULT_KEY_ARN: KEY.replace('eu-west-1', 'eu-central-1') });
  await expect(lineRead(drEnv, 'dr', 'lifeboat catalog rebuild --vault dr --region dr --env prod --aws')).resolves.toBe('lifeboat catalog rebuild --vault dr --region dr --env prod --aws');
  await expect(lineRead(drEnv, 'dr', 'lifeboat catalog rebuild --vault dr --env prod --aws')).resolves.toMatch(/^lifeboat catalog rebuild --vault dr with the options that name this catalog /);
});
