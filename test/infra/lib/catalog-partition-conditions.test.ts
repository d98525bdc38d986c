import { Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { simulatedDecision } from '../../support/simulated-decision';
import { synthesizeApp } from './synth-app';
import { USER_APP_EFS } from './user-app-fixture';

/**
 * Every statement of every stack that conditions a catalog grant on dynamodb:LeadingKeys (review f58C): an Allow must
 * also require the key (Null false), since ForAllValues of a key the request lacks holds and a Scan (or a PartiQL
 * statement) sends none; a Deny must use ForAnyValue. The sample config in the shapes that reach every such grant: dev
 * with an approver (its policy), an EFS replica and a mirrored file-system source (the file sampler, the mirror check),
 * and xdr with its DR stack in another account (the DR catalog's resource policy). Synthesized once, under cdk-nag.
 */
const sample = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
const [sampleDev] = sample.environments;
if (!sampleDev) throw new Error('the sample config defines an environment');
const efs = (n: number) => ({ ...USER_APP_EFS, fileSystemId: `fs-0123456789abcdef${n}`, accessPointId: `fsap-0123456789abcdef${n}` });
const config = parseLifeboatConfig({
  environments: [
    {
      ...sampleDev,
      security: { approverRoleArn: `arn:aws:iam::${sampleDev.account}:role/lifeboat-approver` },
      fileSystem: { efs: { ...efs(0), replica: efs(1), drRestore: efs(2) } },
      plans: sampleDev.plans.map((p) => ({ ...p, sources: p.sources.map((s) => (s.type === 'filesystem' ? { ...s, mirror: true } : s)) })),
    },
    {
      ...sampleDev,
      name: 'xdr',
      account: '111111111111',
      drAccount: '222222222222',
      security: { approverRoleArn: 'arn:aws:iam::111111111111:role/lifeboat-approver' },
      plans: sampleDev.plans.map((p) => ({ ...p, sources: p.sources.map(({ mirror: _mirror, ...s }) => s) })),
    },
  ],
});
const synthesized = synthesizeApp((app) => buildLifeboatApp(app, config), { nag: true });

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
type Found = { where: string; type: string; statement: Statement; policies: DeployedPolicies; account: string };
const LEADING_KEYS = 'dynamodb:LeadingKeys';
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Every statement of every policy document of the app's stacks (identity and resource policies alike) that names LeadingKeys. */
function leadingKeyStatements(): Found[] {
  const found: Found[] = [];
  for (const protection of synthesized.built.values()) {
    for (const stack of [protection.primary, protection.dr]) {
      const template = Template.fromStack(stack).toJSON() as CfnTemplate;
      const account = stack.account;
      const policies = new DeployedPolicies(template, { account, region: stack.region });
      const walk = (where: string, type: string, node: unknown): void => {
        if (Array.isArray(node)) node.forEach((n, i) => walk(`${where}[${i}]`, type, n));
        else if (node !== null && typeof node === 'object') {
          const o = node as Record<string, unknown>;
          if (Array.isArray(o.Statement)) {
            for (const st of o.Statement as Statement[]) if (JSON.stringify(st.Condition ?? {}).includes(LEADING_KEYS)) found.push({ where, type, statement: st, policies, account });
          } else for (const [k, v] of Object.entries(o)) walk(`${where}.${k}`, type, v);
        }
      };
      for (const [id, resource] of Object.entries(template.Resources)) walk(`${stack.stackName} ${id}`, resource.Type, resource.Properties);
    }
  }
  return found;
}

const found = leadingKeyStatements();
const allows = found.filter((f) => f.statement.Effect === 'Allow');
const denies = found.filter((f) => f.statement.Effect === 'Deny');
/** The operators of a statement's condition that test LeadingKeys, with their values. */
const leadingKeyOperators = (st: Statement) => Object.entries(st.Condition ?? {}).filter(([, keys]) => LEADING_KEYS in keys);

it('synthesizes every stack of these shapes, nag-clean', () => {
  expect(synthesized.violations()).toEqual([]);
  expect(synthesized.synthError).toBeUndefined();
});

it('finds the partition grants of every role and of the DR catalog\'s resource policy (the check sees them all)', () => {
  const partitions = new Set(allows.flatMap((f) => leadingKeyOperators(f.statement).flatMap(([op, keys]) => (op === 'Null' ? [] : asArray(keys[LEADING_KEYS] as string | string[])))));
  expect([...partitions].sort()).toEqual(['APPROVALS', 'BACKUP#*', 'DRILLS', 'FAILOVER_GRANTS', 'FORMAT', 'LOCK#*', 'MIRROR#*', 'PRUNE#*', 'PRUNE#dr', 'PRUNE#primary', 'REBUILD', 'SCRUB#LEASE', 'SCRUB#RUNS', 'SOURCE#*', 'TARGET#*'].sort());
  expect(new Set(allows.map((f) => f.type))).toEqual(new Set(['AWS::IAM::Policy', 'AWS::DynamoDB::Table']));
  // The mirror check (DR stack) and the file sampler (primary stack), the approver's policy, the cross-account PutItem.
  expect(allows.filter((f) => JSON.stringify(f.statement.Condition).includes('MIRROR#*')).map((f) => f.where.split(' ')[0])).toEqual(expect.arrayContaining(['Lifeboat-dev-DR', 'Lifeboat-dev-Primary']));
  expect(allows.some((f) => f.where.includes('Approver'))).toBe(true);
  expect(allows.filter((f) => f.type === 'AWS::DynamoDB::Table').map((f) => f.where.split(' ')[0])).toEqual(['Lifeboat-xdr-DR']);
  expect(denies.length).toBeGreaterThan(0);
});

it('every Allow on LeadingKeys uses ForAllValues and requires the key (Null false), so a call naming no partition is not allowed', () => {
  const wrong = allows.flatMap(({ where, statement }) => {
    const operators = leadingKeyOperators(statement);
    const problems = [
      ...operators.filter(([op]) => op !== 'Null' && !/^ForAllValues:String(Like|Equals)$/.test(op)).map(([op]) => `${op} (an Allow takes ForAllValues: ForAnyValue allows a request naming one partition beside any other)`),
      ...(statement.Condition?.Null?.[LEADING_KEYS] === 'false' ? [] : ['no "Null": {"dynamodb:LeadingKeys": "false"} (ForAllValues of an absent key holds: a Scan would read every partition)']),
    ];
    return problems.map((p) => `${where} ${JSON.stringify(statement.Action)}: ${p}`);
  });
  expect(wrong).toEqual([]);
});

it('every Deny on LeadingKeys uses ForAnyValue (a ForAllValues deny lets through a request naming another partition beside it)', () => {
  const wrong = denies.flatMap(({ where, statement }) => leadingKeyOperators(statement).filter(([op]) => !op.startsWith('ForAnyValue:')).map(([op]) => `${where} ${JSON.stringify(statement.Action)}: ${op}`));
  expect(wrong).toEqual([]);
});

it('none of these grants, with dynamodb:Scan added to it, allows a Scan or any of its actions with no partition named; each allows its own partitions (simulator)', async () => {
  // Identity statements once per distinct shape; the resource policy's is evaluated as the cross-account tests do (cross-account-dr.test.ts).
  const distinct = new Map<string, Found>();
  for (const f of allows.filter((a) => a.type === 'AWS::IAM::Policy')) distinct.set(JSON.stringify(f.policies.resolve(f.statement)), f);
  const seen: string[] = [];
  const expected: string[] = [];
  for (const [text, f] of distinct) {
    const statement = JSON.parse(text) as Statement;
    const actions = asArray(statement.Action);
    const [table] = asArray(statement.Resource as string | string[]);
    const withScan = { ...statement, Action: [...actions, 'dynamodb:Scan'] };
    const principal = { arn: `arn:aws:iam::${f.account}:role/probe`, account: f.account, identityPolicies: [{ name: 'probe', policy: { Version: '2012-10-17', Statement: [withScan] } }], tags: {} };
    const resource = { arn: String(table), account: f.account };
    const [[operator, keys] = ['', {}]] = leadingKeyOperators(statement).filter(([op]) => op !== 'Null');
    const partitions = asArray(keys[LEADING_KEYS] as string | string[]);
    const own = partitions.map((p) => (operator.endsWith('StringLike') ? p.replace(/\*/g, 'example') : p));
    for (const action of ['dynamodb:Scan', ...actions]) {
      seen.push(`${f.where} ${action} (no key): ${await simulatedDecision(principal, action, resource)}`);
      expected.push(`${f.where} ${action} (no key): ImplicitlyDenied`);
    }
    for (const action of actions) {
      seen.push(`${f.where} ${action} ${own.join(',')}: ${await simulatedDecision(principal, action, resource, { [LEADING_KEYS]: own })}`);
      expected.push(`${f.where} ${action} ${own.join(',')}: Allowed`);
    }
  }
  expect(distinct.size).toBeGreaterThan(10);
  expect(seen).toEqual(expected);
});
