import { z } from 'zod';
import { protectionPlanSchema, type ProtectionPlanConfig } from '../../lib/config/lifeboat-config';
import { BackupCatalog } from '../catalog/backup-catalog';
import { PlainCopyStore } from '../snapshot/plain-copy-store';
import { AwsClients } from './aws-clients';
import { requireEnv } from './environment';

/** What the backup functions share, built once per container from the function's environment. */
export type FunctionContext = {
  clients: AwsClients;
  environment: string;
  vaultBucket: string;
  store: PlainCopyStore;
  catalog: BackupCatalog;
  plans: ProtectionPlanConfig[];
};

let cached: FunctionContext | undefined;

export function functionContext(env: NodeJS.ProcessEnv = process.env): FunctionContext {
  if (cached) return cached;
  const clients = new AwsClients(env);
  const vaultBucket = requireEnv('VAULT_BUCKET', env);
  cached = {
    clients,
    environment: requireEnv('LIFEBOAT_ENVIRONMENT', env),
    vaultBucket,
    store: new PlainCopyStore(clients.s3Client(), vaultBucket),
    catalog: new BackupCatalog(clients.documentClient(), requireEnv('CATALOG_TABLE', env)),
    plans: z.array(protectionPlanSchema).parse(JSON.parse(requireEnv('LIFEBOAT_PLANS', env))),
  };
  return cached;
}
