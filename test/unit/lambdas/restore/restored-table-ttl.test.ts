import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { planRestore } from '../../../../lambdas/restore/plan-restore';
import { type ResolvedRestore } from '../../../../lambdas/restore/resolved-restore';
import { restorePlanDocumentSchema } from '../../../../lambdas/restore/restore-plan-document';
import { putShardCheck } from '../../../../lambdas/restore/shard-checks';
import { verifyRestore } from '../../../../lambdas/restore/verify-restore';
import { type TableSchema } from '../../../../lambdas/sources/dynamodb-table-schema';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type Snapshot } from '../../../../vault/manifest/snapshot-record';
import { initVault, type Vault } from '../../../../vault/repository/vault';
import { VaultObjectNotFoundError } from '../../../../vault/vault-errors';
import { snapshotKey } from '../../../../vault';
import { timeToLiveLeftOff } from '../../../../lambdas/restore/restored-table-ttl';
import { servePlanObjects } from '../../../support/memory-plan-store';

/**
 * Audit a57D-1: a restored table got its source's TTL as soon as it was ACTIVE, so DynamoDB deleted within days the
 * restored items of an older backup whose TTL time had passed. A restore asked for `"timeToLive": "off"` leaves it off,
 * and its plan's notes and report name the attribute with the command that turns it on; without it, TTL is on as before.
 * DynamoDB is scripted (the local cloud has no TTL) and the UpdateTimeToLive calls are recorded.
 */
const ddb = mockClient(DynamoDBClient);
const planS3 = mockClient(S3Client);
const written = new Map<string, string>();
const schema: TableSchema = {
  tableName: 'sessions',
  attributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  keySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  globalSecondaryIndexes: [],
  localSecondaryIndexes: [],
  billingMode: 'PAY_PER_REQUEST',
  ttlAttribute: 'expires at',
  protection: { encryption: { type: 'AWS_OWNED' }, pointInTimeRecovery: { enabled: false }, deletionProtection: false, tags: [] },
};
let vault: Vault;
let snapshot: Snapshot;

beforeAll(async () => {
  vault = await initVault(new MemoryVaultStore('restored-table-ttl'), new PassphraseKeyProvider('ttl', { N: 1024, r: 8, p: 1 }), { compressionLevel: null });
  snapshot = await vault.commitSnapshot({
    source: { kind: 'dynamodb', id: 'sessions', table: 'sessions', schema },
    parts: [],
    entries: [{ path: 'segment-0000/page-000000', kind: 'page', size: 10, meta: { items: 1 }, content: [] }],
  });
});
afterAll(() => {
  ddb.restore();
  planS3.restore();
});
beforeEach(() => {
  written.clear();
  planS3.reset();
  servePlanObjects(planS3, written);
  ddb.reset();
  // The first DescribeTable is the plan's look for an existing table; the table exists once CreateTable has made it.
  ddb.on(DescribeTableCommand).rejectsOnce(new ResourceNotFoundException({ $metadata: {}, message: 'Requested resource not found' })).resolves({
    Table: { TableName: 'sessions-restored', TableStatus: 'ACTIVE', KeySchema: schema.keySchema, BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' } },
  });
  ddb.on(CreateTableCommand).resolves({});
  ddb.on(UpdateTimeToLiveCommand).resolves({});
});

function restoreOf(restoreId: string, timeToLive?: 'on' | 'off'): ResolvedRestore {
  return {
    restoreId,
    source: { name: 'sessions', type: 'dynamodb' },
    backupId: '20260301T100000Z-1a2b3c4d',
    backupStartedAt: '2026-03-01T10:00:00.000Z',
    snapshotId: snapshot.id,
    vault: 'primary',
    target: { type: 'dynamodb', table: 'sessions-restored' },
    overwrite: false,
    keepSetIdBits: false,
    ...(timeToLive ? { timeToLive } : {}),
    prefix: '',
    startedAt: new Date().toISOString(),
  };
}

/** `verifyVault`: the vault as the verify step finds it (default: as the plan step did). */
async function restore(resolved: ResolvedRestore, verifyVault: Vault = vault): Promise<{ notes: string[] | undefined; report: Awaited<ReturnType<typeof verifyRestore>> }> {
  const deps = { openVault: () => Promise.resolve(vault), planS3: new S3Client({ region: 'us-east-1' }), planBucket: 'vault', dynamodb: new DynamoDBClient({ region: 'us-east-1' }), directory: (p: string) => p };
  const planned = await planRestore(resolved, { map: 'inline', maxConcurrency: 1 }, { ...deps, tablePlace: { region: 'us-east-1', scratch: false } });
  const plan = restorePlanDocumentSchema.parse(JSON.parse(written.get(planned.planKey) ?? '{}'));
  for (const shard of plan.shards) {
    await putShardCheck(deps, { restoreId: resolved.restoreId, shardIndex: shard.index, checked: 1, items: 1, mismatches: [], mismatchCount: 0, notRestored: [], notRestoredCount: 0 });
  }
  const verifyDeps = { ...deps, openVault: () => Promise.resolve(verifyVault), targetS3: new S3Client({ region: 'us-east-1' }) };
  return { notes: planned.targetNotes, report: await verifyRestore({ planKey: planned.planKey }, verifyDeps) };
}

/** The vault once retention forgot the restore's snapshot (a restore from the DR vault into the primary region is not pinned there). */
function vaultWithoutTheSnapshot(): Vault {
  const forgot: Vault = Object.create(vault) as Vault;
  forgot.loadSnapshot = (id: string) => Promise.reject(new VaultObjectNotFoundError('vault', snapshotKey(id)));
  return forgot;
}

it('leaves TTL off on the table a restore with "timeToLive": "off" creates, and says by which attribute and command to turn it on', async () => {
  const { notes, report } = await restore(restoreOf('r-ttl-off', 'off'));
  expect(ddb.commandCalls(CreateTableCommand)).toHaveLength(1);
  expect(ddb.commandCalls(UpdateTimeToLiveCommand)).toEqual([]);
  const turnOnWith = 'aws dynamodb update-time-to-live --table-name sessions-restored --time-to-live-specification \'{"Enabled":true,"AttributeName":"expires at"}\'';
  expect(report.timeToLiveOff).toEqual({ attribute: 'expires at', turnOnWith });
  expect(notes).toEqual([expect.stringContaining(`the source expired items by "expires at"; items of the backup past that time stay until TTL is turned on (${turnOnWith})`)]);
});

it('turns the source\'s TTL on by default, as a failover wants, and says nothing of it', async () => {
  const { notes, report } = await restore(restoreOf('r-ttl-on'));
  expect(ddb.commandCalls(UpdateTimeToLiveCommand).map((c) => c.args[0].input)).toEqual([{ TableName: 'sessions-restored', TimeToLiveSpecification: { AttributeName: 'expires at', Enabled: true } }]);
  expect(report.timeToLiveOff).toBeUndefined();
  expect(notes).toBeUndefined();
});

// Review r57Q F1: verify loaded the snapshot for the TTL attribute, so a TTL-off restore whose items were all written and
// checked failed with ForgottenDuringRestoreError once retention forgot it; the plan now carries the attribute.
it('verifies a TTL-off restore whose snapshot was forgotten after the plan step, naming the attribute from the plan', async () => {
  const { report } = await restore(restoreOf('r-ttl-off-forgotten', 'off'), vaultWithoutTheSnapshot());
  expect(report.timeToLiveOff?.attribute).toBe('expires at');
  expect(report.verified).toEqual({ entries: 1, mismatches: 0 });
});

it('says nothing of TTL for a plan made before plans named the attribute', async () => {
  const resolved = restoreOf('r-ttl-off-old-plan', 'off');
  const deps = { openVault: () => Promise.resolve(vault), planS3: new S3Client({ region: 'us-east-1' }), planBucket: 'vault', dynamodb: new DynamoDBClient({ region: 'us-east-1' }), directory: (p: string) => p };
  const planned = await planRestore(resolved, { map: 'inline', maxConcurrency: 1 }, { ...deps, tablePlace: { region: 'us-east-1', scratch: false } });
  const { ttlLeftOff, ...older } = restorePlanDocumentSchema.parse(JSON.parse(written.get(planned.planKey) ?? '{}'));
  expect(ttlLeftOff).toEqual({ attribute: 'expires at' });
  written.set(planned.planKey, JSON.stringify(older));
  for (const shard of older.shards) {
    await putShardCheck(deps, { restoreId: resolved.restoreId, shardIndex: shard.index, checked: 1, items: 1, mismatches: [], mismatchCount: 0, notRestored: [], notRestoredCount: 0 });
  }
  const report = await verifyRestore({ planKey: planned.planKey }, { ...deps, openVault: () => Promise.resolve(vaultWithoutTheSnapshot()), targetS3: new S3Client({ region: 'us-east-1' }) });
  expect(report.timeToLiveOff).toBeUndefined();
});

// Review r57Q F2: the aws CLI's shorthand (Enabled=true,AttributeName=a,b) splits at commas, and the command was refused.
it.each([
  ['a,b', `'{"Enabled":true,"AttributeName":"a,b"}'`],
  ["it's", `'{"Enabled":true,"AttributeName":"it'\\''s"}'`],
])('turns TTL on by attribute %j with the JSON form of the specification, one shell word', (attribute, spec) => {
  expect(timeToLiveLeftOff('t', attribute).turnOnWith).toBe(`aws dynamodb update-time-to-live --table-name t --time-to-live-specification ${spec}`);
});
