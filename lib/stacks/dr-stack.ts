import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { type Construct } from 'constructs';
import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { VaultBucket, createAccessLogsBucket } from '../constructs/vault-bucket';
import { resourceNames } from './resource-names';

export type DrStackProps = StackProps & { readonly environment: EnvironmentConfig };

/** The DR region of an environment: the replica vault that every backup is copied to. */
export class DrStack extends Stack {
  readonly vault: VaultBucket;

  constructor(scope: Construct, id: string, props: DrStackProps) {
    super(scope, id, props);
    const names = resourceNames(props.environment);
    const accessLogs = createAccessLogsBucket(this, 'AccessLogs', names.drAccessLogs);
    this.vault = new VaultBucket(this, 'ReplicaVault', { bucketName: names.drVault, accessLogsBucket: accessLogs });
    // The restore workflow (primary region) opens the DR vault by this alias: no cross-region reference needed.
    new kms.Alias(this, 'ReplicaVaultKeyAlias', { aliasName: names.drVaultKeyAlias, targetKey: this.vault.key });
    new CfnOutput(this, 'ReplicaVaultBucketName', { value: this.vault.bucket.bucketName });
  }
}
