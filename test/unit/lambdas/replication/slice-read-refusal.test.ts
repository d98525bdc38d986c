import * as path from 'node:path';
import { scrubVaults } from '../../../../lambdas/replication/scrub-vaults';
import { SliceReadRefusedError } from '../../../../lambdas/replication/slice-read-refused-error';
import { BucketOwnerMismatchError } from '../../../../lambdas/runtime/expected-bucket-owner';
import { FIRST_SCRUB_CURSOR } from '../../../../vault/checker/scrub-slice';
import { listKeys, scrubVaultPair, type VaultPair } from '../../../support/scrub-vault-pair';
import { removeDir, tempDir } from '../../../support/vault-test-helpers';

/** A refused read of the scrub's slice: what is named a refusal, and what its advice says for the run that read (review r64B F3, F4). */

let dir: string;
let pair: VaultPair;

beforeEach(async () => {
  dir = await tempDir('slice-refusal');
  pair = await scrubVaultPair(path.join(dir, 'src'));
});
afterEach(async () => removeDir(dir));

const everything = { fraction: 1, cursor: FIRST_SCRUB_CURSOR, concurrency: 1 } as const;
const KMS_WORDS = `User: arn:aws:sts::111122223333:assumed-role/lifeboat-prod-scrub/x is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-west-2:222222222222:key/k because no resource-based policy allows the kms:Decrypt action`;
const s3Error = (name: string, words: string): Error => Object.assign(new Error(words), { name, $metadata: { httpStatusCode: 403 } });

/** Makes the DR vault's reads of `key` fail with `err`; the other reads as before. */
function refuseDrRead(key: string, err: unknown): void {
  const get = pair.dr.store.get.bind(pair.dr.store);
  pair.dr.store.get = (k, range) => (k === key ? Promise.reject(err) : get(k, range));
}

async function firstDrPack(): Promise<string> {
  const [pack] = await listKeys(pair.dr.store, 'data/');
  if (pack === undefined) throw new Error('the pair has a pack');
  return pack;
}

async function stopOf(run: Promise<unknown>): Promise<unknown> {
  return run.then(
    () => undefined,
    (err: unknown) => err,
  );
}

// Review r64B F3: any 403 was named a refusal, advised credentials "that have" s3:GetObject, for a clock off by more than
// 15 minutes or a key AWS does not know. Such a 403 passes as S3 said it.
it.each([
  ['RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'],
  ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'],
  ['SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'],
])('a slice read answered 403 %s, no want of a permission, stops the run with S3\'s own error, not as a refusal', async (name, words) => {
  const pack = await firstDrPack();
  const answer = s3Error(name, words);
  refuseDrRead(pack, answer);

  const stop = await stopOf(scrubVaults({ ...everything, scope: 'both', vaults: { primary: pair.primary, dr: pair.dr }, repair: false }));
  expect(stop).toBe(answer);
  expect(stop).not.toBeInstanceOf(SliceReadRefusedError);
});

it("a refusal under the runtime's ExpectedBucketOwner wrapper, and a HEAD's bodiless 403, are still named refusals", async () => {
  const pack = await firstDrPack();
  refuseDrRead(pack, new BucketOwnerMismatchError('vault-dr', '222222222222', 'GetObjectCommand', { cause: s3Error('AccessDenied', KMS_WORDS) }));
  expect(await stopOf(scrubVaults({ ...everything, scope: 'dr', vaults: { primary: pair.primary, dr: pair.dr }, repair: false }))).toBeInstanceOf(SliceReadRefusedError);

  refuseDrRead(pack, s3Error('Unknown', 'UnknownError'));
  expect(await stopOf(scrubVaults({ ...everything, scope: 'dr', vaults: { primary: pair.primary, dr: pair.dr }, repair: false }))).toBeInstanceOf(SliceReadRefusedError);
});

// Review r64B F4: a run without repair was told to "scrub with repair again", a run that writes, and a run of both vaults
// was not told that the other vault can be scrubbed alone while one refused object stops every such run.
it('a read-only run of both vaults is advised to scrub again, and that the other vault can be scrubbed alone meanwhile', async () => {
  const pack = await firstDrPack();
  refuseDrRead(pack, s3Error('AccessDenied', KMS_WORDS));

  const stop = await stopOf(scrubVaults({ ...everything, scope: 'both', vaults: { primary: pair.primary, dr: pair.dr }, repair: false }));
  expect(stop).toBeInstanceOf(SliceReadRefusedError);
  expect((stop as Error).message).toBe(
    `the scrub was refused the read of ${pack} in the dr vault (${pair.dr.store.location}) (kms:Decrypt: "AccessDenied: ${KMS_WORDS}"); the vault's KMS key's policy does not allow these credentials kms:Decrypt on the dr vault's copy of ${pack}, which the scrub reads to verify it: the vault's KMS key admits only roles tagged lifeboat:key-user=<prefix> (the protection's prefix: lifeboat-<env> for an environment of the config): scrub again with such a role (do not edit the key's policy: docs/DEPLOYMENT.md, "Settings that must not change after the first deploy"); until then each scrub of both vaults stops here, but the primary vault can be scrubbed alone meanwhile (\`lifeboat scrub --vault primary\`) until it finds an object damaged or missing there: naming the backups that hurts reads the dr vault too, and stops the same way. ` +
      'The run stops here, unrecorded: the next scrub reads the same slice and stops here too until that read is allowed',
  );
});

it('a read-only run of the refusing vault alone is advised to scrub again, with no other vault to name', async () => {
  const pack = await firstDrPack();
  refuseDrRead(pack, s3Error('AccessDenied', 'Access Denied'));

  const stop = await stopOf(scrubVaults({ ...everything, scope: 'dr', vaults: { primary: pair.primary, dr: pair.dr }, repair: false }));
  expect(stop).toBeInstanceOf(SliceReadRefusedError);
  const message = (stop as Error).message;
  expect(message).toContain(`(s3:GetObject: "AccessDenied: Access Denied"); these credentials lack s3:GetObject on the dr vault's copy of ${pack}, which the scrub reads to verify it: scrub again with credentials that have it. The run stops here`);
  expect(message).not.toContain('with repair');
  expect(message).not.toContain('--vault');
});
