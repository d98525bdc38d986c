import * as path from 'node:path';
import { ReferenceReadRefusedError } from '../../../../lambdas/replication/reference-read-refused-error';
import { refusedSourceReadReason } from '../../../../lambdas/replication/refused-read-advice';
import { refusedRepairReason } from '../../../../lambdas/replication/refused-write-advice';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { SliceReadRefusedError } from '../../../../lambdas/replication/slice-read-refused-error';
import { BucketOwnerMismatchError } from '../../../../lambdas/runtime/expected-bucket-owner';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { type Vault } from '../../../../vault/repository/vault';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/**
 * A refused read of a vault's references (the damage mapping's, the work-out's): what is named a refusal, and what its
 * advice says for the run that read (fix f64S: review r64B F3, F4 carried to ReferenceReadRefusedError), and a refusal
 * under the Lambda runtime's ExpectedBucketOwner wrapper, whose advice read the wrapper's words, not S3's.
 */

let dir: string;
let pair: VaultPair;

beforeEach(async () => {
  dir = await tempDir('reference-refusal');
  pair = await scrubVaultPair(path.join(dir, 'src'));
});
afterEach(async () => removeDir(dir));

const everything = { fraction: 1, cursor: FIRST_SCRUB_CURSOR, concurrency: 1 } as const;
const KMS_WORDS = `User: arn:aws:sts::111122223333:assumed-role/lifeboat-prod-scrub/x is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-west-2:222222222222:key/k because no resource-based policy allows the kms:Decrypt action`;
const s3Error = (name: string, words: string): Error => Object.assign(new Error(words), { name, $metadata: { httpStatusCode: 403 } });
/** S3's error as a Lambda sees it: the runtime's ExpectedBucketOwner check wraps every vault 403. */
const wrapped = (cause: Error): BucketOwnerMismatchError => new BucketOwnerMismatchError('vault-dr', '222222222222', 'GetObjectCommand', { cause });

/** Makes `vault`'s reads of keys starting with `prefix` fail with `err`. */
function refusing(vault: Vault, prefix: string, err: unknown): void {
  const get = vault.store.get.bind(vault.store);
  vault.store.get = (key, range) => (key.startsWith(prefix) ? Promise.reject(err) : get(key, range));
}

async function stopOf(run: Promise<unknown>): Promise<unknown> {
  return run.then(
    () => undefined,
    (err: unknown) => err,
  );
}

async function firstKey(vault: Vault, prefix: string): Promise<string> {
  const [key] = await listKeys(vault.store, prefix);
  if (key === undefined) throw new Error(`the pair has a ${prefix} object`);
  return key;
}

// Item 1: the mapping named any 403 a refusal (isS3AccessDenied), advising credentials with s3:GetObject for a clock off
// by more than 15 minutes. As the slice read does (fix f64M), such a 403 stops the run with S3's own error.
it.each([
  ['RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'],
  ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'],
])("the damage mapping's read answered 403 %s, no want of a permission, stops the run with S3's own error", async (name, words) => {
  await corrupt(pair.primary.store, await firstKey(pair.primary, 'data/'));
  const answer = s3Error(name, words);
  // The pack is left unrepaired (its DR copy not read), and the mapping reads the DR vault's snapshots.
  refusing(pair.dr, '', answer);
  const stop = await stopOf(scrubVaults({ ...everything, scope: 'primary', vaults: { primary: pair.primary, dr: pair.dr }, repair: true }));
  expect(stop).toBe(answer);
  expect(stop).not.toBeInstanceOf(ReferenceReadRefusedError);
});

// Item 2: a read-only run was told to "scrub with repair again", a run that writes.
it("a read-only run's refused mapping read is advised to scrub again, not to scrub with repair", async () => {
  const pack = await firstKey(pair.primary, 'data/');
  const index = await firstKey(pair.primary, 'index/');
  await corrupt(pair.primary.store, pack);
  await corrupt(pair.dr.store, pack);
  await corrupt(pair.primary.store, index);
  refusing(pair.dr, index, s3Error('AccessDenied', 'Access Denied'));
  const stop = await stopOf(scrubVaults({ ...everything, scope: 'primary', vaults: { primary: pair.primary, dr: pair.dr }, repair: false }));
  expect(stop).toBeInstanceOf(ReferenceReadRefusedError);
  expect(stop).toMatchObject({ reader: { phase: 'damage mapping' }, kind: 'index', vault: 'dr', key: index });
  const message = (stop as Error).message;
  expect(message).toContain(`(s3:GetObject: "AccessDenied: Access Denied"); these credentials lack s3:GetObject on the dr vault's index object ${index}, which the damage mapping reads to name the backups an unrepaired object hurts: scrub again with credentials that have it. The run stops here`);
  expect(message).not.toContain('with repair');
  // The mapping reads both vaults whatever the scope: no scrub of one vault alone is offered.
  expect(message).not.toContain('--vault');
});

it("a read-only run's refused work-out read is advised to scrub again; a repair's, to scrub with repair again", async () => {
  const manifest = await firstKey(pair.primary, 'manifest/');
  await pair.primary.store.delete(manifest);
  refusing(pair.dr, '', s3Error('AccessDenied', KMS_WORDS));
  const readOnly = await stopOf(scrubVaults({ ...everything, scope: 'primary', vaults: { primary: pair.primary, dr: pair.dr }, repair: false }));
  expect(readOnly).toBeInstanceOf(ReferenceReadRefusedError);
  expect(readOnly).toMatchObject({ reader: { phase: 'work-out', for: 'primary' }, vault: 'dr' });
  expect((readOnly as Error).message).toContain('scrub again with such a role');
  expect((readOnly as Error).message).not.toContain('with repair');

  const repairing = await stopOf(scrubVaults({ ...everything, scope: 'primary', vaults: { primary: pair.primary, dr: pair.dr }, repair: true }));
  expect(repairing).toBeInstanceOf(ReferenceReadRefusedError);
  expect((repairing as Error).message).toContain('scrub with repair again with such a role');
});

// Item 5: in a Lambda a vault's 403 is a BucketOwnerMismatchError whose message is its own: the advice read it and
// named s3:GetObject and these credentials, where S3's words (its cause) named the KMS key's kms:Decrypt.
it("a refusal under the runtime's ExpectedBucketOwner wrapper is advised from S3's words: the KMS key's kms:Decrypt", async () => {
  const pack = await firstKey(pair.dr, 'data/');
  refusing(pair.dr, pack, wrapped(s3Error('AccessDenied', KMS_WORDS)));
  const slice = await stopOf(scrubVaults({ ...everything, scope: 'dr', vaults: { primary: pair.primary, dr: pair.dr }, repair: false }));
  expect(slice).toBeInstanceOf(SliceReadRefusedError);
  expect((slice as Error).message).toContain(`the vault's KMS key's policy does not allow these credentials kms:Decrypt on the dr vault's copy of ${pack}, which the scrub reads to verify it`);
  expect((slice as Error).message).not.toContain('these credentials lack s3:GetObject');
  // Review r64K F3: the words quoted were the wrapper's own (another account's bucket, or an IAM policy), contradicting
  // the advice, with the role and the key's ARN nowhere: they are S3's, under the wrapper.
  expect((slice as Error).message).toContain(`(kms:Decrypt: "AccessDenied: ${KMS_WORDS}")`);
  expect((slice as Error).message).not.toContain('ExpectedBucketOwner');

  const manifest = await firstKey(pair.primary, 'manifest/');
  const refusal = new ReferenceReadRefusedError({ phase: 'work-out', for: 'primary' }, 'dr', 'memory://dr', manifest, wrapped(s3Error('AccessDenied', KMS_WORDS)), { repair: true });
  expect(refusal.message).toContain(`(kms:Decrypt: "AccessDenied: ${KMS_WORDS}")`);
  expect(refusal.message).not.toContain('ExpectedBucketOwner');
  expect(refusal.message).toContain(`the vault's KMS key's policy does not allow these credentials kms:Decrypt on the dr vault's manifest object ${manifest}`);

  // A repair's refused write and its refused read of the other copy say S3's words too.
  const write = refusedRepairReason('primary', false, wrapped(s3Error('AccessDenied', KMS_WORDS)), undefined);
  expect(write).toContain(`refused the copy of its missing object ("AccessDenied: ${KMS_WORDS}")`);
  const read = refusedSourceReadReason('dr', 'body', wrapped(s3Error('AccessDenied', KMS_WORDS)));
  expect(read).toContain(`reading the dr vault's copy was refused (kms:Decrypt: "AccessDenied: ${KMS_WORDS}")`);
  for (const said of [write, read]) expect(said).not.toContain('ExpectedBucketOwner');
});
