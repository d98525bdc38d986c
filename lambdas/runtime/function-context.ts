import { z } from 'zod';
import { protectionPlanSchema, type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { BackupCatalog } from '../catalog/backup-catalog';
import { type Vault } from '../../vault';
import { AwsClients } from './aws-clients';
import { openBackupVault, vaultKeyProvider } from './backup-vault';
import { requireEnv } from './environment';

/** What the backup functions share, built once per container from the function's environment. */
export type FunctionContext = {
  clients: AwsClients;
  environment: string;
  vaultBucket: string;
  catalog: BackupCatalog;
  plans: ProtectionPlanConfig[];
  /**
   * The primary vault (the whole VAULT_BUCKET), opened once per container. `create`: initialise it
   * when the bucket holds none yet — only the Plan step asks for that; the others expect it.
   */
  vault(options: { create: boolean }): Promise<Vault>;
};

let cached: FunctionContext | undefined;

export function functionContext(env: NodeJS.ProcessEnv = process.env): FunctionContext {
  if (cached) return cached;
  const clients = new AwsClients(env);
  const vaultBucket = requireEnv('VAULT_BUCKET', env);
  let opening: Promise<Vault> | undefined;
  cached = {
    clients,
    environment: requireEnv('LIFEBOAT_ENVIRONMENT', env),
    vaultBucket,
    catalog: new BackupCatalog(clients.documentClient(), requireEnv('CATALOG_TABLE', env)),
    plans: z.array(protectionPlanSchema).parse(JSON.parse(requireEnv('LIFEBOAT_PLANS', env))),
    vault: ({ create }) => {
      opening ??= (async () => {
        const provider = await vaultKeyProvider(env, () => clients.kmsClient(), vaultBucket);
        return openBackupVault({ s3: clients.s3Client(), bucket: vaultBucket, provider, create });
      })();
      // A failed open (vault missing, KMS throttled) must not stick to the container.
      opening.catch(() => {
        opening = undefined;
      });
      return opening;
    },
  };
  return cached;
}
