import { Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { synthesizeApp } from './synth-app';

/** The primary vault's KMS key has a fixed alias, so the CLI (`lifeboat verify --aws`) needs no --vault-key. */
const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
// cdk-nag findings are lifeboat-stacks.test.ts's concern.
const dev = synthesizeApp((app) => buildLifeboatApp(app, config)).built.get('dev');
const devConfig = config.environments.find((e) => e.name === 'dev');
if (!dev || !devConfig) throw new Error('the sample config defines the dev environment');
const primary = Template.fromStack(dev.primary);
const dr = Template.fromStack(dev.dr);
const names = resourceNames(devConfig);

describe('primary vault key alias', () => {
  it('is named alias/lifeboat-<env>-vault, next to the DR alias', () => {
    expect(names.primaryVaultKeyAlias).toBe('alias/lifeboat-dev-vault');
    expect(names.drVaultKeyAlias).toBe('alias/lifeboat-dev-dr-vault');
  });

  it('points at the key that encrypts the primary vault bucket (the key the backup functions wrap the vault key with)', () => {
    const aliases = primary.findResources('AWS::KMS::Alias', { Properties: { AliasName: names.primaryVaultKeyAlias } });
    expect(Object.keys(aliases)).toHaveLength(1);
    const target = (Object.values(aliases)[0]?.Properties as { TargetKeyId: { 'Fn::GetAtt': [string, string] } }).TargetKeyId['Fn::GetAtt'];
    expect(target[1]).toBe('Arn');
    const keyId = target[0];
    expect(primary.toJSON().Resources[keyId].Type).toBe('AWS::KMS::Key');
    // The same key encrypts the vault bucket and is the VAULT_KEY_ARN of the functions.
    const bucket = Object.values(primary.findResources('AWS::S3::Bucket', { Properties: { BucketName: names.primaryVault } }))[0];
    expect(JSON.stringify(bucket?.Properties?.BucketEncryption)).toContain(keyId);
    const fns = Object.values(primary.findResources('AWS::Lambda::Function')).filter((f) => (f.Properties?.Environment?.Variables as Record<string, unknown> | undefined)?.VAULT_KEY_ARN);
    expect(fns.length).toBeGreaterThan(0);
    for (const f of fns) expect(JSON.stringify((f.Properties.Environment.Variables as Record<string, unknown>).VAULT_KEY_ARN)).toContain(keyId);
  });

  it('lives in the primary stack only; the DR stack keeps its own alias', () => {
    expect(Object.keys(dr.findResources('AWS::KMS::Alias', { Properties: { AliasName: names.primaryVaultKeyAlias } }))).toHaveLength(0);
    expect(Object.keys(dr.findResources('AWS::KMS::Alias', { Properties: { AliasName: names.drVaultKeyAlias } }))).toHaveLength(1);
  });
});
