import { Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { synthesizeApp } from './synth-app';

/**
 * The DR mirror check of a mirrored DynamoDB source encrypted with a customer managed key (audit a1 F4): it Scans and
 * GetItems the source table, so it gets the declared key's decrypt as the backup's shard does (source-access.ts),
 * through DynamoDB of the primary region only; without `kmsKeyArn`, no key statement at all.
 */
const REGION = 'us-east-1';
const TABLE_KEY = `arn:aws:kms:${REGION}:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const mirroredTables = (keyArn: string | undefined) =>
  parseLifeboatConfig({
    environments: sample.environments.map((e) => ({
      ...e,
      plans: e.plans.map((p) => ({ ...p, sources: p.sources.map((s) => (s.type === 'dynamodb' ? { ...s, mirror: true, ...(keyArn !== undefined ? { kmsKeyArn: keyArn } : {}) } : s)) })),
    })),
  });

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
/** The mirror check's statements naming a KMS key other than the DR catalog's (which it reads and writes its records with). */
function checkKeyStatements(keyArn: string | undefined): Statement[] {
  const dev = synthesizeApp((app) => buildLifeboatApp(app, mirroredTables(keyArn))).built.get('dev');
  if (!dev) throw new Error('the sample config defines the dev environment');
  const dr = Template.fromStack(dev.dr);
  const fns = dr.findResources('AWS::Lambda::Function') as Record<string, { Properties: { Role: { 'Fn::GetAtt': [string, string] }; Environment?: { Variables?: Record<string, unknown> } } }>;
  const fn = Object.values(fns).find((f) => f.Properties.Environment?.Variables?.LIFEBOAT_HANDLER === 'mirror-check');
  if (!fn) throw new Error('no mirror-check function in the DR stack');
  const role = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(dr.findResources('AWS::IAM::Policy') as Record<string, { Properties: { Roles: unknown; PolicyDocument: { Statement: Statement[] } } }>)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((st) => JSON.stringify(st.Resource).includes(':kms:') && !JSON.stringify(st.Resource).includes('Fn::GetAtt'));
}

it('gives the check the declared table key, Decrypt and DescribeKey through DynamoDB of the primary region only', () => {
  expect(checkKeyStatements(TABLE_KEY)).toEqual([{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: TABLE_KEY, Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` } } }]);
});

it('gives it no key of the table when none is declared', () => {
  expect(checkKeyStatements(undefined)).toEqual([]);
});
