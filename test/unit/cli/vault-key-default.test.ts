import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { environmentAccess } from '../../../cli/environment-access';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { KmsKeyProvider } from '../../../vault/keys/kms-key-provider';
import { S3VaultStore } from '../../../vault/backend/s3/s3-vault-store';
import { initVault } from '../../../vault/repository/vault';
import { KeyUnwrapError } from '../../../vault/vault-errors';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat verify --aws` opens the primary vault with the KMS key alias the primary stack creates
 * (alias/lifeboat-<env>-vault) unless --vault-key names a key. Fake S3 and KMS: KMS resolves aliases
 * and refuses a ciphertext presented with another key (IncorrectKeyException), as AWS does.
 */
const configFile = SAMPLE_CONFIG_FILE;
const environment = findEnvironment(loadLifeboatConfig(configFile), 'dev');
const names = resourceNames(environment);

const ACCOUNT = environment.account;
const arnOf = (region: string, id: string): string => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
const PRIMARY_KEY = arnOf(environment.primaryRegion, '11111111-1111-1111-1111-111111111111');
const DR_KEY = arnOf(environment.drRegion, '22222222-2222-2222-2222-222222222222');
const OTHER_KEY = arnOf(environment.primaryRegion, '33333333-3333-3333-3333-333333333333');
const ALIASES: Record<string, string> = { [names.primaryVaultKeyAlias]: PRIMARY_KEY, [names.drVaultKeyAlias]: DR_KEY };

function kmsError(name: string): KMSServiceException {
  return new KMSServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: name });
}
function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

/** Key id, ARN or alias → key ARN; NotFoundException for an unknown alias. */
function resolveKey(keyId: string): string {
  if (keyId.startsWith('alias/')) {
    const arn = ALIASES[keyId];
    if (!arn) throw kmsError('NotFoundException');
    return arn;
  }
  return keyId;
}

const kms = mockClient(KMSClient);
const s3 = mockClient(S3Client);
const objects = new Map<string, Buffer>();

beforeEach(() => {
  objects.clear();
  kms.reset();
  s3.reset();
  kms.on(GenerateDataKeyCommand).callsFake((input: { KeyId: string; EncryptionContext?: Record<string, string> }) => {
    const key = resolveKey(input.KeyId);
    const plaintext = randomBytes(64);
    const blob = Buffer.from(JSON.stringify({ key, context: input.EncryptionContext ?? {}, plaintext: plaintext.toString('base64') }));
    return { KeyId: key, Plaintext: plaintext, CiphertextBlob: blob };
  });
  kms.on(DecryptCommand).callsFake((input: { KeyId?: string; CiphertextBlob: Uint8Array; EncryptionContext?: Record<string, string> }) => {
    const blob = JSON.parse(Buffer.from(input.CiphertextBlob).toString()) as { key: string; context: Record<string, string>; plaintext: string };
    if (input.KeyId !== undefined && resolveKey(input.KeyId) !== blob.key) throw kmsError('IncorrectKeyException');
    if (JSON.stringify(input.EncryptionContext ?? {}) !== JSON.stringify(blob.context)) throw kmsError('InvalidCiphertextException');
    return { KeyId: blob.key, Plaintext: Buffer.from(blob.plaintext, 'base64') };
  });
  s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: Uint8Array }) => {
    objects.set(`${input.Bucket}/${input.Key}`, Buffer.from(input.Body));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const body = objects.get(`${input.Bucket}/${input.Key}`);
    if (!body) throw s3Error('NoSuchKey', 404);
    return { Body: { transformToByteArray: () => Promise.resolve(new Uint8Array(body)) } };
  });
  s3.on(HeadObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    if (!objects.has(`${input.Bucket}/${input.Key}`)) throw s3Error('NotFound', 404);
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix?: string }) => ({
    Contents: [...objects.keys()]
      .filter((k) => k.startsWith(`${input.Bucket}/${input.Prefix ?? ''}`))
      .map((k) => ({ Key: k.slice(input.Bucket.length + 1) })),
    IsTruncated: false,
  }));
});

const client = (region: string) => ({ s3: new S3Client({ region }), kms: new KMSClient({ region }) });

/** A vault as the deployed backup functions create it: KMS data key under the vault's key (VAULT_KEY_ARN), bound to the bucket. */
async function deployedVault(bucket: string, keyArn: string, region: string): Promise<string> {
  const { s3: s3Client, kms: kmsClient } = client(region);
  const provider = new KmsKeyProvider({ client: kmsClient, keyId: keyArn, encryptionContext: { 'lifeboat:vault': bucket } });
  return (await initVault(new S3VaultStore({ client: s3Client, bucket }), provider)).config.id;
}

async function access(vaultKey?: string) {
  return environmentAccess(
    { config: configFile, env: 'dev', dataDir: '.unused', aws: true, ...(vaultKey !== undefined ? { vaultKey } : {}) },
    { s3: (region) => client(region).s3, kms: (region) => client(region).kms },
  );
}

const decryptKeyIds = (): (string | undefined)[] => kms.commandCalls(DecryptCommand).map((c) => c.args[0].input.KeyId);

describe('lifeboat verify --aws: the vault keys', () => {
  it('opens the primary vault with alias/lifeboat-<env>-vault when --vault-key is not given', async () => {
    const id = await deployedVault(names.primaryVault, PRIMARY_KEY, environment.primaryRegion);
    const vault = await (await access()).openVault('primary');
    expect(vault.config.id).toBe(id);
    expect(decryptKeyIds()).toEqual(['alias/lifeboat-dev-vault']);
  });

  it('uses the key --vault-key names instead, and fails with the key error when it is not the vault key', async () => {
    const id = await deployedVault(names.primaryVault, PRIMARY_KEY, environment.primaryRegion);
    expect((await (await access(PRIMARY_KEY)).openVault('primary')).config.id).toBe(id);
    expect(decryptKeyIds()).toEqual([PRIMARY_KEY]);
    await expect((await access(OTHER_KEY)).openVault('primary')).rejects.toThrow(KeyUnwrapError);
    await expect((await access(OTHER_KEY)).openVault('primary')).rejects.toThrow(/IncorrectKeyException/);
  });

  it('treats an empty --vault-key as not given', async () => {
    const id = await deployedVault(names.primaryVault, PRIMARY_KEY, environment.primaryRegion);
    expect((await (await access('')).openVault('primary')).config.id).toBe(id);
    expect(decryptKeyIds()).toEqual(['alias/lifeboat-dev-vault']);
  });

  it('opens the DR vault with the DR alias, whatever --vault-key says', async () => {
    const id = await deployedVault(names.drVault, DR_KEY, environment.drRegion);
    expect((await (await access(PRIMARY_KEY)).openVault('dr')).config.id).toBe(id);
    expect(decryptKeyIds()).toEqual(['alias/lifeboat-dev-dr-vault']);
  });
});
