import { type App, CfnOutput, Stack, Tags } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type Construct } from 'constructs';
import { type LifeboatConfig, type SourceConfig } from '../config/lifeboat-config';
import { LifeboatProtection } from './constructs/lifeboat-protection';
import { LifeboatSource } from './constructs/lifeboat-source';
import { environmentPrefix, resourceNames } from './stacks/resource-names';

export type LifeboatStacks = { primary: Stack; dr: Stack; protection: LifeboatProtection };

/**
 * Our JSON-config app (bin/app.ts, the local cloud's synthesis): for each environment of the config, a
 * primary stack `Lifeboat-<env>-Primary` (primary region) with a LifeboatProtection of prefix
 * `lifeboat-<env>`, and its DR stack `Lifeboat-<env>-DR` (DR region), which deploys first: the primary
 * replicates into the vault it holds. Adds no cdk-nag: bin/app.ts registers it on its own App.
 */
export function buildLifeboatApp(app: App, config: LifeboatConfig): Map<string, LifeboatStacks> {
  const stacks = new Map<string, LifeboatStacks>();
  for (const env of config.environments) {
    const names = resourceNames(env);
    const dr = new Stack(app, names.drStack, {
      env: { account: env.drAccount ?? env.account, region: env.drRegion },
      description: `Lifeboat ${env.name}: replica vault (DR region)`,
    });
    const primary = new Stack(app, names.primaryStack, {
      env: { account: env.account, region: env.primaryRegion },
      description: `Lifeboat ${env.name}: vault, catalog, backup workflows (primary region)`,
    });
    // Id 'Default' is left out of logical ids: the resources keep the ids they had when the stacks built them directly.
    const protection = new LifeboatProtection(primary, 'Default', {
      prefix: environmentPrefix(env),
      environmentName: env.name,
      drRegion: env.drRegion,
      ...(env.drAccount !== undefined ? { drAccount: env.drAccount } : {}),
      drStack: dr,
      plans: env.plans.map((plan) => ({ ...plan, sources: plan.sources.map((source) => sourceOf(primary, source)) })),
      ...(env.fileSystem ? { fileSystem: env.fileSystem.efs } : {}),
      ...(env.scrub ? { scrub: env.scrub } : {}),
      ...(env.immutability ? { immutability: env.immutability } : {}),
      ...(env.prune ? { prune: env.prune } : {}),
      ...(env.security ? { security: env.security } : {}),
      ...(env.security?.approverRoleArn ? { approverRoleArn: env.security.approverRoleArn } : {}),
      ...(env.notifications ? { notifications: env.notifications } : {}),
      ...(env.mirrorCheck ? { mirrorCheck: env.mirrorCheck } : {}),
      ...(env.functionMemory ? { functionMemory: env.functionMemory } : {}),
    });
    addOutputs(primary, dr, protection);
    // CloudFormation's AWS::CloudWatch::Dashboard takes no Tags (cfn-lint E3002), though CDK's L1 would render them.
    for (const stack of [primary, dr]) Tags.of(stack).add('lifeboat:environment', env.name, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });
    stacks.set(env.name, { primary, dr, protection });
  }
  return stacks;
}

/**
 * A source of the config: its bucket or table imported by name (the config names resources Lifeboat does not own). A
 * bucket's or table's `kmsKeyArn` becomes the imported resource's `encryptionKey`: every grant on a source's key
 * (backup, restore onto the source or into a new table, drill, mirror) reads it from there, and a resource imported by
 * name alone has none.
 */
function sourceOf(scope: Construct, source: SourceConfig): LifeboatSource {
  switch (source.type) {
    case 's3':
      return LifeboatSource.s3Bucket(
        source.name,
        s3.Bucket.fromBucketAttributes(scope, `Source-${source.name}`, {
          bucketName: source.bucket,
          ...(source.account !== undefined ? { account: source.account } : {}),
          ...(source.kmsKeyArn !== undefined ? { encryptionKey: kms.Key.fromKeyArn(scope, `SourceKey-${source.name}`, source.kmsKeyArn) } : {}),
        }),
        {
          prefix: source.prefix,
          ...(source.mirror !== undefined ? { mirror: source.mirror } : {}),
          ...(source.inventory
            ? {
                inventory: {
                  // With the key of the inventory configuration's SSE-KMS setting, so the plan function is granted kms:Decrypt on it.
                  bucket: s3.Bucket.fromBucketAttributes(scope, `Inventory-${source.name}`, {
                    bucketName: source.inventory.bucket,
                    ...(source.inventory.kmsKeyArn !== undefined ? { encryptionKey: kms.Key.fromKeyArn(scope, `InventoryKey-${source.name}`, source.inventory.kmsKeyArn) } : {}),
                  }),
                  prefix: source.inventory.prefix,
                  ...(source.inventory.configId !== undefined ? { configId: source.inventory.configId } : {}),
                },
              }
            : {}),
        },
      );
    case 'dynamodb':
      return LifeboatSource.dynamoDbTable(
        source.name,
        dynamodb.Table.fromTableAttributes(scope, `Source-${source.name}`, {
          tableName: source.table,
          ...(source.kmsKeyArn !== undefined ? { encryptionKey: kms.Key.fromKeyArn(scope, `SourceKey-${source.name}`, source.kmsKeyArn) } : {}),
        }),
        {
          ...(source.mirror !== undefined ? { mirror: source.mirror } : {}),
          ...(source.readBudget ? { readBudget: source.readBudget } : {}),
          ...(source.writeBudget ? { writeBudget: source.writeBudget } : {}),
          ...(source.scanSegments !== undefined ? { scanSegments: source.scanSegments } : {}),
        },
      );
    case 'filesystem':
      return LifeboatSource.fileSystem(source.name, source.path, source.mirror !== undefined ? { mirror: source.mirror } : {});
  }
}

/** What operators look up after a deploy (`cdk deploy --outputs-file`). */
function addOutputs(primary: Stack, dr: Stack, protection: LifeboatProtection): void {
  new CfnOutput(dr, 'ReplicaVaultBucketName', { value: protection.drVault.bucket.bucketName });
  new CfnOutput(primary, 'VaultBucketName', { value: protection.vault.bucket.bucketName });
  new CfnOutput(primary, 'CatalogTableName', { value: protection.catalog.table.tableName });
  new CfnOutput(primary, 'BackupStateMachineArn', { value: protection.backupWorkflow.stateMachine.stateMachineArn });
  new CfnOutput(primary, 'RestoreStateMachineArn', { value: protection.restoreWorkflow.stateMachine.stateMachineArn });
  new CfnOutput(dr, 'FailoverStateMachineArn', { value: protection.failoverWorkflow.stateMachine.stateMachineArn });
  new CfnOutput(dr, 'DrRestoreStateMachineArn', { value: protection.drRestoreWorkflow.stateMachine.stateMachineArn });
}

