import { Template } from 'aws-cdk-lib/assertions';
import { describeIssues, loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { lifeboatConfigSchema } from '../../../config/lifeboat-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { synthesizeApp } from './synth-app';

/**
 * A DynamoDB source of the JSON-config app encrypted with a customer managed key (review 43b: the config could not
 * declare it, so a table whose key policy leaves the decision to IAM could not be backed up, nor restored into a new
 * table under its key). Its `kmsKeyArn` becomes the imported table's `encryptionKey`, and every grant on it is through
 * DynamoDB only (kms:ViaService), as for a table a construct user declares.
 */
const REGION = 'us-east-1';
const TABLE_KEY = `arn:aws:kms:${REGION}:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const withTableKey = (keyArn: string) => ({
  environments: sample.environments.map((e) => ({ ...e, plans: e.plans.map((p) => ({ ...p, sources: p.sources.map((s) => (s.type === 'dynamodb' ? { ...s, kmsKeyArn: keyArn } : s)) })) })),
});
const config = parseLifeboatConfig(withTableKey(TABLE_KEY));
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config));
const dev = synthesized.built.get('dev');
if (!dev) throw new Error('the sample config defines the dev environment');
const primary = Template.fromStack(dev.primary);

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
/** The statements of the function whose handler is `handler` that name the table's key. */
function onTableKey(handler: string): Statement[] {
  const fns = primary.findResources('AWS::Lambda::Function') as Record<string, { Properties: { Role: { 'Fn::GetAtt': [string, string] }; Environment?: { Variables?: Record<string, unknown> } } }>;
  const fn = Object.values(fns).find((f) => f.Properties.Environment?.Variables?.LIFEBOAT_HANDLER === handler);
  if (!fn) throw new Error(`no function of handler ${handler}`);
  const role = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(primary.findResources('AWS::IAM::Policy') as Record<string, { Properties: { Roles: unknown; PolicyDocument: { Statement: Statement[] } } }>)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((st) => JSON.stringify(st.Resource).includes(TABLE_KEY));
}
const viaDynamoDb = { StringEquals: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` } };

it('gives the backup\'s snapshot shards the declared table key, through DynamoDB only', () => {
  expect(onTableKey('snapshot-shard')).toEqual([{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: TABLE_KEY, Condition: viaDynamoDb }]);
});

it('lets a restore create a new table under the same key (CreateGrant for AWS resources, DescribeKey), through DynamoDB only', () => {
  expect(onTableKey('plan-restore')).toEqual([
    { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: TABLE_KEY, Condition: { ...viaDynamoDb, Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    { Effect: 'Allow', Action: 'kms:DescribeKey', Resource: TABLE_KEY, Condition: viaDynamoDb },
  ]);
});

it('refuses a table key of another region than the primary, saying where to read the table\'s key', () => {
  const parsed = lifeboatConfigSchema.safeParse(withTableKey(TABLE_KEY.replace(REGION, 'eu-west-1')));
  expect(parsed.success).toBe(false);
  expect(parsed.success ? '' : describeIssues(parsed.error).join('\n')).toMatch(
    /sources\[\d+\]\.kmsKeyArn: is a key of eu-west-1, but the table is in the primary region us-east-1 \(DynamoDB encrypts a table only with a key of its region\): give the key the table names \(aws dynamodb describe-table --table-name <table>: SSEDescription\.KMSMasterKeyArn\)/,
  );
});
