import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadLifeboatConfig, parseLifeboatConfig } from '../../../config/load-config';
import { buildLifeboatApp } from '../../../lib/lifeboat-app';
import { LifeboatFunction } from '../../../lib/constructs/lifeboat-function';
import { REBUILD_MARKER_KEY } from '../../../lambdas/catalog/catalog-rebuild-marker';
import { FAILOVER_GRANTS_PK } from '../../../lambdas/failover/failover-grant';
import { mirrorPk } from '../../../lambdas/mirror/mirror-record';
import { FAILOVER_GRANTS_PARTITION, INDEX_SWEEP_PARTITIONS, MIRROR_RECORD_PARTITIONS, REBUILD_MARKER_PARTITION, TARGET_CLAIM_PARTITIONS } from '../../../lib/constructs/catalog-partition-grant';
import { type CfnTemplate, DeployedPolicies } from '../../support/deployed-policies';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { principalOfRole, type SimulatedResource, simulatedDecision } from '../../support/simulated-decision';
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
  expect([...partitions].sort()).toEqual(['APPROVALS', 'BACKUP#*', 'DRILLS', 'FAILOVER_GRANTS', 'FORMAT', 'INDEXSWEEP#*', 'LOCK#*', 'MIRROR#*', 'PRUNE#*', 'PRUNE#dr', 'PRUNE#primary', 'REBUILD', 'SCRUB#LEASE', 'SCRUB#RUNS', 'SOURCE#*', 'TARGET#*'].sort());
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

it('names the partitions the runtime writes (the grants\' constants and the keys of lambdas/)', () => {
  expect(REBUILD_MARKER_PARTITION).toBe(REBUILD_MARKER_KEY.pk);
  expect(FAILOVER_GRANTS_PARTITION).toBe(FAILOVER_GRANTS_PK);
  expect(mirrorPk('demo')).toMatch(new RegExp(`^${MIRROR_RECORD_PARTITIONS.replace('*', '')}`));
  expect(TARGET_CLAIM_PARTITIONS).toBe('TARGET#*');
  expect(INDEX_SWEEP_PARTITIONS).toBe('INDEXSWEEP#*');
});

/** Every action that reads or writes catalog items (IAM has no TransactWriteItems: a transaction is authorized as its Put/Update/Delete/ConditionCheck). */
const ITEM_ACTIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchGetItem', 'BatchWriteItem', 'Query', 'Scan', 'ConditionCheckItem', 'PartiQLSelect', 'PartiQLInsert', 'PartiQLUpdate', 'PartiQLDelete'].map((a) => `dynamodb:${a}`);
const globMatches = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(value);

/**
 * The statements allowed to grant catalog item actions without a dynamodb:LeadingKeys condition, each with why. Only
 * the byPlan index: it holds backup records alone (the catalog's other items have no `plan`), keyed by plan name, so a
 * partition condition there would name plans, not item kinds; and an index is read-only (Query, Scan). `where`: the
 * policies alone that may hold it (`<stack> <logical id>`), when not every role's.
 */
const UNCONDITIONED_ALLOWED: { action: string; resource: RegExp; where?: RegExp; why: string }[] = [
  { action: 'dynamodb:Query', resource: /:table\/[^/]+-catalog\/index\/byPlan$/, why: 'the byPlan index: backup records only, read-only' },
  // A Scan names no partition, so no LeadingKeys condition could hold it: the Prune function's alone, in both stacks; and
  // the DR catalog's resource policy, for the primary account's tagged principals that may Query the index already
  // (`lifeboat prune --vault dr` with the primary account's credentials, f60I).
  {
    action: 'dynamodb:Scan',
    resource: /:table\/[^/]+-catalog\/index\/byPlan$/,
    where: /(?: PrunePruneVaultRoleDefaultPolicy[0-9A-F]+|-DR CatalogTable[0-9A-F]+)$/,
    why: "the prune's check lists every plan the catalog holds backups of, configured or not (recorded-snapshots.ts, review r59M F3): backup records only, read-only",
  },
  // And the Scrub function's (primary stack; both catalogs' index): its forgotten set reads the same plans (review r60F F1).
  {
    action: 'dynamodb:Scan',
    resource: /:table\/[^/]+-catalog\/index\/byPlan$/,
    where: / ScrubScrubVaultsRoleDefaultPolicy[0-9A-F]+$/,
    why: "the scrub's forgotten set reads every plan the catalog holds backups of, configured or not (scrubbedPlans, review r60F F1): backup records only, read-only",
  },
];

it('no statement of any stack grants a catalog item action (primary or DR catalog, table or index) without a LeadingKeys condition, but the allow-list\'s (review r58J F2)', () => {
  const unconditioned: string[] = [];
  let checked = 0;
  for (const protection of synthesized.built.values()) {
    const catalogArns = [protection.primary, protection.dr].map((st) => `arn:aws:dynamodb:${st.region}:${st.account}:table/${protection.protection.names.catalogTable}`);
    const onCatalog = (resource: string) => catalogArns.some((arn) => globMatches(resource, arn) || globMatches(resource, `${arn}/index/byPlan`) || resource.startsWith(`${arn}/`));
    for (const stack of [protection.primary, protection.dr]) {
      const template = Template.fromStack(stack).toJSON() as CfnTemplate;
      const policies = new DeployedPolicies(template, { account: stack.account, region: stack.region });
      const walk = (where: string, node: unknown): void => {
        if (Array.isArray(node)) node.forEach((n) => walk(where, n));
        else if (node !== null && typeof node === 'object') {
          const o = node as Record<string, unknown>;
          if (Array.isArray(o.Statement)) {
            for (const raw of o.Statement as Statement[]) {
              const st = policies.resolve(raw) as Statement & { NotAction?: unknown; NotResource?: unknown };
              if (st.Effect !== 'Allow') continue;
              if (st.NotAction !== undefined || st.NotResource !== undefined) {
                unconditioned.push(`${where}: NotAction/NotResource (${JSON.stringify(st)})`);
                continue;
              }
              const actions = asArray(st.Action).flatMap((a) => ITEM_ACTIONS.filter((item) => globMatches(a, item)));
              const resources = asArray(st.Resource as string | string[]).map(String).filter(onCatalog);
              if (actions.length === 0 || resources.length === 0) continue;
              checked++;
              const conditioned = leadingKeyOperators(st).some(([op]) => /^ForAllValues:String(Like|Equals)$/.test(op)) && st.Condition?.Null?.[LEADING_KEYS] === 'false';
              if (conditioned) continue;
              for (const action of actions) {
                for (const resource of resources) {
                  if (!UNCONDITIONED_ALLOWED.some((a) => a.action === action && a.resource.test(resource) && (a.where?.test(where) ?? true))) unconditioned.push(`${where}: ${action} on ${resource}`);
                }
              }
            }
          } else for (const v of Object.values(o)) walk(where, v);
        }
      };
      for (const [id, resource] of Object.entries(template.Resources)) walk(`${stack.stackName} ${id}`, resource.Properties);
    }
  }
  expect(checked).toBeGreaterThan(50);
  expect(unconditioned).toEqual([]);
});

/** Sample keys of every partition kind of the catalog (lambdas/catalog, approval, failover, mirror). */
const PARTITIONS = ['BACKUP#20261201T000000Z-1a2b3c4d', 'SOURCE#app-data', 'TARGET#s3:lifeboat-restore-x', 'REBUILD', 'FORMAT', 'INDEXSWEEP#daily', 'MIRROR#app-data', 'FAILOVER_GRANTS', 'APPROVALS', 'DRILLS', 'LOCK#daily', 'PRUNE#primary', 'SCRUB#RUNS', 'SCRUB#LEASE'];
const PROBED = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'];
const kind = (pk: string) => pk.replace(/#.*/, '#');

/**
 * What each function the review found unconditioned (r58J F2, F3) calls on its catalog, read from its code: every other
 * (action, partition) of PROBED × PARTITIONS must be refused. `Action KIND` (KIND: the pk up to its '#').
 */
const RESOLVE = ['GetItem BACKUP#', 'UpdateItem BACKUP#', 'Query SOURCE#', 'GetItem REBUILD', 'PutItem TARGET#', 'UpdateItem TARGET#', 'GetItem TARGET#', 'DeleteItem TARGET#'];
const REAL_CALLS: Record<string, string[]> = {
  // restore-selection (requireBackup, backupAsOf: REBUILD, a source's index), restore-pin, target-claim.
  'resolve-restore': RESOLVE,
  // The failover's children also read and take their grant (failover-grant.ts, claim: GetItem, UpdateItem).
  'failover resolve-restore': [...RESOLVE, 'GetItem FAILOVER_GRANTS', 'UpdateItem FAILOVER_GRANTS'],
  // backup-left-out (GetItem), releaseRestorePin: unpinBackup, releaseTarget.
  'verify-restore': ['GetItem BACKUP#', 'UpdateItem BACKUP#', 'DeleteItem TARGET#'],
  // releaseRestorePin; release-unplanned-restore reads the claim.
  'abandon-restore': ['UpdateItem BACKUP#', 'GetItem TARGET#', 'DeleteItem TARGET#'],
  // drill-start.ts: getBackup, rebuildMarker().read.
  'drill-start': ['GetItem BACKUP#', 'GetItem REBUILD'],
  // drill-pins.ts: releaseRestorePin.
  'drill-cleanup': ['UpdateItem BACKUP#', 'DeleteItem TARGET#'],
  // failover-start.ts: getBackup, rebuildMarker().read, MirrorLog.get, FailoverGrantLog.grant.
  'failover-start': ['GetItem BACKUP#', 'GetItem REBUILD', 'GetItem MIRROR#', 'PutItem FAILOVER_GRANTS'],
  // forget-backups.ts (claimForgetting, releaseForgetting, markForgotten, removeForgottenIndexItems), markDeployedFormat.
  'forget-backups': ['GetItem BACKUP#', 'UpdateItem BACKUP#', 'GetItem INDEXSWEEP#', 'UpdateItem INDEXSWEEP#', 'GetItem FORMAT', 'UpdateItem FORMAT', 'DeleteItem SOURCE#'],
  // prune-record.ts (PruneLog.record); recorded-snapshots.ts: liveBackupSnapshotsAt, the consistent second look (review r59H F2).
  'prune-vault': ['GetItem BACKUP#', 'PutItem PRUNE#'],
  // catalog-rebuild.ts (putRebuiltBackup, indexCommittedBackup, getBackup), catalog-rebuild-marker.ts.
  'rebuild-catalog': ['GetItem BACKUP#', 'PutItem BACKUP#', 'PutItem SOURCE#', 'GetItem REBUILD', 'PutItem REBUILD', 'DeleteItem REBUILD'],
};
/** Replicate on the DR catalog (replicate-backup.ts: indexCommittedBackup, putRebuiltBackup); its grants on its own catalog are the backup workflow's (failed-backup-deleters.test.ts). */
const REPLICATE_ON_DR_CATALOG = ['PutItem BACKUP#', 'PutItem SOURCE#'];

const logicalId = (fn: LifeboatFunction) => Stack.of(fn).getLogicalId(fn.role?.node.defaultChild as CfnElement);
async function allowedCalls(policies: DeployedPolicies, fn: LifeboatFunction, table: SimulatedResource): Promise<string[]> {
  const principal = principalOfRole(policies, logicalId(fn));
  const allowed: string[] = [];
  for (const action of PROBED) {
    for (const pk of PARTITIONS) if ((await simulatedDecision(principal, `dynamodb:${action}`, table, { [LEADING_KEYS]: [pk] })) === 'Allowed') allowed.push(`${action} ${kind(pk)}`);
  }
  return allowed.sort();
}

it('each function the review named reaches exactly the partitions its code calls on, in every stack (simulator)', async () => {
  const seen: string[] = [];
  const expected: string[] = [];
  for (const [env, protection] of synthesized.built) {
    for (const stack of [protection.primary, protection.dr]) {
      const policies = new DeployedPolicies(Template.fromStack(stack).toJSON() as CfnTemplate, { account: stack.account, region: stack.region });
      const table = { arn: `arn:aws:dynamodb:${stack.region}:${stack.account}:table/${protection.protection.names.catalogTable}`, account: stack.account };
      const functions = stack.node.findAll().filter((c): c is LifeboatFunction => c instanceof LifeboatFunction && c.handlerName in REAL_CALLS);
      for (const fn of functions) {
        const role = fn.handlerName === 'resolve-restore' && fn.node.id.startsWith('Failover') ? 'failover resolve-restore' : fn.handlerName;
        seen.push(`${env} ${fn.node.path}: ${(await allowedCalls(policies, fn, table)).join(', ')}`);
        expected.push(`${env} ${fn.node.path}: ${[...(REAL_CALLS[role] ?? [])].sort().join(', ')}`);
      }
    }
    const handlers = [protection.primary, protection.dr].flatMap((st) => st.node.findAll().filter((c): c is LifeboatFunction => c instanceof LifeboatFunction).map((f) => f.handlerName));
    // The restore runbook's, the drill's and the failover's in both stacks as built: none left unchecked.
    expect(handlers.filter((h) => h in REAL_CALLS).length).toBeGreaterThanOrEqual(18);
  }
  expect(seen).toEqual(expected);
});

describe.each([...synthesized.built.keys()])('the replicate role of %s on the DR catalog (simulator)', (env) => {
  it('may put what replication writes (BACKUP# records, SOURCE# index items) and nothing else: no FAILOVER_GRANTS', async () => {
    const protection = synthesized.built.get(env);
    if (!protection) throw new Error(`no environment ${env}`);
    const { primary, dr } = protection;
    const policies = new DeployedPolicies(Template.fromStack(primary).toJSON() as CfnTemplate, { account: primary.account, region: primary.region });
    const drTemplate = Template.fromStack(dr).toJSON() as CfnTemplate;
    const drPolicies = new DeployedPolicies(drTemplate, { account: dr.account, region: dr.region });
    const tableId = Stack.of(protection.protection.drCatalog.table).getLogicalId(protection.protection.drCatalog.table.node.defaultChild as CfnElement);
    const resourcePolicy = drPolicies.resolve((drTemplate.Resources[tableId]?.Properties?.ResourcePolicy as { PolicyDocument?: unknown } | undefined)?.PolicyDocument);
    const drTable = { arn: `arn:aws:dynamodb:${dr.region}:${dr.account}:table/${protection.protection.names.catalogTable}`, account: dr.account, ...(resourcePolicy ? { policy: resourcePolicy } : {}) };
    expect(resourcePolicy !== undefined).toBe(dr.account !== primary.account);
    const replicate = protection.protection.backupWorkflow.functions.replicate;
    expect(await simulatedDecision(principalOfRole(policies, logicalId(replicate)), 'dynamodb:PutItem', drTable, { [LEADING_KEYS]: ['FAILOVER_GRANTS'] })).toBe('ImplicitlyDenied');
    expect(await allowedCalls(policies, replicate, drTable)).toEqual([...REPLICATE_ON_DR_CATALOG].sort());
  });
});
