import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { type Construct } from 'constructs';
import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { BackupSchedules } from '../constructs/backup-schedules';
import { BackupWorkflow } from '../constructs/backup-workflow';
import { CatalogTable } from '../constructs/catalog-table';
import { RestoreWorkflow } from '../constructs/restore-workflow';
import { VaultBucket, createAccessLogsBucket } from '../constructs/vault-bucket';
import { resourceNames } from './resource-names';

export type PrimaryStackProps = StackProps & { readonly environment: EnvironmentConfig };

/** The primary region of an environment: vault, catalog, workflows and their schedules. */
export class PrimaryStack extends Stack {
  readonly vault: VaultBucket;
  readonly catalog: CatalogTable;
  readonly backupWorkflow: BackupWorkflow;
  readonly restoreWorkflow: RestoreWorkflow;

  constructor(scope: Construct, id: string, props: PrimaryStackProps) {
    super(scope, id, props);
    const env = props.environment;
    const names = resourceNames(env);
    const accessLogs = createAccessLogsBucket(this, 'AccessLogs', names.primaryAccessLogs);
    this.vault = new VaultBucket(this, 'Vault', { bucketName: names.primaryVault, accessLogsBucket: accessLogs });
    // Operators and the CLI (`lifeboat verify --aws`) find the vault's key by this alias instead of its generated key id.
    new kms.Alias(this, 'VaultKeyAlias', { aliasName: names.primaryVaultKeyAlias, targetKey: this.vault.key });
    const catalogKey = new kms.Key(this, 'CatalogKey', { description: `Lifeboat ${env.name} catalog`, enableKeyRotation: true });
    this.catalog = new CatalogTable(this, 'Catalog', { tableName: names.catalogTable, encryptionKey: catalogKey });
    this.backupWorkflow = new BackupWorkflow(this, 'Backup', {
      environment: env,
      vault: this.vault.bucket,
      vaultKey: this.vault.key,
      catalog: this.catalog.table,
      catalogKey,
    });
    this.restoreWorkflow = new RestoreWorkflow(this, 'Restore', {
      environment: env,
      vault: this.vault.bucket,
      vaultKey: this.vault.key,
      catalog: this.catalog.table,
      catalogKey,
    });
    new BackupSchedules(this, 'Schedules', {
      environmentName: env.name,
      plans: env.plans,
      backupStateMachine: this.backupWorkflow.stateMachine,
    });
    new CfnOutput(this, 'VaultBucketName', { value: this.vault.bucket.bucketName });
    new CfnOutput(this, 'CatalogTableName', { value: this.catalog.table.tableName });
    new CfnOutput(this, 'BackupStateMachineArn', { value: this.backupWorkflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RestoreStateMachineArn', { value: this.restoreWorkflow.stateMachine.stateMachineArn });
  }
}
