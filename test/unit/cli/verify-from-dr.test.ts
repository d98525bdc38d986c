import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { verifyCommand } from '../../../cli/commands/restore-commands';
import { environmentAccess, type EnvironmentAccess } from '../../../cli/environment-access';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { type BackupRecord, snapshotFieldsOfSource } from '../../../lambdas/catalog/backup-record';
import { readBackupRecord } from '../../../lambdas/restore/restored-backup';
import { verifyBackup } from '../../../lambdas/restore/verify-backup';
import { UnrecordedSourcesError } from '../../../lambdas/restore/unrecorded-sources-error';
import { backupDirectory } from '../../../vault/archiver/directory-source';
import { type Vault } from '../../../vault';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { newTestVault, removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * `lifeboat verify --from dr --aws` checks the DR vault against the DR catalog's record: it works with
 * the primary region down (every primary-region call fails here, as audit R20 found with a proxy) and
 * with the DR account's credentials, and the DR record's forgottenAt is the one that counts.
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const PRIMARY = environment.primaryRegion;
const DR = environment.drRegion;
const BACKUP = '20261205T101232Z-bc7618e8';
const options = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true, backup: BACKUP } as const;

const regionOf = async (getClient: () => { config: { region: unknown } }): Promise<string> => {
  const region = getClient().config.region;
  return typeof region === 'function' ? String(await (region as () => Promise<string>)()) : String(region);
};

const documents = mockClient(DynamoDBDocumentClient);
/** Each region's catalog records, by backup id; a region in `down` fails every call. */
const catalogs: Record<string, Map<string, BackupRecord>> = { [PRIMARY]: new Map(), [DR]: new Map() };
const down = new Set<string>();
let reads: string[];

let dir: string;
let vault: Vault;
let record: BackupRecord;

beforeAll(async () => {
  dir = await tempDir('verify-from-dr');
  vault = (await newTestVault(dir)).vault;
  const source = path.join(dir, 'source');
  await fs.mkdir(source);
  await fs.writeFile(path.join(source, 'orders.json'), '{"order":1}');
  const { snapshot } = await backupDirectory(vault, source);
  const fields = snapshotFieldsOfSource(snapshot);
  record = {
    backupId: BACKUP,
    plan: 'demo',
    environment: 'dev',
    sourceNames: ['demo-files'],
    sources: [{ name: 'demo-files', type: 'filesystem', ...fields }],
    strategy: 'full',
    status: 'COMMITTED',
    startedAt: '2026-12-05T10:12:32.000Z',
    endedAt: '2026-12-05T10:13:00.000Z',
    shardCount: 1,
    totals: { entries: fields.entries, bytes: fields.bytes, bytesScanned: fields.bytesScanned, bytesNew: fields.bytesNew, bytesStored: fields.bytesStored, blobsNew: fields.blobsNew },
  };
});
afterAll(async () => removeDir(dir));

beforeEach(() => {
  documents.reset();
  for (const catalog of Object.values(catalogs)) catalog.clear();
  down.clear();
  reads = [];
  documents.on(GetCommand).callsFake(async (input: { Key: { pk: string } }, getClient) => {
    const region = await regionOf(getClient);
    reads.push(region);
    if (down.has(region)) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const found = catalogs[region]?.get(input.Key.pk.replace(/^BACKUP#/, ''));
    return { Item: found ? { pk: `BACKUP#${found.backupId}`, sk: 'BACKUP', ...found } : undefined };
  });
});

/** The environment's access in AWS, its catalogs through the fake DynamoDB; the vault of either side is the test's. */
async function access(opened: string[]): Promise<EnvironmentAccess> {
  const real = await environmentAccess(options);
  return { ...real, openVault: async (side) => (opened.push(side), vault) };
}

async function verify(from: 'primary' | 'dr', opened: string[] = []): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await verifyCommand({ ...options, from }, { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, access: await access(opened) });
  return { code, out, err };
}

describe('lifeboat verify --from dr --aws', () => {
  it('with the primary region down, reads the record from the DR catalog and verifies the DR vault', async () => {
    down.add(PRIMARY);
    catalogs[DR]?.set(BACKUP, record);
    const opened: string[] = [];
    const { code, out, err } = await verify('dr', opened);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out.at(-1)).toBe(`OK: backup ${BACKUP} in the dr vault (structure; add --read-data to read every blob)`);
    expect(reads).toEqual([DR]);
    expect(opened).toEqual(['dr']);
  });

  it("weighs the forgottenAt of the catalog of the vault it verifies: the DR catalog's for the DR vault, the primary's for the primary vault", async () => {
    const forgotten = '2026-12-06T02:00:00.000Z';
    const refusal = (vault: string) =>
      `lifeboat verify: Backup ${BACKUP} was forgotten by retention at ${forgotten}: its snapshots are no longer in the ${vault} vault. ` +
      'Choose a kept backup (`lifeboat backups list`), or restore it from the other vault if that one still keeps it.';
    // The DR vault's retention forgot it; the primary catalog still keeps it.
    catalogs[PRIMARY]?.set(BACKUP, record);
    catalogs[DR]?.set(BACKUP, { ...record, forgottenAt: forgotten });
    const opened: string[] = [];
    expect(await verify('dr', opened)).toEqual({ code: 1, out: [], err: [refusal('dr')] });
    expect(opened).toEqual([]);
    // The primary's retention forgot it; the DR vault still keeps it.
    catalogs[PRIMARY]?.set(BACKUP, { ...record, forgottenAt: forgotten });
    catalogs[DR]?.set(BACKUP, record);
    const kept = await verify('dr');
    expect(kept.code).toBe(0);
    expect(kept.out.at(-1)).toMatch(/^OK: backup \S+ in the dr vault/);
    reads = [];
    expect(await verify('primary')).toEqual({ code: 1, out: [], err: [refusal('primary')] });
    expect(reads).toEqual([PRIMARY]);
  });

  it('reads the primary catalog only for a record the DR catalog lacks, and says the DR catalog lacks it when neither tells', async () => {
    catalogs[PRIMARY]?.set(BACKUP, record);
    const fallback = await verify('dr');
    expect(fallback.code).toBe(0);
    expect(reads).toEqual([DR, PRIMARY]);
    catalogs[PRIMARY]?.clear();
    down.add(PRIMARY);
    const missing = await verify('dr');
    expect(missing.code).toBe(1);
    expect(missing.err).toEqual([expect.stringMatching(new RegExp(`^lifeboat verify: No backup with id ${BACKUP} exists in the DR catalog: it holds only the backups replicated to the DR vault`))]);
  });

  it('refuses a FAILED or RUNNING backup, whose record has no sources, instead of saying OK for nothing (audit c5-1), the primary record read for the DR vault included', async () => {
    const failed: BackupRecord = { ...record, status: 'FAILED', sources: [], error: 'States.TaskFailed', cause: 'shard read failed' };
    catalogs[PRIMARY]?.set(BACKUP, failed);
    const opened: string[] = [];
    const refusal = (status: string, next: string) =>
      `lifeboat verify: Invalid verify request: backup ${BACKUP} is ${status}, and only COMMITTED backups can be verified; ${next} a committed backup (\`lifeboat backups list\`)`;
    expect(await verify('primary', opened)).toEqual({ code: 1, out: [], err: [refusal('FAILED', 'choose')] });
    // The DR catalog lacks it: the primary's record is the one read, and it is FAILED as well.
    expect(await verify('dr', opened)).toEqual({ code: 1, out: [], err: [refusal('FAILED', 'choose')] });
    catalogs[DR]?.set(BACKUP, { ...record, status: 'RUNNING', sources: [] });
    expect(await verify('dr', opened)).toEqual({ code: 1, out: [], err: [refusal('RUNNING', 'wait for its run to commit it, or choose')] });
    expect(opened).toEqual([]);
  });

  it('fails a committed record that lacks the snapshot of a source its run backed up, or records no source, naming what is missing (audit c5-1)', async () => {
    catalogs[PRIMARY]?.set(BACKUP, { ...record, sourceNames: ['demo-files', 'demo-orders'] });
    const partial = await verify('primary');
    expect(partial.code).toBe(1);
    expect(partial.err).toEqual([
      `lifeboat verify: Backup ${BACKUP} records no vault snapshot for source "demo-orders", which its run backed up: that part of the backup cannot be verified or restored. Choose another backup to rely on (\`lifeboat backups list\`).`,
    ]);
    const none = verifyBackup(vault, readBackupRecord({ ...record, sourceNames: undefined, sources: [] }));
    await expect(none).rejects.toBeInstanceOf(UnrecordedSourcesError);
    await expect(none).rejects.toMatchObject({ missing: [], message: expect.stringContaining('records no source and no snapshot') });
  });
});
