import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { resolve } from 'node:path';
import { catalogRebuildCommand, printRebuildReport, printRebuildSummary, rebuildMarkerCommandLine } from '../../../cli/commands/catalog-commands';
import { awsWorkflowRunner, type WorkflowRunner } from '../../../cli/workflow-runner';
import { DEFAULT_CONFIG_FILE, findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { type CatalogRebuildReport } from '../../../lambdas/catalog/catalog-rebuild';
import { type CatalogRebuildSummary } from '../../../lambdas/catalog/catalog-rebuild-summary';
import { DEFAULT_DATA_DIR } from '../../../local/cloud/cloud-state';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat catalog rebuild`: the command line and the report as printed (the rebuild itself: test/unit/lambdas/catalog, end to end:
 * test/e2e/workflows/backup-workflow.test.ts; the runbook on the local cloud: test/e2e/workflows/runbook-examples.test.ts).
 */

/** The target options of a plain `lifeboat catalog rebuild`, which the commands it prints need not repeat. */
const LOCAL_DEV = { config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: DEFAULT_DATA_DIR };

it('refuses a vault other than primary or dr with exit 2, before reaching anything', async () => {
  const { err, io } = capturedCliIo();
  expect(await catalogRebuildCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent', vault: 'replica' }, { io })).toBe(2);
  expect(err).toEqual(['lifeboat catalog rebuild: --vault must be primary or dr, got replica']);
});

it.each([
  [{ vault: 'dr', region: 'eu' }, 'lifeboat catalog rebuild: --region must be primary or dr, got eu'],
  [{ vault: 'primary', region: 'dr' }, expect.stringMatching(/^lifeboat catalog rebuild: --region dr rebuilds the DR catalog from the DR vault only .*use --vault dr/)],
])('refuses %j with exit 2, before reaching anything (the DR region has no primary vault)', async (flags, message) => {
  const { err, io } = capturedCliIo();
  expect(await catalogRebuildCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent', ...flags }, { io })).toBe(2);
  expect(await catalogRebuildCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent', runbook: true, ...flags }, { io })).toBe(2);
  expect(err).toEqual([message, message]);
});

it('prints what it did with each backup, and names on stderr what was left out and what to do', () => {
  const report: CatalogRebuildReport = {
    vault: 'primary',
    snapshots: 5,
    untaggedSnapshots: 1,
    unreadableSnapshots: [{ key: `snapshots/${'a'.repeat(64)}`, reason: 'it does not authenticate' }],
    drCopies: 'unknown',
    backups: [
      { backupId: '20260301T100000Z-00000001', plan: 'demo', outcome: 'created', derived: ['startedAt (snapshot time minus its duration, to about a millisecond)'], unrecovered: ['trigger'] },
      { backupId: '20260302T100000Z-00000002', plan: 'demo', outcome: 'skipped', note: 'incomplete: no snapshot of demo-orders in the primary vault' },
    ],
    missingFromVault: [{ backupId: '20260303T100000Z-00000003', plan: 'demo', sources: [{ source: 'demo-files', snapshotId: 'b'.repeat(64) }] }],
    warnings: ['legal holds are not rebuilt: …'],
    progress: { complete: true },
  };
  const { out, err, io } = capturedCliIo();
  printRebuildReport(report, io, LOCAL_DEV);
  const printed = out.join('\n');
  expect(out[0]).toBe('Catalog rebuilt from the primary vault: 5 snapshots, 2 backups — 1 created, 0 updated, 0 unchanged, 0 kept, 1 skipped.');
  expect(printed).toMatch(/20260301T100000Z-00000001.*demo.*created.*derived: startedAt/);
  expect(printed).toContain('not recovered: trigger');
  expect(printed).toMatch(/20260302T100000Z-00000002.*skipped.*incomplete: no snapshot of demo-orders/);
  expect(printed).toContain('DR copies: unknown');
  expect(printed).toContain('1 snapshot(s) without a backupId tag');
  expect(err).toEqual([
    'warning: legal holds are not rebuilt: …',
    expect.stringContaining(`snapshot object snapshots/${'a'.repeat(64)} cannot be read and is skipped: it does not authenticate`),
    `backup 20260303T100000Z-00000003 (plan demo) is in the catalog but the primary vault lacks its snapshot of demo-files (${'b'.repeat(12)}); the record is left as it is: check it with \`lifeboat verify --backup 20260303T100000Z-00000003 --from dr\` and restore from the other vault.`,
  ]);
  // The verify it names carries the rebuild's own target options (audit a57C-1): pasted without them, it verified env dev's local vault.
  const inProd = capturedCliIo();
  printRebuildReport(report, inProd.io, { ...LOCAL_DEV, env: 'prod', aws: true });
  expect(inProd.err).toContain(
    `backup 20260303T100000Z-00000003 (plan demo) is in the catalog but the primary vault lacks its snapshot of demo-files (${'b'.repeat(12)}); the record is left as it is: check it with \`lifeboat verify --backup 20260303T100000Z-00000003 --from dr --env prod --aws\` and restore from the other vault.`,
  );
});

describe('lifeboat catalog rebuild --runbook --aws (Step Functions through the SDK)', () => {
  const sfn = mockClient(SFNClient);
  afterEach(() => sfn.reset());
  const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
  const options = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true, vault: 'dr', runbook: true };
  const summary: CatalogRebuildSummary = {
    vault: 'dr',
    snapshots: 4,
    untaggedSnapshots: 0,
    drCopies: 'this-vault-is-dr',
    outcomes: { created: 1, updated: 0, unchanged: 0, kept: 0, skipped: 1 },
    leftOut: true,
    attention: [{ backupId: '20260302T100000Z-00000002', plan: 'demo', outcome: 'skipped', note: 'incomplete: no snapshot of demo-orders in the dr vault' }],
    unreadableSnapshots: [],
    missingFromVault: [],
    notListed: 0,
  };
  const runner = () => awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), pollMs: 1 });
  const stderr = { isTTY: false, write: () => true };

  it('starts lifeboat-<env>-catalog-rebuild with {vault}, prints its summary, and exits 3 when something was left out', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-catalog-rebuild:e1' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' }).resolves({ status: 'SUCCEEDED', output: JSON.stringify(summary) });
    const { out, io } = capturedCliIo();
    expect(await catalogRebuildCommand(options, { io, stderr, runner: runner() })).toBe(3);
    const start = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start?.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:lifeboat-dev-catalog-rebuild');
    expect(JSON.parse(start?.input ?? '{}')).toEqual({ vault: 'dr' });
    expect(out[0]).toBe('Catalog rebuilt from the dr vault: 4 snapshots, 2 backups — 1 created, 0 updated, 0 unchanged, 0 kept, 1 skipped.');
    expect(out.join('\n')).toMatch(/20260302T100000Z-00000002.*skipped.*incomplete: no snapshot of demo-orders/);
    expect(out.join('\n')).toContain('DR copies: COMMITTED (rebuilt from the DR vault).');
  });

  it('with --region dr starts the DR region\'s runbook through a client of that region, never the primary region\'s', async () => {
    const drSfn = new SFNClient({ region: 'us-west-2' });
    const primarySfn = new SFNClient({ region: 'us-east-1' });
    const sends: string[] = [];
    sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string }) => {
      sends.push(input.stateMachineArn);
      return { executionArn: 'arn:aws:states:us-west-2:000000000000:execution:lifeboat-dev-catalog-rebuild:e3' };
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ ...summary, outcomes: { ...summary.outcomes, skipped: 0 }, leftOut: false, attention: [] }) });
    const primarySend = jest.spyOn(primarySfn, 'send');
    const { out, io } = capturedCliIo();
    const drRunner = awsWorkflowRunner({ environment, client: primarySfn, drClient: drSfn, pollMs: 1 });
    expect(await catalogRebuildCommand({ ...options, region: 'dr' }, { io, stderr, runner: drRunner })).toBe(0);
    expect(sends).toEqual(['arn:aws:states:us-west-2:000000000000:stateMachine:lifeboat-dev-catalog-rebuild']);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}')).toEqual({ vault: 'dr' });
    expect(primarySend).not.toHaveBeenCalled();
    expect(out[0]).toBe('Catalog rebuilt from the dr vault: 4 snapshots, 1 backups — 1 created, 0 updated, 0 unchanged, 0 kept, 0 skipped.');
  });

  it('reports a failed execution with the error name and the handler\'s message, exit 1', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-catalog-rebuild:e2' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'VaultNotFoundError', cause: JSON.stringify({ errorType: 'VaultNotFoundError', errorMessage: 's3://x holds no vault' }) });
    const { err, io } = capturedCliIo();
    expect(await catalogRebuildCommand(options, { io, stderr, runner: runner() })).toBe(1);
    expect(err.join('\n')).toContain('Catalog rebuild FAILED: VaultNotFoundError: s3://x holds no vault');
    expect(err.join('\n')).not.toContain('partial');
  });

  it.each([
    ['FAILED', 'Sandbox.Timedout', 'Task timed out after 900.00 seconds'],
    ['TIMED_OUT', 'States.Timeout', ''],
  ])('a %s execution (%s) says the catalog is partial, the oldest missing, and names the command that finishes it, exit 1', async (status, error, message) => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-catalog-rebuild:e4' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn.on(DescribeExecutionCommand).resolves({ status: status as 'FAILED', error, cause: message });
    const { err, io } = capturedCliIo();
    expect(await catalogRebuildCommand({ ...options, region: 'dr' }, { io, stderr, runner: awsWorkflowRunner({ environment, client: new SFNClient({ region: 'us-east-1' }), drClient: new SFNClient({ region: 'us-west-2' }), pollMs: 1 }) })).toBe(1);
    expect(err.join('\n')).toContain(
      'the catalog is partial: the rebuild writes the newest backups first, so what is missing is the oldest, those that started before the oldest backup it wrote. ' +
        'Restores by point in time before the oldest backup it wrote are unreliable until the rebuild is finished, and refused meanwhile (PointInTimeInRebuildGapError: ' +
        'the catalog holds the rebuild\'s marker until it is finished; a restore by backup id is not refused), and so are a failover and a drill that pick the newest backup ' +
        'when the catalog\'s newest is older than that (a round cut before its first write leaves nothing written); later points in time already find their backup. ' +
        `Finish it from a machine, which has no time limit and creates only the records the catalog lacks (writing the index items of those it holds again): lifeboat catalog rebuild --vault dr --region dr --config ${SAMPLE_CONFIG_FILE} --aws\n`,
    );
  });

  it('a summary that lists only part of the backups names the in-process rebuild that lists them all, with the vault, region and target options of the run (review r57N F2)', () => {
    const { out, io } = capturedCliIo();
    printRebuildSummary({ ...summary, notListed: 7 }, io, { config: 'ops/lifeboat.json', env: 'prod', dataDir: '.unused', aws: true, region: 'dr' });
    expect(out).toContain(
      `7 more entries are not listed (the runbook's output is kept small): run \`lifeboat catalog rebuild --vault dr --region dr --env prod --config ${resolve('ops/lifeboat.json')} --aws --json\` (without --runbook) to see them all.`,
    );
    const local = capturedCliIo();
    printRebuildSummary({ ...summary, vault: 'primary', notListed: 7 }, local.io, { ...LOCAL_DEV, dataDir: '/srv/dr cloud', region: 'primary' });
    expect(local.out).toContain("7 more entries are not listed (the runbook's output is kept small): run `lifeboat catalog rebuild --vault primary --data-dir '/srv/dr cloud' --json` (without --runbook) to see them all.");
  });

  // Review r57AD F1: on a local cloud at another --data-dir the runbook's marker named the default one's catalog.
  // Review r58A F1: the input carries the option, not a line; F5: a relative one is sent absolute (the marker is read anywhere).
  it('on a local cloud at another --data-dir passes it, absolute, in the runbook\'s markerOptions; at the default, only {vault}', async () => {
    const inputs: unknown[] = [];
    const local: WorkflowRunner = {
      run: async (_workflow, input) => {
        inputs.push(input);
        return { executionId: 'e6', status: 'SUCCEEDED', output: { ...summary, leftOut: false } };
      },
    };
    const at = { config: SAMPLE_CONFIG_FILE, env: 'dev', vault: 'primary', runbook: true };
    expect(await catalogRebuildCommand({ ...at, dataDir: '/srv/dr cloud' }, { io: capturedCliIo().io, stderr, runner: local })).toBe(0);
    expect(await catalogRebuildCommand({ ...at, dataDir: '.lifeboat' }, { io: capturedCliIo().io, stderr, runner: local })).toBe(0);
    expect(await catalogRebuildCommand({ ...at, dataDir: '../cloud-b' }, { io: capturedCliIo().io, stderr, runner: local })).toBe(0);
    // Review r58C F2: ./.lifeboat given absolute is another cloud from another directory.
    expect(await catalogRebuildCommand({ ...at, dataDir: resolve(DEFAULT_DATA_DIR) }, { io: capturedCliIo().io, stderr, runner: local })).toBe(0);
    expect(inputs).toEqual([
      { vault: 'primary', markerOptions: { dataDir: '/srv/dr cloud' } },
      { vault: 'primary' },
      { vault: 'primary', markerOptions: { dataDir: resolve('../cloud-b') } },
      { vault: 'primary', markerOptions: { dataDir: resolve(DEFAULT_DATA_DIR) } },
    ]);
  });

  // Review r58A F5: a data directory the function refuses (too long, a control or format character) failed the whole
  // execution on a field the operator never typed; the CLI refuses it first, naming --data-dir (or --vault-key).
  // Review r58C F3: a rebuild in this process wrote the same into the marker unchecked, where --runbook told to run it;
  // a malformed --vault-key was told to rebuild in this process rather than to fix it.
  const DATA_DIR_FIX = 'give the data directory by a path of at most 1024 characters without control, format or line-separator characters (a symbolic link to it)';
  it.each([
    [{ dataDir: `/srv/${'d'.repeat(1024)}` }, '--data-dir must be at most 1024 characters', DATA_DIR_FIX],
    [{ dataDir: '/srv/a\nb' }, '--data-dir must have no control, format or line-separator characters', DATA_DIR_FIX],
    [{ dataDir: '/srv/\u202Ehs|x lruc' }, '--data-dir must have no control, format or line-separator characters', DATA_DIR_FIX],
    [{ aws: true, vaultKey: 'alias/ops key' }, '--vault-key must be a KMS key id, key ARN, alias name (alias/…) or alias ARN', 'fix --vault-key (the key as KMS names it)'],
  ])('refuses %j with exit 2 before reaching anything, with --runbook and in this process alike, naming the option and its fix', async (flags, problem, fix) => {
    const run = jest.fn();
    const clients = new Proxy({}, { get: () => jest.fn(() => { throw new Error('reached a client'); }) }) as never;
    for (const runbook of [true, false]) {
      const { err, io } = capturedCliIo();
      expect(await catalogRebuildCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: DEFAULT_DATA_DIR, vault: 'primary', runbook, ...flags }, { io, clients, stderr, runner: { run } })).toBe(2);
      expect(err).toEqual([`lifeboat catalog rebuild${runbook ? ' --runbook' : ''}: ${problem}: a rebuild keeps it in the catalog's marker, whose command every operator of the catalog is shown; ${fix}`]);
    }
    expect(run).not.toHaveBeenCalled();
  });

  // Review r58A F2: a stack deployed before the field refused it, and the CLI printed only the validation error: nothing rebuilt.
  describe('against a function deployed before markerOptions', () => {
    const refusal = { executionId: 'e7', status: 'FAILED' as const, error: 'InvalidInputError', cause: JSON.stringify({ errorType: 'InvalidInputError', errorMessage: 'Invalid catalog rebuild request: (input): Unrecognized key: "markerOptions"' }) };
    const at = { config: SAMPLE_CONFIG_FILE, env: 'dev', vault: 'primary', runbook: true, dataDir: '/srv/dr cloud' };
    const answering = (...outcomes: Awaited<ReturnType<WorkflowRunner['run']>>[]) => {
      const inputs: unknown[] = [];
      const runner: WorkflowRunner = {
        run: async (_workflow, input) => {
          inputs.push(input);
          const next = outcomes.shift();
          if (next === undefined) throw new Error('no more executions expected');
          return next;
        },
      };
      return { inputs, runner };
    };

    it('runs again without the field, and warns that its marker and errors name the function\'s line and the stack needs a deploy', async () => {
      const { inputs, runner } = answering(refusal, { executionId: 'e8', status: 'SUCCEEDED', output: { ...summary, vault: 'primary', leftOut: false } });
      const { err, out, io } = capturedCliIo();
      expect(await catalogRebuildCommand(at, { io, stderr, runner })).toBe(0);
      expect(inputs).toEqual([{ vault: 'primary', markerOptions: { dataDir: '/srv/dr cloud' } }, { vault: 'primary' }]);
      expect(err).toEqual([
        'warning: the catalog-rebuild function refused "markerOptions" (execution e7: its stack was deployed before the field; nothing was read or written), so the rebuild runs again without it. ' +
          'The alert that execution e7 ended FAILED (topic lifeboat-dev-alarms, which pages the on-call) is this refusal: expected, nothing to look into. ' +
          "Until it finishes, the catalog's marker, which a refused restore by point in time, failover or drill prints, and this run's errors name the function's own line, lifeboat catalog rebuild --vault primary --env dev, without --data-dir '/srv/dr cloud': " +
          `finish it from this machine with lifeboat catalog rebuild --vault primary --config ${SAMPLE_CONFIG_FILE} --data-dir '/srv/dr cloud'. Deploy the stacks again (cdk deploy) so the runbook takes the field.`,
      ]);
      expect(out).toContain('Execution e8');
    });

    it('with --stack, names the stack in the function\'s line and the protection\'s alarm topic, never --env (review r60K F4)', async () => {
      const { runner } = answering(refusal, { executionId: 'e8', status: 'SUCCEEDED', output: { ...summary, vault: 'primary', leftOut: false } });
      const { err, io } = capturedCliIo();
      const stackAt = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', vault: 'primary', runbook: true, aws: true, stack: 'Shop', stackRegion: 'eu-west-1', vaultKey: 'alias/shop-key' };
      expect(await catalogRebuildCommand(stackAt, { io, stderr, runner })).toBe(0);
      expect(err).toHaveLength(1);
      expect(err[0]).toContain("(the protection's alarm topic, which pages the on-call)");
      expect(err[0]).toContain("the function's own line, lifeboat catalog rebuild --vault primary --stack Shop --stack-region eu-west-1 --aws, without --vault-key alias/shop-key");
      expect(err[0]).not.toContain('--env');
      expect(err[0]).not.toContain('lifeboat-dev-alarms');
    });

    it('names its own line after an error that names the function\'s (the rounds ran out), and runs once more only for that refusal', async () => {
      const incomplete = { executionId: 'e9', status: 'FAILED' as const, error: 'CatalogRebuildIncompleteError', cause: JSON.stringify({ errorType: 'CatalogRebuildIncompleteError', errorMessage: '…: lifeboat catalog rebuild --vault primary --env dev' }) };
      const { inputs, runner } = answering(refusal, incomplete);
      const { err, io } = capturedCliIo();
      expect(await catalogRebuildCommand(at, { io, stderr, runner })).toBe(1);
      expect(inputs).toHaveLength(2);
      expect(err[1]).toBe(
        "Catalog rebuild FAILED: CatalogRebuildIncompleteError: …: lifeboat catalog rebuild --vault primary --env dev\nThe function's command above lacks --data-dir '/srv/dr cloud' (its stack predates markerOptions): " +
          `finish it with lifeboat catalog rebuild --vault primary --config ${SAMPLE_CONFIG_FILE} --data-dir '/srv/dr cloud'\nExecution e9`,
      );
      // Any other refusal (a field the function takes, refused for its value) is the execution's failure, not run again.
      const other = answering({ ...refusal, cause: 'Invalid catalog rebuild request: markerOptions.dataDir: must be an absolute path' });
      expect(await catalogRebuildCommand(at, { io: capturedCliIo().io, stderr, runner: other.runner })).toBe(1);
      expect(other.inputs).toHaveLength(1);
    });
  });

  // Review r58C F5: after these errors only the function's line was printed, which has no --config: pasted on a machine
  // whose config is not ./lifeboat.config.json, it read another config (another environment's account, or none).
  it.each(['CatalogRebuildIncompleteError', 'CatalogRebuildTooManySnapshotsError'])('after %s names the function\'s line, prints its own with a --config that is not the default', async (error) => {
    const line = 'lifeboat catalog rebuild --vault primary --env dev --aws --vault-key alias/ops-key';
    const failed: WorkflowRunner = { run: async () => ({ executionId: 'e10', status: 'FAILED', error, cause: JSON.stringify({ errorType: error, errorMessage: `…: ${line}` }) }) };
    const at = { env: 'dev', dataDir: DEFAULT_DATA_DIR, aws: true, vaultKey: 'alias/ops-key', vault: 'primary', runbook: true };
    const elsewhere = capturedCliIo();
    expect(await catalogRebuildCommand({ ...at, config: SAMPLE_CONFIG_FILE }, { io: elsewhere.io, stderr, runner: failed })).toBe(1);
    expect(elsewhere.err).toEqual([
      `Catalog rebuild FAILED: ${error}: …: ${line}\nThe function's command above has no --config (this machine's is not the default): from here, finish it with ` +
        `lifeboat catalog rebuild --vault primary --config ${SAMPLE_CONFIG_FILE} --aws --vault-key alias/ops-key\nExecution e10`,
    ]);
    const atDefault = capturedCliIo();
    expect(await catalogRebuildCommand({ ...at, config: DEFAULT_CONFIG_FILE }, { io: atDefault.io, stderr, runner: failed })).toBe(1);
    expect(atDefault.err).toEqual([`Catalog rebuild FAILED: ${error}: …: ${line}\nExecution e10`]);
  });

  // Review r57Q F4: a rebuild run with --vault-key printed lines without it, which opened the primary vault with
  // alias/lifeboat-<env>-vault: where the vault's key is another, the pasted line failed at KMS.
  it('the lines it prints that open the primary vault carry the run\'s --vault-key (with --aws; the local cloud has no KMS key)', async () => {
    const vaultKey = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:lifeboat-dev-catalog-rebuild:e5' });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'TIMED_OUT', error: 'States.Timeout' });
    const cut = capturedCliIo();
    expect(await catalogRebuildCommand({ ...options, vault: 'primary', vaultKey }, { io: cut.io, stderr, runner: runner() })).toBe(1);
    expect(cut.err.join('\n')).toContain(`lifeboat catalog rebuild --vault primary --config ${SAMPLE_CONFIG_FILE} --aws --vault-key ${vaultKey}\n`);
    // Review r57AD F1: the marker the runbook leaves carries it too (the function knows no --vault-key); without a key
    // the function's own line is the marker's, and the input stays what a function deployed before the field takes.
    // Review r58A F1: as a field, from which the function makes the line; F2: never for --vault dr, which does not open it.
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}')).toEqual({ vault: 'primary', markerOptions: { vaultKey } });
    expect(await catalogRebuildCommand({ ...options, vault: 'dr', vaultKey }, { io: capturedCliIo().io, stderr, runner: runner() })).toBe(1);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[1]?.args[0].input.input ?? '{}')).toEqual({ vault: 'dr' });
    const missing = { backupId: '20260303T100000Z-00000003', plan: 'demo', sources: [{ source: 'demo-files', snapshotId: 'b'.repeat(64) }] };
    const { err, out, io } = capturedCliIo();
    printRebuildSummary({ ...summary, missingFromVault: [missing], notListed: 7 }, io, { ...LOCAL_DEV, aws: true, vaultKey, region: 'dr' });
    expect(out).toContain(`7 more entries are not listed (the runbook's output is kept small): run \`lifeboat catalog rebuild --vault dr --region dr --aws --vault-key ${vaultKey} --json\` (without --runbook) to see them all.`);
    expect(err).toEqual([expect.stringContaining(`check it with \`lifeboat verify --backup 20260303T100000Z-00000003 --aws --vault-key ${vaultKey}\``)]);
    const local = capturedCliIo();
    printRebuildSummary({ ...summary, notListed: 7 }, local.io, { ...LOCAL_DEV, vaultKey: 'alias/unused', region: 'dr' });
    expect(local.out.join('\n')).toContain("run `lifeboat catalog rebuild --vault dr --region dr --json` (without --runbook)");
  });
});

// Review r57T: the marker of a CLI rebuild kept the function's line only. A local cloud's catalog, and so its marker, is read
// only from its data directory, yet the line rebuilt the default one's (C2-1); a run with --aws --vault-key left the key out,
// so the line opened the primary vault with alias/lifeboat-<env>-vault and failed at KMS (C2-2). Never this machine's --config.
it('the marker of a CLI rebuild keeps the local cloud\'s --data-dir, or with --aws the run\'s --vault-key, and never --config', () => {
  const rebuild = { vault: 'primary', region: 'primary' } as const;
  expect(rebuildMarkerCommandLine(rebuild, 'dev', { ...LOCAL_DEV, config: '/home/alice/lifeboat.json', dataDir: '/srv/x' })).toBe('lifeboat catalog rebuild --vault primary --env dev --data-dir /srv/x');
  expect(rebuildMarkerCommandLine({ vault: 'dr', region: 'dr' }, 'dev', { ...LOCAL_DEV, dataDir: '/srv/dr cloud', vaultKey: 'alias/unused' })).toBe("lifeboat catalog rebuild --vault dr --region dr --env dev --data-dir '/srv/dr cloud'");
  expect(rebuildMarkerCommandLine(rebuild, 'dev', LOCAL_DEV)).toBe('lifeboat catalog rebuild --vault primary --env dev');
  const vaultKey = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  expect(rebuildMarkerCommandLine(rebuild, 'prod', { config: 'ops/lifeboat.json', env: 'prod', dataDir: '/srv/x', aws: true, vaultKey })).toBe(`lifeboat catalog rebuild --vault primary --env prod --aws --vault-key ${vaultKey}`);
  // Review r58C F3: what the function would refuse is refused here too, never written into the marker.
  expect(() => rebuildMarkerCommandLine(rebuild, 'prod', { ...LOCAL_DEV, env: 'prod', aws: true, vaultKey: "alias/ops key's" })).toThrow(
    expect.objectContaining({ name: 'UsageError', message: expect.stringMatching(/^--vault-key must be a KMS key id, .*; fix --vault-key/) }),
  );
  expect(() => rebuildMarkerCommandLine(rebuild, 'dev', { ...LOCAL_DEV, dataDir: '/srv/a\u2028b' })).toThrow(expect.objectContaining({ name: 'UsageError', message: expect.stringMatching(/^--data-dir must have no control/) }));
  expect(rebuildMarkerCommandLine(rebuild, 'prod', { ...LOCAL_DEV, env: 'prod', dataDir: '/srv/x', aws: true })).toBe('lifeboat catalog rebuild --vault primary --env prod --aws');
  // Review r60K F4: with --stack the marker's line named `--env <name>`, which no --stack user has.
  expect(rebuildMarkerCommandLine(rebuild, 'shop', { ...LOCAL_DEV, aws: true, stack: 'Shop', stackRegion: 'eu-west-1', vaultKey })).toBe(`lifeboat catalog rebuild --vault primary --stack Shop --stack-region eu-west-1 --aws --vault-key ${vaultKey}`);
  // Review r58A F2: a rebuild from the DR vault never opens the primary vault's key; F5: a relative data directory named
  // another one from another working directory.
  expect(rebuildMarkerCommandLine({ vault: 'dr', region: 'primary' }, 'prod', { ...LOCAL_DEV, env: 'prod', aws: true, vaultKey })).toBe('lifeboat catalog rebuild --vault dr --env prod --aws');
  expect(rebuildMarkerCommandLine(rebuild, 'dev', { ...LOCAL_DEV, dataDir: '../cloud-b' })).toBe(`lifeboat catalog rebuild --vault primary --env dev --data-dir ${resolve('../cloud-b')}`);
  // Review r58C F2: a --data-dir given as ./.lifeboat of this directory is the default only here; pasted from another
  // directory a line without it acted on that directory's cloud.
  expect(rebuildMarkerCommandLine(rebuild, 'dev', { ...LOCAL_DEV, dataDir: resolve(DEFAULT_DATA_DIR) })).toBe(`lifeboat catalog rebuild --vault primary --env dev --data-dir ${resolve(DEFAULT_DATA_DIR)}`);
  expect(rebuildMarkerCommandLine(rebuild, 'dev', { ...LOCAL_DEV, dataDir: `./${DEFAULT_DATA_DIR}` })).toBe(`lifeboat catalog rebuild --vault primary --env dev --data-dir ${resolve(DEFAULT_DATA_DIR)}`);
});
