import { S3VaultStore } from '../../../../vault/backend/s3/s3-vault-store';
import { useLocalS3Bucket } from '../../../support/local-s3-bucket';
import { describeVaultStoreContract, type VaultStoreUnderTest } from '../../../support/vault-store-contract';
import { describeListWithSizesContract } from '../../../support/list-with-sizes-contract';

/**
 * The S3 store on the local cloud (s3rver, with the conditional writes the local cloud adds in
 * front of it) keeps the same VaultStore contract as the file and memory stores; each test gets a
 * vault under a fresh prefix of one bucket. S3-specific behaviour is in s3-vault-store.test.ts.
 */
const REGION = 'us-east-1';
const BUCKET = 'vault-store-contract';

const s3 = useLocalS3Bucket(BUCKET, 's3-contract', REGION);
let vaults = 0;

const makeStore = async (): Promise<VaultStoreUnderTest> => ({ store: new S3VaultStore({ client: s3().client, bucket: BUCKET, prefix: `vaults/v${++vaults}` }) });

describeVaultStoreContract('S3VaultStore on the local cloud', makeStore, {
  putIfAbsent: true,
  putParts: false,
  objectWriter: false,
  localPath: false,
});
describeListWithSizesContract('S3VaultStore on the local cloud', makeStore);
