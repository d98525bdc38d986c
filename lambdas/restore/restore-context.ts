import { KMSClient } from '@aws-sdk/client-kms';
import { type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { protectionPlanSchema, type SourceConfig } from '../../config/lifeboat-config';
import { BackupCatalog } from '../catalog/backup-catalog';
import { AwsClients } from '../runtime/aws-clients';
import { openBackupVault, vaultKeyProvider } from '../runtime/backup-vault';
import { requireEnv } from '../runtime/environment';
import { resolveSourceRoot } from '../sources/directory-source';
import { type Vault } from '../../vault';
import { type RestoreIo } from './restore-io';

export type VaultSide = 'primary' | 'dr';

/**
 * What the restore functions share, built once per container from the function's environment:
 * SDK clients, the catalog, the protected sources (from the plans), and the two vaults. The DR
 * vault lives in the DR region: its S3 client and (in AWS) its KMS key are that region's.
 */
export type RestoreContext = {
  clients: AwsClients;
  environment: string;
  sources: SourceConfig[];
  catalog: BackupCatalog;
  vaultBucket(side: VaultSide): string;
  vaultS3(side: VaultSide): S3Client;
  openVault(side: VaultSide): Promise<Vault>;
  /** The vaults, the plan store and the target clients, as restore shards and verification use them. */
  io(): RestoreIo;
};

let cached: RestoreContext | undefined;

export function restoreContext(env: NodeJS.ProcessEnv = process.env): RestoreContext {
  if (cached) return cached;
  const clients = new AwsClients(env);
  const plans = z.array(protectionPlanSchema).parse(JSON.parse(requireEnv('LIFEBOAT_PLANS', env)));
  const vaults = new Map<VaultSide, Promise<Vault>>();
  const side = (s: VaultSide) =>
    s === 'primary'
      ? { bucket: requireEnv('VAULT_BUCKET', env), region: clients.region, keyArn: env.VAULT_KEY_ARN }
      : { bucket: requireEnv('DR_VAULT_BUCKET', env), region: requireEnv('DR_REGION', env), keyArn: env.DR_VAULT_KEY_ARN };
  const context: RestoreContext = {
    clients,
    environment: requireEnv('LIFEBOAT_ENVIRONMENT', env),
    sources: plans.flatMap((p) => p.sources),
    catalog: new BackupCatalog(clients.documentClient(), requireEnv('CATALOG_TABLE', env)),
    vaultBucket: (s) => side(s).bucket,
    vaultS3: (s) => clients.s3Client(side(s).region),
    openVault: (s) => {
      let opening = vaults.get(s);
      if (!opening) {
        const { bucket, region, keyArn } = side(s);
        // vaultKeyProvider reads the key from VAULT_KEY_ARN; the DR vault has its own key in its own region.
        const keyEnv = { ...env, ...(keyArn !== undefined ? { VAULT_KEY_ARN: keyArn } : {}) };
        opening = vaultKeyProvider(keyEnv, () => new KMSClient({ region }), bucket).then((provider) =>
          openBackupVault({ s3: clients.s3Client(region), bucket, provider, create: false }),
        );
        opening.catch(() => vaults.delete(s));
        vaults.set(s, opening);
      }
      return opening;
    },
    io: () => ({
      openVault: context.openVault,
      planS3: context.vaultS3('primary'),
      planBucket: context.vaultBucket('primary'),
      targetS3: clients.s3Client(),
      dynamodb: clients.dynamoDbClient(),
      directory: (p) => resolveSourceRoot(p),
    }),
  };
  cached = context;
  return context;
}
