import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BackupWorkflow, CatalogTable, LifeboatSource, LifeboatVault } from '../../../../lib';
import { BACKUP_RUN_STATES, childTransitions, parentTransitions } from '../../../../cli/estimate/backup-run-states';
import { templateOnlyApp } from '../../../support/template-only-app';

/**
 * The estimate's and the scale model's transition counts against the synthesized backup workflow:
 * a walk of its success path, choice by choice, enters exactly the states backup-run-states.ts lists,
 * and every other state of the definition is on a failure path. A state added to (or renamed on) the
 * success path fails here until the model counts it (audit R21, F2).
 */

type State = { Type: string; Next?: string; End?: boolean; Default?: string; Choices?: { Next: string }[]; ItemProcessor?: Machine };
type Machine = { StartAt: string; States: Record<string, State> };

/** The backup state machine's definition: the Fn::Join of its DefinitionString, tokens (inside strings) replaced by a placeholder. */
function backupDefinition(): Machine {
  const app = templateOnlyApp();
  const stack = new Stack(app, 'Estimate', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vault = new LifeboatVault(stack, 'Vault', { bucketName: 'estimate-vault-111111111111-eu-west-1' });
  const catalogKey = new kms.Key(stack, 'CatalogKey', { enableKeyRotation: true });
  const catalog = new CatalogTable(stack, 'Catalog', { tableName: 'estimate-catalog', encryptionKey: catalogKey });
  new BackupWorkflow(stack, 'Backup', {
    environmentName: 'estimate',
    stateMachineName: 'estimate-backup',
    plans: [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [LifeboatSource.s3Bucket('assets', new s3.Bucket(stack, 'Assets'))] }],
    vault: vault.bucket,
    vaultKey: vault.key,
    drVault: { bucketName: 'estimate-vault-111111111111-us-west-2', region: 'us-west-2', keyArn: 'arn:aws:kms:us-west-2:111111111111:key/abc' },
    catalog: catalog.table,
    catalogKey,
  });
  const machines = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'estimate-backup' } }));
  const body = machines[0]?.Properties?.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text) as Machine;
}

/**
 * The states an execution of `machine` enters from its start to its end, taking at each Choice the
 * branch `choose` names (its index in Choices, or 'default'); `visits` counts the Choice's earlier visits.
 */
function walk(machine: Machine, choose: (choice: string, visits: number) => number | 'default'): string[] {
  const entered: string[] = [];
  const visits = new Map<string, number>();
  let name: string | undefined = machine.StartAt;
  while (name !== undefined) {
    const state: State | undefined = machine.States[name];
    if (!state) throw new Error(`no state ${name}`);
    entered.push(name);
    if (entered.length > 1000) throw new Error('the walk does not end');
    if (state.Type === 'Choice') {
      const seen = visits.get(name) ?? 0;
      visits.set(name, seen + 1);
      const branch = choose(name, seen);
      name = branch === 'default' ? state.Default : state.Choices?.[branch]?.Next;
    } else {
      name = state.End || state.Type === 'Succeed' || state.Type === 'Fail' ? undefined : state.Next;
    }
  }
  return entered;
}

const definition = backupDefinition();
const map = definition.States['Snapshot shards'];
const child = map?.ItemProcessor;

it('a run of one planning round and one replication pass enters the listed parent states, 12 in all', () => {
  // The input guard passes an object on (default), planning is done at once, replication complete at once (their first rules).
  const entered = walk(definition, (choice) => (choice === 'Input is an object?' ? 'default' : 0));
  const s = BACKUP_RUN_STATES;
  expect(entered).toEqual([s.once[0], s.once[1], s.once[2], ...s.firstPlanningRound, s.once[3], ...s.replicationStart, ...s.replicationPass, s.once[4], s.once[5]]);
  expect(entered).toHaveLength(parentTransitions(1, 1));
  expect(parentTransitions(1, 1)).toBe(12);
});

it('each further planning round and replication pass enters the listed states again', () => {
  const entered = walk(definition, (choice, visits) => {
    if (choice === 'Input is an object?') return 'default';
    // Two planning rounds more, one replication pass more.
    if (choice === 'Every shard planned?') return visits < 2 ? 'default' : 0;
    if (choice === 'DR vault up to date?') return visits < 1 ? 'default' : 0;
    return 0;
  });
  expect(entered).toHaveLength(parentTransitions(3, 2));
  expect(entered.filter((n) => n === 'Plan more shards')).toHaveLength(2);
  expect(entered.filter((n) => n === 'Snapshot shards')).toHaveLength(3);
});

it('a child execution (a batch of shards) enters its listed states per invocation of its batch, and its end once', () => {
  expect(map?.Type).toBe('Map');
  if (!child) throw new Error('Snapshot shards has no ItemProcessor');
  const once = walk(child, () => 0);
  expect(once).toEqual([...BACKUP_RUN_STATES.childRound, ...BACKUP_RUN_STATES.childEnd]);
  expect(once).toHaveLength(childTransitions(1));
  expect(childTransitions(1)).toBe(3);
  // A batch not done in one invocation: the Choice runs it again.
  const thrice = walk(child, (_choice, visits) => (visits < 2 ? 'default' : 0));
  expect(thrice).toHaveLength(childTransitions(3));
});

it('every other state of the workflow is on a failure path: a new success-path state must be counted', () => {
  const counted = new Set<string>(Object.values(BACKUP_RUN_STATES).flat());
  const failurePath = ['Input refused', 'Record failure', 'Release lock after failure', 'Backup failed', 'Record shard failure', 'Shard failed'];
  const all = [...Object.keys(definition.States), ...Object.keys(child?.States ?? {})];
  expect(all.filter((n) => !counted.has(n)).sort()).toEqual([...failurePath].sort());
  expect([...counted].filter((n) => !all.includes(n))).toEqual([]);
});
