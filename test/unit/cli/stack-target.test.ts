import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { Command, CommanderError } from 'commander';
import { backupsListCommand, registerBackupsCommands } from '../../../cli/commands/backup-commands';
import { registerStatusCommand } from '../../../cli/commands/status-command';
import { doctorCommand, registerDoctorCommand } from '../../../cli/commands/doctor-command';
import { estimateCommand } from '../../../cli/commands/estimate-command';
import { reportCommand } from '../../../cli/commands/report-command';
import { failoverCommand } from '../../../cli/commands/failover-command';
import { restoreCommand } from '../../../cli/commands/restore-commands';
import { environmentAccess } from '../../../cli/environment-access';
import { statusSources } from '../../../cli/status/status-sources';
import { stackEnvironmentCacheFile } from '../../../cli/stack-environment-cache';
import { StackAccessDeniedError, StackEnvironmentError, StackNotFoundError, StackUnansweredError } from '../../../cli/stack-environment-errors';
import { targetEnvironment } from '../../../cli/target-environment';
import { targetOptionsLine } from '../../../cli/target-options-line';
import { UsageError } from '../../../cli/usage-error';
import { resourceNames } from '../../../lib/stacks/resource-names';
import { capturedCliDeps } from '../../support/captured-cli-io';

/**
 * `--stack` (audit a59B F3): the CLI reaches a LifeboatProtection's deployment by its stack, whose outputs give the
 * environment (config/protection-environment.ts; the construct's side is test/infra/lib/environment-output.test.ts).
 * CloudFormation is a mock: what DescribeStacks answers is the output the construct writes, resolved.
 */
const cloudFormation = mockClient(CloudFormationClient);
beforeEach(() => {
  cloudFormation.reset();
});

// Every read of a stack keeps a copy under ~/.lifeboat/stacks/account-<account>: a HOME of the test's own, removed
// after, and none of the machine's AWS_PROFILE, keys, web identity role or shared files (credentials not known offline).
const realHome = process.env.HOME;
const CREDENTIAL_VARIABLES = ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_VAULT'] as const;
const realCredentials = CREDENTIAL_VARIABLES.map((name) => [name, process.env[name]] as const);
const home = mkdtempSync(path.join(tmpdir(), 'lifeboat-stack-target-'));
beforeAll(() => {
  process.env.HOME = home;
  for (const name of CREDENTIAL_VARIABLES) delete process.env[name];
});
afterAll(() => {
  process.env.HOME = realHome;
  for (const [name, value] of realCredentials) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(home, { recursive: true, force: true });
});

const ENVIRONMENT = {
  lifeboatEnvironment: 1,
  parts: 1,
  deployment: { prefix: 'shop', primaryStack: 'Shop', drStack: 'Shop-LifeboatDR' },
  environment: {
    name: 'shop',
    account: '111111111111',
    primaryRegion: 'eu-west-1',
    drRegion: 'us-west-2',
    plans: [
      {
        name: 'daily',
        schedule: 'rate(1 day)',
        strategy: 'incremental',
        retention: { keepLast: 7 },
        objectives: { rpoMinutes: 1500, rtoMinutes: 60 },
        sources: [
          { type: 's3', name: 'assets', bucket: 'shop-assets-111111111111-eu-west-1' },
          { type: 'dynamodb', name: 'orders', table: 'Shop-OrdersA9B65338-1A2B3C4D5E6F' },
        ],
      },
    ],
  },
};

/** No config file: a command given --stack must not read one. */
const TARGET = { config: '/nonexistent/lifeboat.config.json', env: 'dev', dataDir: '/nonexistent-lifeboat-data-dir', aws: true, stack: 'Shop', stackRegion: 'eu-west-1' };

/** The ARN CloudFormation names a stack of `account` by: its StackId, always in DescribeStacks' answer. */
const stackIdOf = (account: string, name = 'Shop') => `arn:aws:cloudformation:eu-west-1:${account}:stack/${name}/0a1b2c3d-0000-4000-8000-1234567890ab`;

/** The account of the environment in a whole Lifeboat output, as the stack deployed with it is of (else 111…). */
function accountOfOutputs(outputs: Output[] | undefined): string {
  for (const output of outputs ?? []) {
    try {
      const account = (JSON.parse(output.OutputValue ?? '') as { environment?: { account?: unknown } }).environment?.account;
      if (typeof account === 'string' && /^\d{12}$/.test(account)) return account;
    } catch {
      // Not a whole environment (a part, or another output).
    }
  }
  return '111111111111';
}

function answers(outputs: Output[] | undefined, account = accountOfOutputs(outputs)): void {
  cloudFormation
    .on(DescribeStacksCommand, { StackName: 'Shop' })
    .resolves({ Stacks: [{ StackName: 'Shop', StackId: stackIdOf(account), CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', ...(outputs ? { Outputs: outputs } : {}) }] });
}

describe('targetEnvironment with --stack', () => {
  it("gives the protection's environment from its output: the names of its prefix and stacks, the deployed source names", async () => {
    answers([{ OutputKey: 'ShopUrl', OutputValue: 'https://shop.example' }, { OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }]);
    const environment = await targetEnvironment(TARGET);
    expect(environment.deployment).toEqual(ENVIRONMENT.deployment);
    expect(environment.plans[0]?.sources[1]).toMatchObject({ table: 'Shop-OrdersA9B65338-1A2B3C4D5E6F' });
    // Defaults applied as for a config file's environment.
    expect(environment.plans[0]?.maxConcurrency).toBe(8);
    const names = resourceNames(environment);
    expect(names).toMatchObject({
      primaryStack: 'Shop',
      drStack: 'Shop-LifeboatDR',
      primaryVault: 'shop-vault-111111111111-eu-west-1',
      drVault: 'shop-vault-111111111111-us-west-2',
      catalogTable: 'shop-catalog',
      backupStateMachine: 'shop-backup',
      primaryVaultKeyAlias: 'alias/shop-vault',
    });
    expect(cloudFormation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([{ StackName: 'Shop' }]);
  });

  it('joins an environment given in parts, in the order of their keys', async () => {
    const json = JSON.stringify({ ...ENVIRONMENT, parts: 3 });
    const third = Math.ceil(json.length / 3);
    answers([
      { OutputKey: 'LifeboatEnvironmentShopPart3', OutputValue: json.slice(2 * third) },
      { OutputKey: 'LifeboatEnvironmentShop', OutputValue: json.slice(0, third) },
      { OutputKey: 'LifeboatEnvironmentShopPart2', OutputValue: json.slice(third, 2 * third) },
    ]);
    expect(resourceNames(await targetEnvironment(TARGET)).catalogTable).toBe('shop-catalog');
  });

  it('a stack without the output: the error names the stack and asks for a deploy with a Lifeboat that writes it', async () => {
    answers([{ OutputKey: 'ShopUrl', OutputValue: 'https://shop.example' }]);
    const refusal = targetEnvironment(TARGET);
    await expect(refusal).rejects.toThrow(StackEnvironmentError);
    await expect(refusal).rejects.toThrow(/^stack Shop has no Lifeboat output: is it deployed with lifeboat ≥ \d+\.\d+\.\d+\?/);
    // A protection in a NestedStack writes the output in the nested stack, not in the parent the user may name (review r60K F1).
    await expect(refusal).rejects.toThrow("a protection in a NestedStack has it in the nested stack: give --stack the nested stack's physical name");
  });

  it('a stack that is not there: the error names the stack and the region asked', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Shop does not exist'), { name: 'ValidationError' }));
    const refusal = targetEnvironment(TARGET);
    await expect(refusal).rejects.toThrow(StackNotFoundError);
    await expect(refusal).rejects.toThrow('stack Shop was not found in eu-west-1: give the name of the stack that holds the LifeboatProtection, and --stack-region (or AWS_REGION) its region');
  });

  it('an output the CLI cannot read names the stack, the output and the field', async () => {
    const { account: _account, ...withoutAccount } = ENVIRONMENT.environment;
    answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify({ ...ENVIRONMENT, environment: withoutAccount }) }]);
    await expect(targetEnvironment(TARGET)).rejects.toThrow(/^stack Shop: output LifeboatEnvironmentShop is not an environment this CLI reads: environment\.account: /);
  });

  // Review r62U F3: without a StackId the stack's owner was guessed from the credentials' offline account.
  it('an answer without a StackId (or whose StackId names no account) is refused naming the stack and the region, nothing kept', async () => {
    rmSync(path.join(home, '.lifeboat'), { recursive: true, force: true });
    for (const stackId of [undefined, 'Shop']) {
      cloudFormation.reset();
      cloudFormation
        .on(DescribeStacksCommand)
        .resolves({ Stacks: [{ StackName: 'Shop', ...(stackId !== undefined ? { StackId: stackId } : {}), CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }] }] });
      const refusal = targetEnvironment({ ...TARGET, stackAccount: '111111111111' }, undefined, { note: () => undefined });
      await expect(refusal).rejects.toThrow(StackEnvironmentError);
      await expect(refusal).rejects.toThrow(
        `DescribeStacks of stack Shop in eu-west-1 answered, but the response ${stackId === undefined ? 'had no StackId' : 'had a StackId that is no stack ARN naming an account'}, which CloudFormation always gives (arn:aws:cloudformation:<region>:<account>:stack/Shop/…): the stack's account is not guessed from the credentials`,
      );
    }
    expect(existsSync(path.join(home, '.lifeboat', 'stacks'))).toBe(false);
  });

  // Review r62U F4: a stack of account A whose output (the config it was deployed with) says account B was served as B's.
  it("a stack whose StackId's account is not its output's is refused naming both accounts, nothing kept", async () => {
    rmSync(path.join(home, '.lifeboat'), { recursive: true, force: true });
    answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }], '222222222222');
    const refusal = targetEnvironment(TARGET, undefined, { note: () => undefined });
    await expect(refusal).rejects.toThrow(StackEnvironmentError);
    await expect(refusal).rejects.toThrow(
      "stack Shop in eu-west-1 is of account 222222222222 (its StackId), but its Lifeboat output LifeboatEnvironmentShop says environment shop is of account 111111111111: the stack was deployed with another account's config; " +
        "deploy it again from the config of account 222222222222, or run with credentials of account 111111111111 and give --stack the stack of its environment (--stack-region its region)",
    );
    // --stack-account 111…, another account than the stack's: 111…'s copy would serve (review r63D F1); with none, refused naming both.
    await expect(targetEnvironment({ ...TARGET, stackAccount: '111111111111' }, undefined, { note: () => undefined })).rejects.toThrow(
      "is of account 222222222222 (its StackId), the credentials' account, not 111111111111 as --stack-account says, and its Lifeboat output LifeboatEnvironmentShop says environment shop (prefix shop) is of account 111111111111 (deployed with another account's config), and this machine has no copy",
    );
    // --stack-account 222…, the stack's own account: the advice says to give account 111…'s instead, as kept it would
    // refuse the run advised (review r63M F1).
    await expect(targetEnvironment({ ...TARGET, stackAccount: '222222222222' }, undefined, { note: () => undefined })).rejects.toThrow(
      "is of account 222222222222 (its StackId), but its Lifeboat output LifeboatEnvironmentShop says environment shop is of account 111111111111: the stack was deployed with another account's config; " +
        'deploy it again from the config of account 222222222222, or run with credentials of account 111111111111 and give --stack the stack of its environment (--stack-region its region) with --stack-account 111111111111 (or without --stack-account)',
    );
    expect(existsSync(path.join(home, '.lifeboat', 'stacks'))).toBe(false);
    // The advice followed: account 111…'s stack, with its credentials and --stack-account 111…, is served.
    cloudFormation.reset();
    answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }], '111111111111');
    expect((await targetEnvironment({ ...TARGET, stackAccount: '111111111111' }, undefined, { note: () => undefined })).account).toBe('111111111111');
    rmSync(path.join(home, '.lifeboat'), { recursive: true, force: true });
  });

  it('--stack without --aws is a usage error, before any call', async () => {
    await expect(targetEnvironment({ ...TARGET, aws: false })).rejects.toThrow(UsageError);
    await expect(targetEnvironment({ ...TARGET, aws: false })).rejects.toThrow(/^--stack needs --aws/);
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });
});

describe('the commands with --stack', () => {
  it("environmentAccess reaches the protection's catalog and vaults by their names", async () => {
    answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }]);
    const access = await environmentAccess(TARGET);
    expect(access.environment.deployment?.prefix).toBe('shop');
    expect(access.drCatalogTable).toBe('shop-catalog');
    expect(access.vaultBucket('primary').bucket).toBe('shop-vault-111111111111-eu-west-1');
    expect(access.vaultBucket('dr').bucket).toBe('shop-vault-111111111111-us-west-2');
  });

  it('a stack with no Lifeboat output: the command exits 2 and says so (the command line names no environment)', async () => {
    answers([]);
    const cli = capturedCliDeps();
    expect(await backupsListCommand(TARGET, cli.deps)).toBe(2);
    expect(cli.err.join('\n')).toContain('stack Shop has no Lifeboat output');
  });

  it.each([
    ['restore', 'arn:aws:states:eu-west-1:111111111111:stateMachine:shop-restore', (deps: ReturnType<typeof capturedCliDeps>['deps']) => restoreCommand({ ...TARGET, source: 'assets', backup: '20261204T100000Z-1a2b3c4d', target: 's3://shop-restore-assets' }, deps)],
    ['failover', 'arn:aws:states:us-west-2:111111111111:stateMachine:shop-failover', (deps: ReturnType<typeof capturedCliDeps>['deps']) => failoverCommand({ ...TARGET, plan: 'daily' }, deps)],
  ])("%s starts the protection's state machine, %s", async (_name, arn, run) => {
    answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }]);
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).rejects(new Error('no state machine in this test'));
    try {
      await run(capturedCliDeps().deps);
      expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.stateMachineArn)).toEqual([arn]);
    } finally {
      sfn.restore();
    }
  });

  it('a printed command line names the stack, not --env', () => {
    expect(targetOptionsLine(TARGET)).toBe(' --stack Shop --stack-region eu-west-1 --aws');
    expect(targetOptionsLine({ ...TARGET, stack: 'my shop', stackRegion: undefined })).toBe(" --stack 'my shop' --aws");
  });
});

describe('the command line', () => {
  /** What `lifeboat <argv>` of the real `backups` and `status` commands is refused with (commander's error, whose exit code the program exits with). */
  async function refusal(argv: string[]): Promise<{ exitCode: number; code: string; message: string }> {
    const program = new Command('lifeboat').exitOverride();
    registerBackupsCommands(program);
    registerStatusCommand(program);
    registerDoctorCommand(program);
    const commands = [...program.commands, ...program.commands.flatMap((c) => c.commands)];
    for (const c of commands) c.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch (err) {
      if (err instanceof CommanderError) return { exitCode: err.exitCode, code: err.code, message: err.message };
      throw err;
    }
    throw new Error(`lifeboat ${argv.join(' ')} was not refused`);
  }

  it('--stack with --env exits 2 before anything runs', async () => {
    expect(await refusal(['backups', 'list', '--stack', 'Shop', '--env', 'prod', '--aws'])).toEqual({
      exitCode: 2,
      code: 'lifeboat.stackUsage',
      message: "error: --stack and --env name the environment twice: give --stack for a LifeboatProtection's stack, or --env for an environment of the config file",
    });
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it('--stack with --config exits 2 before anything runs: the config file would be ignored (review r60K F7)', async () => {
    expect(await refusal(['backups', 'list', '--stack', 'Shop', '--config', 'other.config.json', '--aws'])).toEqual({
      exitCode: 2,
      code: 'lifeboat.stackUsage',
      message: "error: --stack reads no config file, so --config would be ignored: give --stack for a LifeboatProtection's stack, or --config and --env for an environment of a config file",
    });
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it('lifeboat doctor refuses --stack (exit 2): it checks an environment of the config file', async () => {
    expect(await refusal(['doctor', '--stack', 'Shop', '--aws'])).toMatchObject({ exitCode: 2, message: expect.stringContaining('error: --stack is not taken by lifeboat doctor: it checks an environment of the config file') });
    const cli = capturedCliDeps();
    expect(await doctorCommand(TARGET, { io: cli.io })).toBe(2);
    expect(cli.err).toEqual([expect.stringMatching(/^lifeboat doctor: --stack is not taken by lifeboat doctor: /)]);
  });

  it('--stack without --aws exits 2 before anything runs', async () => {
    expect(await refusal(['status', '--stack', 'Shop'])).toMatchObject({ exitCode: 2, message: expect.stringContaining('error: --stack needs --aws') });
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it('--stack-account without --stack, or not 12 digits, exits 2 before anything runs (review r61O F5)', async () => {
    expect(await refusal(['status', '--stack-account', '111111111111', '--aws'])).toMatchObject({ exitCode: 2, message: "error: --stack-account is taken only with --stack: it names the account of --stack's stack" });
    expect(await refusal(['status', '--stack', 'Shop', '--stack-account', 'prod', '--aws'])).toMatchObject({ exitCode: 2, message: expect.stringContaining('error: --stack-account "prod" is not an account: give the 12 digits') });
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });
});

/**
 * An access key id of `account`, as AWS encodes one (cli/access-key-account.ts): 10 bytes in base32 after the prefix,
 * bit 47 set (the current format: every real key's first character after the prefix is Q–Z or 2–7), the account in
 * the bits 0x7fffffffff80 of the first 6; `session` varies the rest, as each session's id does.
 */
function accessKeyIdOf(prefix: 'AKIA' | 'ASIA', account: string, session: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = (((1n << 47n) | (BigInt(account) << 7n) | BigInt(session & 0x7f)) << 32n) | BigInt(session * 2654435761 % 2 ** 32);
  let encoded = '';
  for (let shift = 75n; shift >= 0n; shift -= 5n) encoded += alphabet[Number((bits >> shift) & 31n)];
  return `${prefix}${encoded}`;
}

describe('the primary region is down: its CloudFormation does not answer (review r60K F2)', () => {
  const stacks = path.join(home, '.lifeboat', 'stacks');
  /** The copy of account `account` (review r61H: every copy is kept under the stack's account). */
  const copyOf = (account = '111111111111') => path.join(stacks, `account-${account}`, 'eu-west-1-Shop.json');
  const cacheFile = () => copyOf();
  const unanswered = () => cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('connect ETIMEDOUT cloudformation.eu-west-1.amazonaws.com'), { name: 'TimeoutError' }));
  const staging = { ...ENVIRONMENT, environment: { ...ENVIRONMENT.environment, account: '222222222222' } };
  beforeEach(() => rmSync(path.join(home, '.lifeboat'), { recursive: true, force: true }));
  afterEach(() => {
    for (const name of CREDENTIAL_VARIABLES) delete process.env[name];
    rmSync(path.join(home, '.aws'), { recursive: true, force: true });
  });
  /** The stack read while the region is up with the credentials in use. */
  async function readUp(environment: typeof ENVIRONMENT = ENVIRONMENT): Promise<void> {
    cloudFormation.reset();
    answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(environment) }]);
    await targetEnvironment(TARGET);
  }
  /** CloudFormation not answering: the outage. */
  function outage(): void {
    cloudFormation.reset();
    unanswered();
  }
  /** The stack read while the region is up, then CloudFormation not answering: the outage. */
  async function readThenOutage(environment: typeof ENVIRONMENT = ENVIRONMENT): Promise<void> {
    await readUp(environment);
    outage();
  }
  /** The environment the command acts on in the outage (a command that only reads, with readOnly), and the lines it said. */
  async function inOutage(options: { readOnly?: boolean } = {}): Promise<{ account: string; notes: string[] }> {
    const notes: string[] = [];
    const environment = await targetEnvironment(TARGET, undefined, { ...options, note: (line) => notes.push(line) });
    return { account: environment.account, notes };
  }
  /** The shared config and credentials files of the AWS CLI and SDK, in the test's HOME. */
  function awsFiles(config: string, credentials: string): void {
    mkdirSync(path.join(home, '.aws'), { recursive: true });
    writeFileSync(path.join(home, '.aws', 'config'), config);
    writeFileSync(path.join(home, '.aws', 'credentials'), credentials);
    process.env.AWS_CONFIG_FILE = path.join(home, '.aws', 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, '.aws', 'credentials');
  }
  const stillUp = ': run any --stack command once while the region is up (each one keeps a copy), or start the runbook from the Step Functions console in the DR region';

  it('uses the environment read from the stack before, and says so in one line with its time and age', async () => {
    answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }]);
    await targetEnvironment(TARGET, undefined, { now: () => new Date('2026-12-07T10:00:00.000Z') });
    expect(existsSync(cacheFile())).toBe(true);
    cloudFormation.reset();
    unanswered();
    const notes: string[] = [];
    const environment = await targetEnvironment(TARGET, undefined, { note: (line) => notes.push(line), now: () => new Date('2026-12-07T13:05:00.000Z') });
    expect(resourceNames(environment)).toMatchObject({ primaryStack: 'Shop', drStack: 'Shop-LifeboatDR', failoverStateMachine: 'shop-failover' });
    expect(notes).toEqual([`CloudFormation in eu-west-1 did not answer: using the environment of account 111111111111 read from stack Shop at 2026-12-07T10:00:00.000Z, 3 h 5 min ago (${cacheFile()}); the account these credentials read last, 111111111111, at 2026-12-07T10:00:00.000Z`]);
  });

  it('failover --stack starts the DR region\'s state machine from the copy', async () => {
    await readThenOutage();
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).rejects(new Error('no state machine in this test'));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await failoverCommand({ ...TARGET, plan: 'daily' }, capturedCliDeps().deps);
      expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.stateMachineArn)).toEqual(['arn:aws:states:us-west-2:111111111111:stateMachine:shop-failover']);
      expect(stderr.mock.calls.map(([text]) => String(text)).join('')).toContain('CloudFormation in eu-west-1 did not answer: using the environment of account 111111111111 read from stack Shop at ');
    } finally {
      stderr.mockRestore();
      sfn.restore();
    }
  });

  it('with no copy kept, the error says to run a --stack command while the region is up, or the DR region\'s console', async () => {
    unanswered();
    const refusal = targetEnvironment(TARGET);
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(
      `CloudFormation in eu-west-1 did not answer for stack Shop (connect ETIMEDOUT cloudformation.eu-west-1.amazonaws.com), and the account of the credentials in use is not known offline, and no copy was read with them (${path.join(stacks, 'by-credentials', 'default.json')})${stillUp}`,
    );
  });

  it('an answer is never replaced by the copy: AccessDenied stays an error', async () => {
    await readUp();
    cloudFormation.reset();
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' }));
    const refusal = targetEnvironment(TARGET, undefined, { note: () => undefined });
    await expect(refusal).rejects.toThrow(StackAccessDeniedError);
    // Review r60K F5: the error names the permission --stack needs.
    await expect(refusal).rejects.toThrow(
      'DescribeStacks of stack Shop in eu-west-1 was refused (User is not authorized to perform: cloudformation:DescribeStacks): --stack needs cloudformation:DescribeStacks on the stack (arn:aws:cloudformation:<region>:<account>:stack/Shop/*)',
    );
  });

  // Review r60M F1: the same stack name in the same region is another stack in another account.
  it("keeps a copy for each account: back on prod's profile, failover uses prod's environment, not staging's read last", async () => {
    process.env.AWS_PROFILE = 'prod';
    await readUp();
    process.env.AWS_PROFILE = 'staging';
    await readUp(staging);
    outage();
    process.env.AWS_PROFILE = 'prod';
    const { account, notes } = await inOutage();
    expect(account).toBe('111111111111');
    expect(notes[0]).toContain(`using the environment of account 111111111111 read from stack Shop at `);
    expect(notes[0]).toContain(cacheFile());
    expect(readdirSync(path.join(stacks, 'by-credentials')).sort()).toEqual(['profile-prod.json', 'profile-staging.json']);
  });

  // Review r60M F2: a region in an outage answers 500 and 503 before it stops answering.
  it('uses the copy after a 5xx of CloudFormation too; a throttled request stays an error', async () => {
    await readUp();
    for (const failure of [
      Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 } }),
      Object.assign(new Error('We encountered an internal error'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }),
    ]) {
      cloudFormation.reset();
      cloudFormation.on(DescribeStacksCommand).rejects(failure);
      const notes: string[] = [];
      const environment = await targetEnvironment(TARGET, undefined, { note: (line) => notes.push(line) });
      expect(resourceNames(environment)).toMatchObject({ failoverStateMachine: 'shop-failover' });
      expect(notes).toEqual([expect.stringContaining('CloudFormation in eu-west-1 did not answer: using the environment of account 111111111111 read from stack Shop at ')]);
    }
    cloudFormation.reset();
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    const notes: string[] = [];
    await expect(targetEnvironment(TARGET, undefined, { note: (line) => notes.push(line) })).rejects.toThrow('Rate exceeded');
    expect(notes).toEqual([]);
  });

  // Review r60M F4: the copy names the account's buckets, tables and keys; a stack given by its ARN has "/" in it.
  it("keeps the copy of a stack given by its ARN as one file, the user's alone to read", async () => {
    const arn = 'arn:aws:cloudformation:eu-west-1:111111111111:stack/Shop/0a1b2c3d-0000-4000-8000-1234567890ab';
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Shop', StackId: arn, CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }] }] });
    await targetEnvironment({ ...TARGET, stack: arn });
    const directory = path.join(stacks, 'account-111111111111');
    const [file, ...others] = readdirSync(directory);
    expect(others).toEqual([]);
    expect(statSync(path.join(directory, String(file))).isFile()).toBe(true);
    expect(statSync(path.join(directory, String(file))).mode & 0o777).toBe(0o600);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(stacks, 'by-credentials', 'default.json')).mode & 0o777).toBe(0o600);
    cloudFormation.reset();
    unanswered();
    const notes: string[] = [];
    const environment = await targetEnvironment({ ...TARGET, stack: arn }, undefined, { note: (line) => notes.push(line) });
    expect(environment.account).toBe('111111111111');
    expect(notes).toHaveLength(1);
  });

  // Review r60N F4: aws-vault exec, exported SSO keys and CI give keys in the environment, without AWS_PROFILE; a
  // session's key id (ASIA…) is new every session, its account is not (review r60O F1).
  it("keeps a copy for each account's keys in the environment: under prod's keys, failover uses prod's environment, not staging's read last", async () => {
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '111111111111', 1);
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await readUp();
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '222222222222', 2);
    await readUp(staging);
    outage();
    // The next day: another session of prod, another key id.
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '111111111111', 3);
    const { account, notes } = await inOutage();
    expect(account).toBe('111111111111');
    expect(notes).toEqual([expect.stringContaining(`using the environment of account 111111111111 read from stack Shop at `)]);
    expect(notes[0]).toContain(cacheFile());
    // Keys that tell their account offline need no pointer.
    expect(readdirSync(stacks).sort()).toEqual(['account-111111111111', 'account-222222222222']);
  });

  it("an IAM user's key (AKIA…) and a session's (ASIA…) of one account share one copy", async () => {
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('AKIA', '111111111111', 4);
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await readThenOutage();
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '111111111111', 5);
    const { account, notes } = await inOutage();
    expect(account).toBe('111111111111');
    expect(notes).toHaveLength(1);
    expect(readdirSync(stacks)).toEqual(['account-111111111111']);
  });

  it("web identity (AWS_ROLE_ARN with its token file) tells the role's account offline", async () => {
    process.env.AWS_ROLE_ARN = 'arn:aws:iam::111111111111:role/github-deploy';
    process.env.AWS_WEB_IDENTITY_TOKEN_FILE = '/var/run/secrets/token';
    await readThenOutage();
    expect(readdirSync(stacks)).toEqual(['account-111111111111']);
    expect((await inOutage()).account).toBe('111111111111');
  });

  // Review r61H: a profile's account is known offline from the shared files, so any credentials of the account find
  // the copy another kept: the break-glass key of an outage whose SSO portal is down, the SSO profile's copy.
  it("a break-glass profile (a key of the account) uses the copy an SSO profile of the account kept, and a role profile of it too", async () => {
    awsFiles(
      '[profile sso-prod]\nsso_account_id = 111111111111\nsso_role_name = Admin\nsso_region = eu-west-1\nsso_start_url = https://example.awsapps.com/start\n' +
        '[profile role-prod]\nrole_arn = arn:aws:iam::111111111111:role/Ops\nsource_profile = breakglass-prod\n' +
        '[profile staging]\nsso_account_id = 222222222222\n',
      `[breakglass-prod]\naws_access_key_id = ${accessKeyIdOf('AKIA', '111111111111', 12)}\naws_secret_access_key = secret\n`,
    );
    process.env.AWS_PROFILE = 'sso-prod';
    await readUp();
    process.env.AWS_PROFILE = 'staging';
    await readUp(staging);
    outage();
    for (const profile of ['breakglass-prod', 'role-prod']) {
      process.env.AWS_PROFILE = profile;
      const { account, notes } = await inOutage();
      expect(account).toBe('111111111111');
      expect(notes).toEqual([expect.stringContaining(`using the environment of account 111111111111 read from stack Shop at `)]);
      expect(notes[0]).toContain(cacheFile());
    }
    // Every profile told its account: no pointer.
    expect(readdirSync(stacks).sort()).toEqual(['account-111111111111', 'account-222222222222']);
  });

  // Review r61H F1: the SSO portal is in a region too; in its outage the SDK fails before CloudFormation is asked.
  it("an SSO profile whose portal does not answer: the error says to use break-glass credentials of the profile's account", async () => {
    awsFiles('[profile sso-prod]\nsso_account_id = 111111111111\nsso_role_name = Admin\nsso_region = eu-west-1\nsso_start_url = https://example.awsapps.com/start\n', '');
    process.env.AWS_PROFILE = 'sso-prod';
    await readUp();
    cloudFormation.reset();
    // What the SDK throws when the portal refuses the connection (@aws-sdk/credential-provider-sso).
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Error: connect ECONNREFUSED 3.248.0.1:443'), { name: 'CredentialsProviderError' }));
    const refusal = targetEnvironment(TARGET, undefined, { note: () => undefined });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(
      "stack Shop was not read: the credentials of profile sso-prod could not be had, their provider did not answer (Error: connect ECONNREFUSED 3.248.0.1:443; an SSO profile's portal is in one region, which may be the one that is down): " +
        'use other credentials of account 111111111111, such as break-glass keys (AWS_PROFILE=<a profile with an access key of the account>, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY with AWS_PROFILE unset: the SDK takes AWS_PROFILE over them)',
    );
    // An SSO session that expired is no outage: the SDK's error as it is.
    cloudFormation.reset();
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('The SSO session associated with this profile has expired.'), { name: 'CredentialsProviderError' }));
    await expect(targetEnvironment(TARGET, undefined, { note: () => undefined })).rejects.toThrow(/^The SSO session associated with this profile has expired\.$/);
    // Review r61O F4: a portal failing on its side (5xx) is the same outage; the SDK wraps its error as text.
    for (const fault of ['ServiceUnavailableException: Service Unavailable', 'InternalServerException: An internal error occurred']) {
      cloudFormation.reset();
      cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error(fault), { name: 'CredentialsProviderError' }));
      const failed = targetEnvironment(TARGET, undefined, { note: () => undefined });
      await expect(failed).rejects.toThrow(StackUnansweredError);
      await expect(failed).rejects.toThrow(`their provider did not answer (${fault}; an SSO profile's portal`);
    }
  });

  it('the [default] profile of the shared files comes after the keys in the environment, as in the SDK', async () => {
    awsFiles('', `[default]\naws_access_key_id = ${accessKeyIdOf('AKIA', '222222222222', 13)}\naws_secret_access_key = secret\n`);
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '111111111111', 14);
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await readUp();
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await readUp(staging);
    outage();
    expect((await inOutage()).account).toBe('222222222222');
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '111111111111', 15);
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    expect((await inOutage()).account).toBe('111111111111');
  });

  it("refuses a copy of another account where the credentials' is kept, naming both accounts", async () => {
    // A copy of staging's environment where prod's is kept (a file copied from another machine, say).
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '222222222222', 6);
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await readThenOutage(staging);
    mkdirSync(path.dirname(copyOf()));
    copyFileSync(copyOf('222222222222'), copyOf());
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '111111111111', 6);
    const notes: string[] = [];
    const refusal = targetEnvironment(TARGET, undefined, { note: (line) => notes.push(line) });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(`and the copy of its environment on this machine (${copyOf()}) is of account 222222222222, not 111111111111: it is not used;`);
    expect(notes).toEqual([]);
  });

  // Review r61H F5: a copy there that does not parse is not "no copy".
  it('says a damaged copy cannot be read, and why', async () => {
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '111111111111', 16);
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await readThenOutage();
    writeFileSync(copyOf(), '{"stack":"Shop","region":"eu-west-1","acc');
    const refusal = targetEnvironment(TARGET, undefined, { note: () => undefined });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(new RegExp(`and the copy of its environment on this machine \\(${copyOf().replace(/[.]/g, '\\.')}\\) cannot be read: not JSON \\(`));
    writeFileSync(copyOf(), '{"stack":"Shop"}');
    await expect(targetEnvironment(TARGET, undefined, { note: () => undefined })).rejects.toThrow(/cannot be read: not a copy this CLI wrote \(region: /);
  });

  // Review r61B F1: an id of the old format (an IAM user's key made before 2019) does not encode its account: its
  // pointer, named by the key id's hash, tells it.
  it("uses in an outage the copy kept with an IAM user's key of the old format, by its pointer", async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await readThenOutage();
    const { account, notes } = await inOutage();
    expect(account).toBe('111111111111');
    expect(notes).toEqual([expect.stringContaining(`using the environment of account 111111111111 read from stack Shop at `)]);
    expect(readdirSync(stacks).sort()).toEqual(['account-111111111111', 'by-credentials']);
  });

  // Review r61H: the old-format keys of two accounts shared `default/`, and each took the copy the other read last.
  it('old-format keys of two accounts each use the copy of their own account', async () => {
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    process.env.AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
    await readUp();
    process.env.AWS_ACCESS_KEY_ID = 'AKIAJAAAAAAAAAAAAAAA';
    await readUp(staging);
    outage();
    process.env.AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
    expect((await inOutage()).account).toBe('111111111111');
    process.env.AWS_ACCESS_KEY_ID = 'AKIAJAAAAAAAAAAAAAAA';
    expect((await inOutage()).account).toBe('222222222222');
    expect(readdirSync(path.join(stacks, 'by-credentials'))).toHaveLength(2);
  });

  it("container or instance credentials (account not known offline) use their pointer's account, not the account read last by others", async () => {
    await readUp();
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '222222222222', 17);
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await readUp(staging);
    outage();
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    expect((await inOutage()).account).toBe('111111111111');
  });

  it("keeps the copy of a key id that decodes to another account than the stack's under the stack's, and the same key finds it by its pointer", async () => {
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('AKIA', '333333333333', 7);
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await readThenOutage();
    expect(readdirSync(stacks).sort()).toEqual(['account-111111111111', 'by-credentials']);
    const { account, notes } = await inOutage();
    expect(account).toBe('111111111111');
    expect(notes).toEqual([expect.stringContaining(cacheFile())]);
  });

  // Review r61B F4: the SDK takes the environment's keys only with their secret, web identity only with its token file.
  it('a key id without its secret, or a role without its web identity token, tells no account: the pointer of default', async () => {
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '222222222222', 8);
    process.env.AWS_ROLE_ARN = 'arn:aws:iam::222222222222:role/github-deploy';
    await readUp();
    expect(readdirSync(path.join(stacks, 'by-credentials'))).toEqual(['default.json']);
  });

  it("never uses another account's copy, and names the accounts that have one", async () => {
    process.env.AWS_PROFILE = 'staging';
    await readThenOutage(staging);
    delete process.env.AWS_PROFILE;
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '111111111111', 10);
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    const notes: string[] = [];
    const refusal = targetEnvironment(TARGET, undefined, { note: (line) => notes.push(line) });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(
      `CloudFormation in eu-west-1 did not answer for stack Shop (connect ETIMEDOUT cloudformation.eu-west-1.amazonaws.com), and this machine has no copy of its environment for account 111111111111, the credentials' (${cacheFile()}); ` +
        `copies of it are kept for account 222222222222 (run with credentials of account 222222222222)${stillUp}`,
    );
    expect(notes).toEqual([]);
  });

  it('with a profile whose account is not known offline and no pointer, names the accounts that have a copy and uses none', async () => {
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '111111111111', 11);
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await readThenOutage();
    process.env.AWS_PROFILE = 'prod';
    const refusal = targetEnvironment(TARGET, undefined, { note: () => undefined });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(
      `and the account of the credentials in use is not known offline, and no copy was read with them (${path.join(stacks, 'by-credentials', 'profile-prod.json')}); copies of it are kept for account 111111111111 (run with credentials of account 111111111111, or with --stack-account 111111111111 if it is the environment you mean): run any --stack command`,
    );
    // Review r62D F2: the way offered works for these very credentials.
    const notes: string[] = [];
    expect((await targetEnvironment({ ...TARGET, stackAccount: '111111111111' }, undefined, { note: (line) => notes.push(line) })).account).toBe('111111111111');
    expect(notes).toEqual([expect.stringContaining('chosen by --stack-account 111111111111; the account of the credentials in use is not known offline')]);
  });

  // The released CLI kept the copy by profile (`~/.lifeboat/stacks/<AWS_PROFILE|default>/`): an upgrade keeps it.
  it("reads the copy an older lifeboat kept by profile when it is of the credentials' account, or their account is not known", async () => {
    const legacy = path.join(stacks, 'prod', 'eu-west-1-Shop.json');
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '111111111111', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(ENVIRONMENT) }));
    unanswered();
    process.env.AWS_PROFILE = 'prod';
    // No shared files: the profile's account is not known offline; the older CLI used the copy, and so does this one
    // for a command that reads; one that acts, once --stack-account names its account (review r62A F1).
    const unknown = await inOutage({ readOnly: true });
    expect(unknown.account).toBe('111111111111');
    expect(unknown.notes).toEqual([expect.stringMatching(new RegExp(`\\(${legacy.replace(/[.]/g, '\\.')}\\); the account of the credentials in use is not known offline, this copy was kept for the same profile by an older lifeboat: environment shop \\(prefix shop, account 111111111111\\); if shop \\(prefix shop\\) is not the environment you mean, stop \\(Ctrl-C\\) and run with credentials whose account is known offline$`))]);
    await expect(targetEnvironment(TARGET, undefined, { note: () => undefined })).rejects.toThrow(
      `and the account of the credentials in use is not known offline; the copy on this machine was kept for the same profile by an older lifeboat (${legacy}): environment shop (prefix shop, account 111111111111), whichever environment it read last, and this command acts on the environment at once: if that is the environment you mean, run again with --stack-account 111111111111;`,
    );
    expect((await targetEnvironment({ ...TARGET, stackAccount: '111111111111' }, undefined, { note: () => undefined })).account).toBe('111111111111');
    awsFiles('[profile prod]\nsso_account_id = 111111111111\n', '');
    const known = await inOutage();
    expect(known.account).toBe('111111111111');
    expect(known.notes).toEqual([expect.stringMatching(new RegExp(`\\(${legacy.replace(/[.]/g, '\\.')}\\)$`))]);
    awsFiles('[profile prod]\nsso_account_id = 222222222222\n', '');
    await expect(targetEnvironment(TARGET, undefined, { note: () => undefined })).rejects.toThrow(
      `and this machine has no copy of its environment for account 222222222222, the credentials' (${copyOf('222222222222')}); ` +
        `an older lifeboat kept one of account 111111111111 for profile prod (${legacy}), not used: the credentials' account is 222222222222 (run with credentials that tell account 111111111111 offline)${stillUp}`,
    );
  });

  // Review r61O F6: the older lifeboat's `default/` held the copy of whatever credentials without AWS_PROFILE read last.
  // Review r61W F3: the released CLI used it for credentials whose account is not known offline (an instance role, a
  // container, credential_process, old-format keys); after the upgrade they still do, until they read the stack.
  it("uses an older lifeboat's default/ copy for credentials of its account or of none known, and names it otherwise", async () => {
    const legacy = path.join(stacks, 'default', 'eu-west-1-Shop.json');
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '222222222222', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(staging) }));
    unanswered();
    // Instance credentials: their account is not known offline, and no pointer names one: the released copy, said so,
    // for a command that reads.
    const instance = await inOutage({ readOnly: true });
    expect(instance.account).toBe('222222222222');
    expect(instance.notes).toEqual([
      expect.stringMatching(new RegExp(`\\(${legacy.replace(/[.]/g, '\\.')}\\); the account of the credentials in use is not known offline, this copy was kept by an older lifeboat for any credentials without AWS_PROFILE: environment shop \\(prefix shop, account 222222222222\\); if shop \\(prefix shop\\) is not the environment you mean, stop \\(Ctrl-C\\) and run with credentials whose account is known offline$`)),
    ]);
    // Old-format keys (no account in their id) alike.
    process.env.AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    expect((await inOutage({ readOnly: true })).account).toBe('222222222222');
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '222222222222', 12);
    expect((await inOutage()).account).toBe('222222222222');
    // Keys that tell another account offline: staging's copy is not theirs to take.
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '333333333333', 12);
    const refusal = targetEnvironment(TARGET, undefined, { note: () => undefined });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(
      `; an older lifeboat kept one of account 222222222222 for any credentials without AWS_PROFILE (${legacy}), not used: the credentials' account is 333333333333 (run with credentials that tell account 222222222222 offline)${stillUp}`,
    );
  });

  // Review r61AB F2: this lifeboat never rewrites `default/`; once it has kept a copy of the stack by account, the
  // released copy there may be another environment's (staging's) while prod's is kept here.
  it("old-format keys of prod with prod's copy kept by account and staging's in default/: the error, never staging's copy", async () => {
    const legacy = path.join(stacks, 'default', 'eu-west-1-Shop.json');
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '222222222222', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(staging) }));
    awsFiles('[profile prod]\nsso_account_id = 111111111111\nsso_role_name = Admin\n', '');
    process.env.AWS_PROFILE = 'prod';
    await readThenOutage();
    delete process.env.AWS_PROFILE;
    process.env.AWS_ACCESS_KEY_ID = 'AKIAJQABLZS4A3QDU576';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    const notes: string[] = [];
    const refusal = targetEnvironment(TARGET, undefined, { note: (line) => notes.push(line) });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(
      `copies of it are kept for account 111111111111 (run with credentials of account 111111111111, or with --stack-account 111111111111 if it is the environment you mean); an older lifeboat kept one of account 222222222222 for any credentials without AWS_PROFILE (${legacy}), not used: the credentials' account is not known offline, and this lifeboat has since kept copies of the stack here by account, so that one may be stale`,
    );
    expect(notes).toEqual([]);
  });

  it("names the environment of the released default/ copy, and its DR account, in the line that uses it", async () => {
    const legacy = path.join(stacks, 'default', 'eu-west-1-Shop.json');
    const stg = { ...staging, deployment: { ...staging.deployment, prefix: 'stg' }, environment: { ...staging.environment, name: 'stg', drAccount: '999999999999' } };
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '222222222222', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(stg) }));
    unanswered();
    const { account, notes } = await inOutage({ readOnly: true });
    expect(account).toBe('222222222222');
    expect(notes).toEqual([
      expect.stringContaining(
        `(${legacy}); the account of the credentials in use is not known offline, this copy was kept by an older lifeboat for any credentials without AWS_PROFILE: environment stg (prefix stg, account 222222222222, DR account 999999999999); if stg (prefix stg) is not the environment you mean, stop (Ctrl-C) and run with credentials whose account is known offline`,
      ),
    ]);
  });

  // Review r61AB F5: a damaged pointer still says these credentials read a stack here: not the released copy instead.
  it("a pointer that cannot be read is said so, and the released default/ copy is not used in its place", async () => {
    const legacy = path.join(stacks, 'default', 'eu-west-1-Shop.json');
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '222222222222', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(staging) }));
    const pointer = path.join(stacks, 'by-credentials', 'default.json');
    mkdirSync(path.dirname(pointer), { recursive: true });
    writeFileSync(pointer, '{"account":"111111111111","readAt":"2026-12-0');
    unanswered();
    const refusal = targetEnvironment(TARGET, undefined, { note: () => undefined });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(`and the account of the credentials in use is not known offline, and the pointer of the copy read with them (${pointer}) cannot be read: not JSON (`);
  });

  // Review r62A F1: one DR account 999… serves prod and staging; the released default/ copy is staging's. Old-format
  // keys of the DR account tell no account offline: failover started staging's state machine ~20 ms after the line
  // that said to Ctrl-C. A command that acts now takes that copy only when --stack-account names its account.
  it("failover --stack with credentials of no known account refuses the older lifeboat's copy unless --stack-account names its account", async () => {
    const legacy = path.join(stacks, 'default', 'eu-west-1-Shop.json');
    const stg = { ...staging, deployment: { ...staging.deployment, prefix: 'stg' }, environment: { ...staging.environment, name: 'stg', drAccount: '999999999999' } };
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '222222222222', drAccount: '999999999999', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(stg) }));
    process.env.AWS_ACCESS_KEY_ID = 'AKIAJQABLZS4A3QDU576';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    unanswered();
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).rejects(new Error('no state machine in this test'));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const refused = capturedCliDeps();
      const failed = await failoverCommand({ ...TARGET, plan: 'daily' }, refused.deps).then(
        (code) => `exit ${code}`,
        (err: unknown) => String(err),
      );
      expect(sfn.commandCalls(StartExecutionCommand)).toEqual([]);
      expect([failed, ...refused.err].join('\n')).toContain(
        `and the account of the credentials in use is not known offline; the copy on this machine was kept by an older lifeboat for any credentials without AWS_PROFILE (${legacy}): ` +
          'environment stg (prefix stg, account 222222222222, DR account 999999999999), whichever environment it read last, and this command acts on the environment at once: ' +
          'if that is the environment you mean, run again with --stack-account 222222222222; else run with credentials whose account is known offline, or start the runbook from the Step Functions console in the DR region',
      );
      expect(stderr.mock.calls.map(([text]) => String(text)).join('')).not.toContain('using the environment');
      // Named by the user, the same copy is used, and the line says so.
      await failoverCommand({ ...TARGET, stackAccount: '222222222222', plan: 'daily' }, capturedCliDeps().deps);
      expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.stateMachineArn)).toEqual(['arn:aws:states:us-west-2:999999999999:stateMachine:stg-failover']);
      expect(stderr.mock.calls.map(([text]) => String(text)).join('')).toContain(
        `(${legacy}), the copy kept by an older lifeboat for any credentials without AWS_PROFILE, chosen by --stack-account 222222222222; the account of the credentials in use is not known offline`,
      );
    } finally {
      stderr.mockRestore();
      sfn.restore();
    }
  });

  // Review r62A F1: a command that only reads (status, backups list) keeps the released copy, with the line naming it.
  it("status --stack reads the older lifeboat's copy for credentials of no known account, and says to stop if it is not the environment meant", async () => {
    const legacy = path.join(stacks, 'default', 'eu-west-1-Shop.json');
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '222222222222', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(staging) }));
    unanswered();
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect((await statusSources(TARGET)).environment.account).toBe('222222222222');
      const said = stderr.mock.calls.map(([text]) => String(text)).join('');
      expect(said).toContain(`(${legacy}); the account of the credentials in use is not known offline, this copy was kept by an older lifeboat for any credentials without AWS_PROFILE: environment shop (prefix shop, account 222222222222); if shop (prefix shop) is not the environment you mean, stop (Ctrl-C)`);
      // Read once for the catalogs and the drill logs: the line on the copy is said once (rb62A item 1).
      expect(said.split('CloudFormation in eu-west-1 did not answer: using the environment').length - 1).toBe(1);
      await expect(environmentAccess(TARGET)).rejects.toThrow('run again with --stack-account 222222222222');
    } finally {
      stderr.mockRestore();
    }
  });

  // f62J noticed (review r62D): estimate and report only read, as status does, yet refused the older copy as failover does.
  it("estimate --stack reads the older lifeboat's copy for credentials of no known account, as status does", async () => {
    const legacy = path.join(stacks, 'default', 'us-east-1-Shop.json');
    const east = { ...staging, environment: { ...staging.environment, primaryRegion: 'us-east-1' } };
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'us-east-1', account: '222222222222', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(east) }));
    unanswered();
    const documents = mockClient(DynamoDBDocumentClient);
    documents.onAnyCommand().resolves({ Items: [] });
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const captured = capturedCliDeps();
    try {
      expect(await estimateCommand({ ...TARGET, stackRegion: 'us-east-1' }, captured.deps)).toBe(0);
      expect(captured.err.join('\n')).not.toContain('--stack-account');
      const said = stderr.mock.calls.map(([text]) => String(text)).join('');
      expect(said).toContain(`(${legacy}); the account of the credentials in use is not known offline, this copy was kept by an older lifeboat for any credentials without AWS_PROFILE: environment shop (prefix shop, account 222222222222); if shop (prefix shop) is not the environment you mean, stop (Ctrl-C)`);
      // Read once: the line on the copy is said once (f62N's note: it was said for the prices' read and the catalog's).
      expect(said.split('CloudFormation in us-east-1 did not answer: using the environment').length - 1).toBe(1);
    } finally {
      stderr.mockRestore();
      documents.restore();
    }
  });

  // rb62A item 1: report read the stack for its catalogs, its drill logs and its status lines: in an outage, a
  // CloudFormation timeout and a line on the copy each.
  it("report --stack reads the stack once in an outage: the line on the copy is said once", async () => {
    const legacy = path.join(stacks, 'default', 'eu-west-1-Shop.json');
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '222222222222', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(staging) }));
    unanswered();
    const documents = mockClient(DynamoDBDocumentClient);
    documents.onAnyCommand().resolves({ Items: [] });
    const cloudWatch = mockClient(CloudWatchClient);
    cloudWatch.onAnyCommand().resolves({ MetricAlarms: [] });
    const scheduler = mockClient(SchedulerClient);
    scheduler.onAnyCommand().rejects(Object.assign(new Error('no schedule in this test'), { name: 'ResourceNotFoundException' }));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const captured = capturedCliDeps();
    try {
      await reportCommand({ ...TARGET, json: true }, captured.deps);
      expect(JSON.parse(captured.out.join('\n'))).toMatchObject({ environment: 'shop' });
      const said = stderr.mock.calls.map(([text]) => String(text)).join('');
      expect(said).toContain(`(${legacy}); the account of the credentials in use is not known offline`);
      expect(said.split('CloudFormation in eu-west-1 did not answer: using the environment').length - 1).toBe(1);
      expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    } finally {
      stderr.mockRestore();
      documents.restore();
      cloudWatch.restore();
      scheduler.restore();
    }
  });

  // Review r62A F2: the copy an older lifeboat kept by profile has the same rule as default/'s: the profile may since
  // point to another account, and this lifeboat never rewrites it.
  it("a profile whose account is not known offline: its older copy is not used once this lifeboat kept one by account, nor with a damaged pointer", async () => {
    const legacy = path.join(stacks, 'ops', 'eu-west-1-Shop.json');
    const writeLegacy = () => {
      mkdirSync(path.dirname(legacy), { recursive: true });
      writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '222222222222', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(staging) }));
    };
    // Prod's copy kept by account (read by prod's SSO profile), staging's in ops/: not used, even by a command that reads.
    awsFiles('[profile ops]\ncredential_process = /usr/local/bin/get-creds\n[profile prod]\nsso_account_id = 111111111111\n', '');
    process.env.AWS_PROFILE = 'prod';
    await readThenOutage();
    process.env.AWS_PROFILE = 'ops';
    writeLegacy();
    const notes: string[] = [];
    const closed = targetEnvironment(TARGET, undefined, { readOnly: true, note: (line) => notes.push(line) });
    await expect(closed).rejects.toThrow(StackUnansweredError);
    await expect(closed).rejects.toThrow(
      `; copies of it are kept for account 111111111111 (run with credentials of account 111111111111, or with --stack-account 111111111111 if it is the environment you mean); an older lifeboat kept one of account 222222222222 for profile ops (${legacy}), not used: the credentials' account is not known offline, and this lifeboat has since kept copies of the stack here by account, so that one may be stale (run with credentials that tell account 222222222222 offline, or with --stack-account 222222222222 if it is the environment you mean)`,
    );
    expect(notes).toEqual([]);
    // No copy by account, but the profile's pointer cannot be read: the reason given is the pointer (review r62A F5).
    rmSync(path.join(stacks, 'account-111111111111'), { recursive: true, force: true });
    const pointer = path.join(stacks, 'by-credentials', 'profile-ops.json');
    mkdirSync(path.dirname(pointer), { recursive: true });
    writeFileSync(pointer, '{"account":"1111111');
    const damagedPointer = targetEnvironment(TARGET, undefined, { readOnly: true, note: (line) => notes.push(line) });
    await expect(damagedPointer).rejects.toThrow(StackUnansweredError);
    await expect(damagedPointer).rejects.toThrow(
      `, not used: the credentials' account is not known offline, and their pointer cannot be read: it says they read a stack here with this lifeboat, so that one may be another environment's (run with credentials`,
    );
    expect(notes).toEqual([]);
  });

  // Review r61AB F5, r62A F5: with default/ and a damaged pointer, the part about default/ gives the pointer as the reason.
  it("with a damaged pointer, the released default/ copy is said unused because of the pointer", async () => {
    const legacy = path.join(stacks, 'default', 'eu-west-1-Shop.json');
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '222222222222', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(staging) }));
    const pointer = path.join(stacks, 'by-credentials', 'default.json');
    mkdirSync(path.dirname(pointer), { recursive: true });
    writeFileSync(pointer, '{"account":"111111111111","readAt":"2026-12-0');
    unanswered();
    await expect(targetEnvironment(TARGET, undefined, { readOnly: true, note: () => undefined })).rejects.toThrow(
      `; an older lifeboat kept one of account 222222222222 for any credentials without AWS_PROFILE (${legacy}), not used: the credentials' account is not known offline, and their pointer cannot be read: it says they read a stack here with this lifeboat, so that one may be another environment's (`,
    );
  });

  // Review r62A F3: a copy kept by account that cannot be read still says this lifeboat kept one here.
  it("a damaged account-*/ copy of the stack and region closes the upgrade window, and the error names it", async () => {
    const legacy = path.join(stacks, 'default', 'eu-west-1-Shop.json');
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '222222222222', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(staging) }));
    mkdirSync(path.dirname(copyOf()), { recursive: true });
    writeFileSync(copyOf(), '{"stack":"Shop","region":"eu-we');
    process.env.AWS_ACCESS_KEY_ID = 'AKIAJQABLZS4A3QDU576';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    unanswered();
    const notes: string[] = [];
    const refusal = targetEnvironment(TARGET, undefined, { readOnly: true, note: (line) => notes.push(line) });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(
      `; the copy kept for account 111111111111 (${copyOf()}) cannot be read: not JSON (`,
    );
    await expect(refusal).rejects.toThrow(`(${legacy}), not used: the credentials' account is not known offline, and this lifeboat has since kept copies of the stack here by account, so that one may be stale`);
    expect(notes).toEqual([]);
  });

  // Read-back rb62A item 5: a readable file under account-<A>/ that is another account's copy is not "cannot be read".
  it("a readable account-*/ file that is another account's copy is said whose copy it is, not unreadable", async () => {
    process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '222222222222', 22);
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await readThenOutage(staging);
    mkdirSync(path.dirname(copyOf()), { recursive: true });
    copyFileSync(copyOf('222222222222'), copyOf());
    const legacy = path.join(stacks, 'default', 'eu-west-1-Shop.json');
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '111111111111', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(ENVIRONMENT) }));
    // Old-format keys with no pointer: no account known offline, so the listing names every file kept here.
    process.env.AWS_ACCESS_KEY_ID = 'AKIAJQABLZS4A3QDU577';
    const notes: string[] = [];
    const refusal = targetEnvironment(TARGET, undefined, { readOnly: true, note: (line) => notes.push(line) });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(`; the copy kept for account 111111111111 (${copyOf()}) is not used: it is a copy of stack Shop in eu-west-1 of account 222222222222;`);
    await expect(refusal).rejects.toThrow(`or delete ${copyOf()} (it is a copy of stack Shop in eu-west-1 of account 222222222222, and --stack-account 111111111111 reads it first)`);
    await expect(refusal).rejects.not.toThrow(`(${copyOf()}) cannot be read`);
    expect(notes).toEqual([]);
  });

  // Review r61O F1: aws-vault's --server/--ecs-server give each profile's credentials by a container endpoint.
  it("container credentials of two accounts (aws-vault servers of prod and staging) each fail over with their own account's copy, said as read last", async () => {
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = 'http://127.0.0.1:41001/';
    process.env.AWS_VAULT = 'prod';
    await readUp();
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = 'http://127.0.0.1:41002/';
    process.env.AWS_VAULT = 'staging';
    await readUp(staging);
    outage();
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = 'http://127.0.0.1:41003/';
    process.env.AWS_VAULT = 'prod';
    const prod = await inOutage();
    expect(prod.account).toBe('111111111111');
    expect(prod.notes).toEqual([expect.stringMatching(/; the account these credentials read last, 111111111111, at \d{4}-\d\d-\d\dT[\d:.]+Z$/)]);
    expect(readdirSync(path.join(stacks, 'by-credentials')).sort()).toEqual(['aws-vault-prod.json', 'aws-vault-staging.json']);
    // Without aws-vault's name, the endpoint names them: each its own pointer.
    delete process.env.AWS_VAULT;
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = 'http://127.0.0.1:41002/';
    await readUp(staging);
    process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI = '/v2/credentials/prod';
    delete process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    await readUp();
    outage();
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = 'http://127.0.0.1:41002/';
    expect((await inOutage()).account).toBe('222222222222');
    delete process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    expect((await inOutage()).account).toBe('111111111111');
  });

  // Review r61O F2: a pointer holds while the credentials tell offline what they told when it was written.
  it("a profile that now tells an account offline is not sent to its former account's copy by an old pointer", async () => {
    awsFiles('[profile ops]\ncredential_process = /usr/local/bin/get-creds\n', '');
    process.env.AWS_PROFILE = 'ops';
    await readUp();
    outage();
    expect((await inOutage()).account).toBe('111111111111');
    // The profile now assumes a role of staging: staging's copy or none, never prod's.
    awsFiles('[profile ops]\nrole_arn = arn:aws:iam::222222222222:role/Ops\ncredential_source = Ec2InstanceMetadata\n', '');
    const refusal = targetEnvironment(TARGET, undefined, { note: () => undefined });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(`and this machine has no copy of its environment for account 222222222222, the credentials' (${copyOf('222222222222')}); copies of it are kept for account 111111111111`);
  });

  // Review r61W F1: one DR account serves prod and staging, whose stacks share the name Shop; this machine read only
  // staging's. failover --stack with the DR account's credentials in the outage meant prod: no copy is taken by its DR
  // account, the error names the ones there are.
  it("failover --stack with credentials of a DR account never uses another account's copy, and names the copies whose DR account is theirs", async () => {
    const stagingCrossAccount = { ...staging, deployment: { ...staging.deployment, prefix: 'stg' }, environment: { ...staging.environment, name: 'stg', drAccount: '999999999999' } };
    awsFiles('[profile stg]\nsso_account_id = 222222222222\nsso_role_name = Admin\n[profile dr]\nsso_account_id = 999999999999\nsso_role_name = Admin\n', '');
    process.env.AWS_PROFILE = 'stg';
    await readThenOutage(stagingCrossAccount);
    process.env.AWS_PROFILE = 'dr';
    const listed =
      `this machine has no copy of its environment for account 999999999999, the credentials' (${copyOf('999999999999')}); ` +
      `copies kept for account 222222222222 (DR account 999999999999): start stg-failover (environment stg of account 222222222222) in the Step Functions console of account 999999999999, region ${stagingCrossAccount.environment.drRegion}, or run again with --stack-account 222222222222 (the account of the environment you mean) to use its copy, or run with credentials of account 222222222222, or give the environment with --config / --env as docs/RUNBOOKS.md says`;
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).rejects(new Error('no state machine in this test'));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const captured = capturedCliDeps();
    try {
      await failoverCommand({ ...TARGET, plan: 'daily' }, captured.deps).catch((err: unknown) => captured.io.err(String(err)));
      expect(sfn.commandCalls(StartExecutionCommand)).toEqual([]);
      expect(stderr.mock.calls.map(([text]) => String(text)).join('')).not.toContain('using the environment of account 222222222222');
    } finally {
      stderr.mockRestore();
      sfn.restore();
    }
    const refusal = targetEnvironment(TARGET, undefined, { note: () => undefined });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(listed);
  });

  // Review r62A F4: a copy whose DR account is theirs but whose environment this CLI cannot parse is said so, not
  // offered with --stack-account or its account's credentials, which could not use it either.
  it("the DR account's listing says a copy it cannot parse cannot be read, and offers only the others", async () => {
    const prodCrossAccount = { ...ENVIRONMENT, environment: { ...ENVIRONMENT.environment, drAccount: '999999999999' } };
    awsFiles('[profile prod]\nsso_account_id = 111111111111\nsso_role_name = Admin\n[profile dr]\nsso_account_id = 999999999999\nsso_role_name = Admin\n', '');
    process.env.AWS_PROFILE = 'prod';
    await readThenOutage(prodCrossAccount);
    mkdirSync(path.dirname(copyOf('222222222222')), { recursive: true });
    writeFileSync(copyOf('222222222222'), JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account: '222222222222', drAccount: '999999999999', key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: '{"lifeboatEnvironment":1,"parts":1,"deployment":{}}' }));
    process.env.AWS_PROFILE = 'dr';
    const refusal = targetEnvironment(TARGET, undefined, { note: () => undefined });
    await expect(refusal).rejects.toThrow(StackUnansweredError);
    await expect(refusal).rejects.toThrow(
      `; copies kept for account 111111111111 (DR account 999999999999): start shop-failover (environment shop of account 111111111111) in the Step Functions console of account 999999999999, region us-west-2, or run again with --stack-account 111111111111 (the account of the environment you mean) to use its copy, or run with credentials of account 111111111111, or give the environment with --config / --env as docs/RUNBOOKS.md says; ` +
        `the copy of account 222222222222 (DR account 999999999999, ${copyOf('222222222222')}) cannot be read (not an environment this CLI reads: `,
    );
    await expect(refusal).rejects.not.toThrow('--stack-account 222222222222');
  });

  // Review r61O F5: one DR account serves prod and staging, whose stacks share the name Shop, and this machine read
  // both. With the DR account's credentials in the outage, --stack-account names which one to fail over.
  describe('--stack-account names whose copy an outage uses (review r61O F5)', () => {
    const prodCrossAccount = { ...ENVIRONMENT, environment: { ...ENVIRONMENT.environment, drAccount: '999999999999' } };
    const stagingCrossAccount = { ...staging, deployment: { ...staging.deployment, prefix: 'stg' }, environment: { ...staging.environment, name: 'stg', drAccount: '999999999999' } };
    const PROD = { ...TARGET, stackAccount: '111111111111' };
    /** Prod's and staging's stacks read with their own profiles, then the outage; the profiles of the DR account and of another. */
    async function bothReadThenOutage(): Promise<void> {
      awsFiles(
        '[profile prod]\nsso_account_id = 111111111111\nsso_role_name = Admin\n[profile stg]\nsso_account_id = 222222222222\nsso_role_name = Admin\n' +
          '[profile dr]\nsso_account_id = 999999999999\nsso_role_name = Admin\n[profile sandbox]\nsso_account_id = 888888888888\nsso_role_name = Admin\n',
        '',
      );
      process.env.AWS_PROFILE = 'prod';
      await readUp(prodCrossAccount);
      process.env.AWS_PROFILE = 'stg';
      await readUp(stagingCrossAccount);
      outage();
    }

    it("with the DR account's credentials, failover uses the copy of the account named, and says it was chosen by --stack-account", async () => {
      await bothReadThenOutage();
      process.env.AWS_PROFILE = 'dr';
      const notes: string[] = [];
      const environment = await targetEnvironment(PROD, undefined, { note: (line) => notes.push(line) });
      expect(environment.account).toBe('111111111111');
      expect(resourceNames(environment).failoverStateMachine).toBe('shop-failover');
      expect(notes).toEqual([expect.stringMatching(/^CloudFormation in eu-west-1 did not answer: using the environment shop \(prefix shop\) of account 111111111111 read from stack Shop at /)]);
      expect(notes[0]).toContain(`(${copyOf('111111111111')}), the copy chosen by --stack-account 111111111111; the credentials in use are of its DR account 999999999999`);
      // And staging's, named instead.
      expect((await targetEnvironment({ ...TARGET, stackAccount: '222222222222' }, undefined, { note: () => undefined })).deployment?.prefix).toBe('stg');
      const sfn = mockClient(SFNClient);
      sfn.on(StartExecutionCommand).rejects(new Error('no state machine in this test'));
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        await failoverCommand({ ...PROD, plan: 'daily' }, capturedCliDeps().deps);
        expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.stateMachineArn)).toEqual([expect.stringMatching(/:stateMachine:shop-failover$/)]);
      } finally {
        stderr.mockRestore();
        sfn.restore();
      }
    });

    it('credentials of an account that is neither the copy\'s nor its DR account are refused, naming both', async () => {
      await bothReadThenOutage();
      process.env.AWS_PROFILE = 'sandbox';
      const notes: string[] = [];
      const refusal = targetEnvironment(PROD, undefined, { note: (line) => notes.push(line) });
      await expect(refusal).rejects.toThrow(StackUnansweredError);
      await expect(refusal).rejects.toThrow(
        `and the copy of account 111111111111's environment that --stack-account names (${copyOf('111111111111')}) is not used: the credentials in use are of account 888888888888, neither its account 111111111111 nor its DR account 999999999999: run with credentials of account 111111111111 or 999999999999`,
      );
      expect(notes).toEqual([]);
    });

    it('with no copy of the account named, the error names the file it looked for', async () => {
      await bothReadThenOutage();
      process.env.AWS_PROFILE = 'dr';
      const refusal = targetEnvironment({ ...TARGET, stackAccount: '333333333333' }, undefined, { note: () => undefined });
      await expect(refusal).rejects.toThrow(StackUnansweredError);
      await expect(refusal).rejects.toThrow(
        `and this machine has no copy of its environment for account 333333333333, which --stack-account names (${copyOf('333333333333')}): run any --stack command once while the region is up with credentials of account 333333333333 (each one keeps a copy), or start the runbook from the Step Functions console in the DR region`,
      );
    });

    /** A copy an older lifeboat kept, as the released CLI wrote it: no drAccount field (review r62K). */
    function olderCopy(file: string, environment: object, account = '111111111111'): void {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({ stack: 'Shop', region: 'eu-west-1', account, key: 'LifeboatEnvironmentShop', readAt: '2026-11-01T00:00:00.000Z', json: JSON.stringify(environment) }));
    }
    const legacy = (): string => path.join(stacks, 'default', 'eu-west-1-Shop.json');

    // Review r62K F1: the released CLI never wrote drAccount; the environment in the copy says it. Keys of the DR
    // account (no AWS_PROFILE) meant prod, whose copy the older lifeboat kept in default/, or the released CLI by account.
    it("an older lifeboat's copy, without a drAccount field, serves the DR account's credentials named with --stack-account, and the listing offers it", async () => {
      olderCopy(legacy(), prodCrossAccount);
      process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '999999999999', 21);
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
      unanswered();
      const listing = targetEnvironment(TARGET, undefined, { note: () => undefined });
      await expect(listing).rejects.toThrow(StackUnansweredError);
      await expect(listing).rejects.toThrow(
        `; an older lifeboat kept one of account 111111111111 for any credentials without AWS_PROFILE (${legacy()}), not used: the credentials' account is 999999999999, its DR account (run with credentials that tell account 111111111111 offline, or with --stack-account 111111111111 if it is the environment you mean)`,
      );
      const notes: string[] = [];
      const environment = await targetEnvironment(PROD, undefined, { note: (line) => notes.push(line) });
      expect([environment.account, environment.deployment?.prefix]).toEqual(['111111111111', 'shop']);
      expect(notes).toEqual([expect.stringContaining(`(${legacy()}), the copy kept by an older lifeboat for any credentials without AWS_PROFILE, chosen by --stack-account 111111111111; the credentials in use are of its DR account 999999999999`)]);
      // The released CLI's account-*/ copy alike: listed as the DR account's, and used when named.
      rmSync(legacy());
      olderCopy(copyOf('111111111111'), prodCrossAccount);
      const listed = targetEnvironment(TARGET, undefined, { note: () => undefined });
      await expect(listed).rejects.toThrow(`; copies kept for account 111111111111 (DR account 999999999999): start shop-failover (environment shop of account 111111111111) in the Step Functions console of account 999999999999, region us-west-2, or run again with --stack-account 111111111111`);
      expect((await targetEnvironment(PROD, undefined, { note: () => undefined })).account).toBe('111111111111');
    });

    // Review r62K F5: a damaged account-<A>/ file is what --stack-account <A> reads first: the listing says to delete it,
    // and once deleted the older copy serves --stack-account <A>.
    it("a damaged copy of the account hides the older lifeboat's copy: both errors say to delete it, which then serves --stack-account", async () => {
      olderCopy(legacy(), ENVIRONMENT);
      mkdirSync(path.dirname(copyOf()), { recursive: true });
      writeFileSync(copyOf(), '{"stack":"Shop","region":"eu-we');
      unanswered();
      const listing = targetEnvironment(TARGET, undefined, { note: () => undefined });
      await expect(listing).rejects.toThrow(StackUnansweredError);
      await expect(listing).rejects.toThrow(
        `(run with credentials that tell account 111111111111 offline, or delete ${copyOf()} (it cannot be read, and --stack-account 111111111111 reads it first) and run again with --stack-account 111111111111 if it is the environment you mean)`,
      );
      await expect(listing).rejects.not.toThrow(', or with --stack-account 111111111111 if it is the environment you mean');
      const named = targetEnvironment(PROD, undefined, { note: () => undefined });
      await expect(named).rejects.toThrow(StackUnansweredError);
      await expect(named).rejects.toThrow(`the copy of account 111111111111's environment on this machine that --stack-account names (${copyOf()}) cannot be read: not JSON (`);
      await expect(named).rejects.toThrow(
        `; any --stack command run while the region is up writes it anew, or delete it to use the copy of account 111111111111 an older lifeboat kept (${legacy()}, read at 2026-11-01T00:00:00.000Z), or start the runbook`,
      );
      rmSync(copyOf());
      const notes: string[] = [];
      expect((await targetEnvironment(PROD, undefined, { note: (line) => notes.push(line) })).account).toBe('111111111111');
      expect(notes).toEqual([expect.stringContaining(`(${legacy()}), the copy kept by an older lifeboat for any credentials without AWS_PROFILE, chosen by --stack-account 111111111111`)]);
    });

    // Review r62N F3: credentials that tell account 111… offline, its account-*/ file damaged, and the older lifeboat's
    // copy of 111… in default/: the error said only to write it anew or use the console; deleting it lets that copy serve.
    it("a damaged copy of the credentials' own account says the older lifeboat's copy of that account it hides", async () => {
      olderCopy(legacy(), ENVIRONMENT);
      mkdirSync(path.dirname(copyOf()), { recursive: true });
      writeFileSync(copyOf(), '{"stack":"Shop","region":"eu-we');
      process.env.AWS_ACCESS_KEY_ID = accessKeyIdOf('ASIA', '111111111111', 21);
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
      unanswered();
      const refusal = targetEnvironment(TARGET, undefined, { note: () => undefined });
      await expect(refusal).rejects.toThrow(StackUnansweredError);
      await expect(refusal).rejects.toThrow(
        `(${copyOf()}) cannot be read: not JSON (`,
      );
      await expect(refusal).rejects.toThrow(
        `; any --stack command run while the region is up writes it anew, or delete it to use the copy of account 111111111111 an older lifeboat kept (${legacy()}, read at 2026-11-01T00:00:00.000Z), or start the runbook`,
      );
      rmSync(copyOf());
      const notes: string[] = [];
      expect((await targetEnvironment(TARGET, undefined, { note: (line) => notes.push(line) })).account).toBe('111111111111');
      expect(notes).toEqual([expect.stringContaining(`(${legacy()})`)]);
    });

    // Review r62K F6: an older copy of an environment this CLI does not read was said as the stack's output, with no
    // way out; it is said as the copy, by its file, and never offered.
    it("an older lifeboat's copy this CLI cannot read is said as the copy, by its file, with the way out, and never offered", async () => {
      olderCopy(legacy(), { ...ENVIRONMENT, environment: { ...ENVIRONMENT.environment, plans: 'x' } });
      unanswered();
      const cannot = `, and the copy of its environment on this machine (${legacy()}) cannot be read (not an environment this CLI reads: environment.plans: `;
      const wayOut = ': run any --stack command once while the region is up (each one keeps a copy this CLI reads), or start the runbook from the Step Functions console in the DR region';
      for (const [target, readOnly] of [[TARGET, false], [TARGET, true], [PROD, false]] as const) {
        const refusal = targetEnvironment(target, undefined, { readOnly, note: () => undefined });
        await expect(refusal).rejects.toThrow(StackUnansweredError);
        await expect(refusal).rejects.toThrow(cannot);
        await expect(refusal).rejects.toThrow(wayOut);
      }
      // Window closed (staging's copy kept by account): the listing says it cannot be read, and offers no --stack-account for it.
      olderCopy(copyOf('222222222222'), staging, '222222222222');
      const listing = targetEnvironment(TARGET, undefined, { note: () => undefined });
      await expect(listing).rejects.toThrow(`; an older lifeboat kept one of account 111111111111 for any credentials without AWS_PROFILE (${legacy()}), which cannot be read (not an environment this CLI reads: environment.plans: `);
      await expect(listing).rejects.not.toThrow('--stack-account 111111111111');
    });

    // Review r62D F1: the primary region's CloudFormation answers (a partial outage, or a rehearsal), and the DR
    // account's credentials cannot read prod's stack: DescribeStacks says it does not exist. They know offline they
    // are not of the account named, so its copy serves them as in an outage, with the same checks.
    it("a stack not found by credentials of another account than --stack-account's: its copy, for its DR account only", async () => {
      await bothReadThenOutage();
      cloudFormation.reset();
      cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Shop does not exist'), { name: 'ValidationError' }));
      process.env.AWS_PROFILE = 'dr';
      const notes: string[] = [];
      const environment = await targetEnvironment(PROD, undefined, { note: (line) => notes.push(line) });
      expect([environment.account, environment.deployment?.prefix]).toEqual(['111111111111', 'shop']);
      expect(notes).toEqual([
        expect.stringMatching(/^stack Shop was not found in eu-west-1 with the credentials in use, of account 999999999999, which cannot read a stack of account 111111111111: using the environment shop \(prefix shop\) of account 111111111111 read from stack Shop at /),
      ]);
      expect(notes[0]).toContain(`(${copyOf('111111111111')}), the copy chosen by --stack-account 111111111111; the credentials in use are of its DR account 999999999999`);
      const sfn = mockClient(SFNClient);
      sfn.on(StartExecutionCommand).rejects(new Error('no state machine in this test'));
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        await failoverCommand({ ...PROD, plan: 'daily' }, capturedCliDeps().deps);
        expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.stateMachineArn)).toEqual(['arn:aws:states:us-west-2:999999999999:stateMachine:shop-failover']);
      } finally {
        stderr.mockRestore();
        sfn.restore();
      }
      // Credentials of an account that is neither the copy's nor its DR account: refused, naming both, a usage error.
      process.env.AWS_PROFILE = 'sandbox';
      const sandbox = targetEnvironment(PROD, undefined, { note: () => undefined });
      await expect(sandbox).rejects.toThrow(StackNotFoundError);
      await expect(sandbox).rejects.toThrow(
        `stack Shop was not found in eu-west-1 with the credentials in use, of account 888888888888, which cannot read a stack of account 111111111111 (--stack-account): the copy that --stack-account names would serve them as in an outage, ` +
          `but the copy of account 111111111111's environment that --stack-account names (${copyOf('111111111111')}) is not used: the credentials in use are of account 888888888888, neither its account 111111111111 nor its DR account 999999999999`,
      );
      // No copy of the account named: the file, and the stack's name may be what is wrong.
      process.env.AWS_PROFILE = 'dr';
      const none = targetEnvironment({ ...TARGET, stackAccount: '333333333333' }, undefined, { note: () => undefined });
      await expect(none).rejects.toThrow(StackNotFoundError);
      await expect(none).rejects.toThrow(
        `which cannot read a stack of account 333333333333 (--stack-account): the copy that --stack-account names would serve them as in an outage, but this machine has no copy of its environment for account 333333333333, which --stack-account names (${copyOf('333333333333')}): run any --stack command once while the region is up with credentials of account 333333333333 (each one keeps a copy), or start the runbook from the Step Functions console in the DR region; ` +
          'if Shop is not the name of its stack, give the name of the stack that holds the LifeboatProtection, and --stack-region (or AWS_REGION) its region',
      );
      // Credentials of the account named: the stack is not there, as said without --stack-account.
      process.env.AWS_PROFILE = 'prod';
      await expect(targetEnvironment(PROD, undefined, { note: () => undefined })).rejects.toThrow(
        /^stack Shop was not found in eu-west-1: give the name of the stack that holds the LifeboatProtection, and --stack-region \(or AWS_REGION\) its region$/,
      );
    });

    // Review r62M F6: credentials whose account is not known offline, whose pointer names 999… (the account they read
    // last, which may be stale): that account is said as the pointer's, with its time, not as theirs.
    it('a stack not found by credentials known only by their pointer: the account is said as the one they read last', async () => {
      const staged = { ...ENVIRONMENT, deployment: { ...ENVIRONMENT.deployment, prefix: 'staging' }, environment: { ...ENVIRONMENT.environment, name: 'staging', account: '999999999999', drAccount: '888888888888' } };
      await readUp(prodCrossAccount);
      cloudFormation.reset();
      answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(staged) }]);
      await targetEnvironment(TARGET, undefined, { now: () => new Date('2026-12-01T00:00:00.000Z') });
      cloudFormation.reset();
      cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Shop does not exist'), { name: 'ValidationError' }));
      const notes: string[] = [];
      expect((await targetEnvironment(PROD, undefined, { note: (line) => notes.push(line) })).account).toBe('111111111111');
      expect(notes).toEqual([
        expect.stringMatching(
          /^stack Shop was not found in eu-west-1 with the credentials in use, of the account these credentials read last, 999999999999, at 2026-12-01T00:00:00.000Z, which cannot read a stack of account 111111111111: using the environment shop /,
        ),
      ]);
      expect(notes[0]).toMatch(/, the copy chosen by --stack-account 111111111111; the account these credentials read last, 999999999999, at 2026-12-01T00:00:00.000Z, is its DR account$/);
      expect(notes[0]).not.toContain('the credentials in use are of');
    });

    // Review r62M F7: a refusal whose message holds "does not exist" (a session policy that does not exist) is not a
    // stack not found: the DR account's copy is not taken, the refusal is said as one.
    it('an AccessDenied whose message says "does not exist" is refused as such, never served by the copy', async () => {
      await bothReadThenOutage();
      cloudFormation.reset();
      cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks (the role session policy does not exist)'), { name: 'AccessDenied' }));
      process.env.AWS_PROFILE = 'dr';
      const notes: string[] = [];
      const refusal = targetEnvironment(PROD, undefined, { note: (line) => notes.push(line) });
      await expect(refusal).rejects.toThrow(StackAccessDeniedError);
      await expect(refusal).rejects.toThrow('DescribeStacks of stack Shop in eu-west-1 was refused (User is not authorized to perform: cloudformation:DescribeStacks (the role session policy does not exist)): --stack needs cloudformation:DescribeStacks');
      expect(notes).toEqual([]);
    });

    // Review r62M F1: account 999… is prod's DR account and staging's primary, whose stack is also Shop in eu-west-1.
    // Region up, the DR account's credentials find staging's Shop: with --stack-account prod's account, the refusal
    // said 'give --stack-account 999999999999 for this stack', which failed staging over. Prod's copy names 999… its DR
    // account: it serves them, as when prod's stack is not found; an account whose copy does not is refused, naming staging.
    it("region up: the credentials' own stack of the same name is another environment's: the copy of the account named, for its DR account", async () => {
      const stagingInDr = { ...ENVIRONMENT, deployment: { ...ENVIRONMENT.deployment, prefix: 'staging' }, environment: { ...ENVIRONMENT.environment, name: 'staging', account: '999999999999', drAccount: '888888888888' } };
      await bothReadThenOutage();
      cloudFormation.reset();
      answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(stagingInDr) }]);
      process.env.AWS_PROFILE = 'dr';
      const notes: string[] = [];
      const environment = await targetEnvironment(PROD, undefined, { note: (line) => notes.push(line) });
      expect([environment.account, environment.deployment?.prefix]).toEqual(['111111111111', 'shop']);
      expect(notes).toEqual([
        expect.stringMatching(/^stack Shop in eu-west-1 is of account 999999999999 \(environment staging\), not 111111111111: using the environment shop \(prefix shop\) of account 111111111111 read from stack Shop at /),
      ]);
      expect(notes[0]).toContain(`(${copyOf('111111111111')}), the copy chosen by --stack-account 111111111111; the credentials in use are of its DR account 999999999999`);
      const sfn = mockClient(SFNClient);
      sfn.on(StartExecutionCommand).rejects(new Error('no state machine in this test'));
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        await failoverCommand({ ...PROD, plan: 'daily' }, capturedCliDeps().deps);
        expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.stateMachineArn)).toEqual(['arn:aws:states:us-west-2:999999999999:stateMachine:shop-failover']);
      } finally {
        stderr.mockRestore();
        sfn.restore();
      }
      // An account named of no copy that 999… may use: refused naming the environment found, its account advised only as
      // that environment's.
      const refusal = targetEnvironment({ ...TARGET, stackAccount: '333333333333' }, undefined, { note: () => undefined });
      await expect(refusal).rejects.toThrow(StackEnvironmentError);
      await expect(refusal).rejects.toThrow(
        "stack Shop in eu-west-1 is environment staging (prefix staging) of account 999999999999, the credentials' account, not 333333333333 as --stack-account says, " +
          `and this machine has no copy of its environment for account 333333333333, which --stack-account names (${copyOf('333333333333')}): `,
      );
      await expect(refusal).rejects.toThrow('; if environment staging (prefix staging) is the environment you mean, give --stack-account 999999999999;');
      await expect(refusal).rejects.not.toThrow('for this stack');
    });

    // Review r62S F1: the DR account's own Shop is no Lifeboat stack (no output, or two protections): its refusal was
    // thrown before the account check, so prod's copy, naming 999… its DR account, was never consulted.
    it("region up: the credentials' own stack of the same name is no Lifeboat stack: the copy of the account named, for its DR account", async () => {
      await bothReadThenOutage();
      const protection = { OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) };
      for (const outputs of [[{ OutputKey: 'ShopUrl', OutputValue: 'https://shop.example' }], [protection, { ...protection, OutputKey: 'LifeboatEnvironmentOther' }]]) {
        cloudFormation.reset();
        cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Shop', StackId: 'arn:aws:cloudformation:eu-west-1:999999999999:stack/Shop/0f0e', CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: outputs }] });
        process.env.AWS_PROFILE = 'dr';
        const notes: string[] = [];
        const environment = await targetEnvironment(PROD, undefined, { note: (line) => notes.push(line) });
        expect([environment.account, environment.deployment?.prefix]).toEqual(['111111111111', 'shop']);
        expect(notes).toEqual([expect.stringMatching(/^stack Shop in eu-west-1 is of account 999999999999 \(not a Lifeboat stack this CLI reads\), not 111111111111: using the environment shop \(prefix shop\) of account 111111111111 /)]);
        expect(notes[0]).toContain('the copy chosen by --stack-account 111111111111; the credentials in use are of its DR account 999999999999');
        // An account named of no copy: refused naming the stack found as account 999…'s, with why it is not read.
        const refusal = targetEnvironment({ ...TARGET, stackAccount: '333333333333' }, undefined, { note: () => undefined });
        await expect(refusal).rejects.toThrow(StackEnvironmentError);
        await expect(refusal).rejects.toThrow(/^stack Shop in eu-west-1 is of account 999999999999, the credentials' account, not 333333333333 as --stack-account says, and is not a Lifeboat stack this CLI reads \(stack Shop (has no Lifeboat output|holds 2 Lifeboat protections)/);
        // Its own account named: the stack's own refusal, as before.
        await expect(targetEnvironment({ ...TARGET, stackAccount: '999999999999' }, undefined, { note: () => undefined })).rejects.toThrow(/^stack Shop (has no Lifeboat output|holds 2 Lifeboat protections)/);
      }
    });

    // Review r63D F1: the DR account's own Shop deployed with another account's config (its output says 555…, or even
    // prod's 111…) was refused by the StackId check before --stack-account was consulted, so prod's copy never served.
    it("region up: the credentials' own stack of the same name deployed with another account's config: the copy of the account named, for its DR account", async () => {
      await bothReadThenOutage();
      const other = { ...ENVIRONMENT, deployment: { ...ENVIRONMENT.deployment, prefix: 'other' }, environment: { ...ENVIRONMENT.environment, name: 'other', account: '555555555555' } };
      const prodInDr = { ...ENVIRONMENT, environment: { ...ENVIRONMENT.environment, drAccount: '999999999999' } };
      const cases = [
        { config: other, said: 'environment other of account 555555555555', found: 'environment other (prefix other) is of account 555555555555' },
        { config: prodInDr, said: 'environment shop of account 111111111111', found: 'environment shop (prefix shop) is of account 111111111111' },
      ];
      for (const { config, said, found } of cases) {
        cloudFormation.reset();
        cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Shop', StackId: stackIdOf('999999999999'), CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(config) }] }] });
        process.env.AWS_PROFILE = 'dr';
        const notes: string[] = [];
        const environment = await targetEnvironment(PROD, undefined, { note: (line) => notes.push(line) });
        expect([environment.account, environment.deployment?.prefix]).toEqual(['111111111111', 'shop']);
        expect(notes).toEqual([expect.stringContaining(`stack Shop in eu-west-1 is of account 999999999999 (its output says ${said}), not 111111111111: using the environment shop (prefix shop) of account 111111111111 read from stack Shop at `)]);
        expect(notes[0]).toMatch(/^stack Shop /);
        expect(notes[0]).toContain(`(${copyOf('111111111111')}), the copy chosen by --stack-account 111111111111; the credentials in use are of its DR account 999999999999`);
        // An account named of no copy: refused naming the stack's account and its output's, no --stack-account 999… advised.
        const refusal = targetEnvironment({ ...TARGET, stackAccount: '333333333333' }, undefined, { note: () => undefined });
        await expect(refusal).rejects.toThrow(StackEnvironmentError);
        await expect(refusal).rejects.toThrow(
          `stack Shop in eu-west-1 is of account 999999999999 (its StackId), the credentials' account, not 333333333333 as --stack-account says, and its Lifeboat output LifeboatEnvironmentShop says ${found} (deployed with another account's config), and this machine has no copy`,
        );
        await expect(refusal).rejects.not.toThrow('give --stack-account 999999999999');
        // Its own account named, or none: the stack's own refusal, as before.
        for (const target of [{ ...TARGET, stackAccount: '999999999999' }, TARGET]) {
          await expect(targetEnvironment(target, undefined, { note: () => undefined })).rejects.toThrow("is of account 999999999999 (its StackId), but its Lifeboat output LifeboatEnvironmentShop says");
        }
      }
    });

    it("region up: a stack of another account than --stack-account's is refused naming its environment, and nothing is kept", async () => {
      answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(staging) }]);
      const refusal = targetEnvironment(PROD, undefined, { note: () => undefined });
      await expect(refusal).rejects.toThrow(StackEnvironmentError);
      await expect(refusal).rejects.toThrow(
        `stack Shop in eu-west-1 is environment shop (prefix shop) of account 222222222222, the credentials' account, not 111111111111 as --stack-account says, ` +
          `and this machine has no copy of its environment for account 111111111111, which --stack-account names (${copyOf('111111111111')}): run any --stack command once while the region is up with credentials of account 111111111111 (each one keeps a copy), or start the runbook from the Step Functions console in the DR region; ` +
          "if environment shop (prefix shop) is the environment you mean, give --stack-account 222222222222; if account 111111111111's stack is in another region, give --stack-region its region",
      );
      expect(existsSync(copyOf('222222222222'))).toBe(false);
      cloudFormation.reset();
      answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }]);
      expect((await targetEnvironment(PROD, undefined, { note: () => undefined })).account).toBe('111111111111');
    });

    it('--stack-account that is not 12 digits, or without --stack, is a usage error naming it', async () => {
      await expect(targetEnvironment({ ...TARGET, stackAccount: '1111-1111-1111' })).rejects.toThrow(new UsageError(`--stack-account "1111-1111-1111" is not an account: give the 12 digits of the account of --stack's stack (the primary account)`));
      expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
      expect(targetOptionsLine(PROD)).toBe(' --stack Shop --stack-region eu-west-1 --stack-account 111111111111 --aws');
    });
  });

  // Review r60N F5: a stack's ARN of a 128-character name, encoded, is past the 255 bytes a file name may have.
  it('keeps the copy of a stack of a long ARN under a shortened file name, and uses it in an outage', async () => {
    const arn = `arn:aws:cloudformation:eu-west-1:111111111111:stack/${'S'.repeat(128)}/0a1b2c3d-0000-4000-8000-1234567890ab`;
    const file = stackEnvironmentCacheFile(arn, 'eu-west-1', '111111111111');
    expect(Buffer.byteLength(path.basename(file))).toBeLessThanOrEqual(200);
    expect(path.basename(file)).toMatch(/^eu-west-1-arn%3Aaws%3Acloudformation%3Aeu-west-1%3A111111111111%3Astack%2FSSS+-[0-9a-f]{64}\.json$/);
    expect(file).not.toBe(stackEnvironmentCacheFile(arn.replace('0a1b', '9a1b'), 'eu-west-1', '111111111111'));
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'S', StackId: arn, CreationTime: new Date(0), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }] }] });
    const notes: string[] = [];
    await targetEnvironment({ ...TARGET, stack: arn }, undefined, { note: (line) => notes.push(line) });
    expect(notes).toEqual([]);
    expect(existsSync(file)).toBe(true);
    cloudFormation.reset();
    unanswered();
    const environment = await targetEnvironment({ ...TARGET, stack: arn }, undefined, { note: (line) => notes.push(line) });
    expect(environment.account).toBe('111111111111');
    expect(notes).toEqual([expect.stringContaining(file)]);
  });

  it('says in one line when the copy cannot be kept, and goes on', async () => {
    const blocked = mkdtempSync(path.join(tmpdir(), 'lifeboat-stack-target-blocked-'));
    try {
      // A file where the directory of the copies would be.
      writeFileSync(path.join(blocked, '.lifeboat'), '');
      answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }]);
      const notes: string[] = [];
      const environment = await targetEnvironment(TARGET, undefined, { note: (line) => notes.push(line), home: blocked });
      expect(environment.account).toBe('111111111111');
      expect(notes).toEqual([expect.stringMatching(/^could not keep a copy of the environment of stack Shop for an outage: ENOTDIR/)]);
    } finally {
      rmSync(blocked, { recursive: true, force: true });
    }
  });

  it('says in one line when the pointer cannot be kept, as a pointer (review r61O F7)', async () => {
    const blocked = mkdtempSync(path.join(tmpdir(), 'lifeboat-stack-target-blocked-'));
    try {
      // A file where the directory of the pointers would be.
      mkdirSync(path.join(blocked, '.lifeboat', 'stacks'), { recursive: true });
      writeFileSync(path.join(blocked, '.lifeboat', 'stacks', 'by-credentials'), '');
      answers([{ OutputKey: 'LifeboatEnvironmentShop', OutputValue: JSON.stringify(ENVIRONMENT) }]);
      const notes: string[] = [];
      await targetEnvironment(TARGET, undefined, { note: (line) => notes.push(line), home: blocked });
      expect(notes).toEqual([expect.stringMatching(/^could not keep a pointer from the credentials in use to account 111111111111 \(.*by-credentials\/default\.json\), by which they find its copy in an outage: E[A-Z]+/)]);
    } finally {
      rmSync(blocked, { recursive: true, force: true });
    }
  });

  it('an empty HOME keeps the copy in the account\'s home directory, never in the working directory', () => {
    process.env.HOME = '';
    try {
      const file = stackEnvironmentCacheFile('Shop', 'eu-west-1', '111111111111');
      expect(path.isAbsolute(file)).toBe(true);
      expect(file).toBe(path.join(userInfo().homedir, '.lifeboat', 'stacks', 'account-111111111111', 'eu-west-1-Shop.json'));
    } finally {
      process.env.HOME = home;
    }
  });
});
