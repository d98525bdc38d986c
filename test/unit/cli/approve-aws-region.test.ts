import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { approveCommand } from '../../../cli/commands/approval-commands';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { APPROVALS_PK, type ApprovalRecord } from '../../../lambdas/approval/approval-record';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat approve --aws` with the primary region down (docs/RUNBOOKS.md, "The primary region is
 * down": the approver approves the failover from the DR catalog). Fake AWS (aws-sdk-client-mock): every
 * call is answered by region, and every call to the primary region fails as a region that is down does.
 */
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const PRIMARY = environment.primaryRegion;
const DR = environment.drRegion;
const EXECUTION = '7d2e0c1a-aaaa-bbbb-cccc-000000000001';
const CALLER = `arn:aws:sts::${environment.account}:assumed-role/lifeboat-approver/alice`;

const failover: ApprovalRecord = {
  execution: EXECUTION,
  executionArn: `arn:aws:states:${DR}:${environment.account}:execution:lifeboat-dev-failover:${EXECUTION}`,
  stateMachine: 'lifeboat-dev-failover',
  kind: 'failover',
  status: 'PENDING',
  requestedBy: 'op@host',
  requestedAt: '2026-12-05T10:00:00.000Z',
  expiresAt: '2026-12-05T22:00:00.000Z',
  request: { plan: 'demo' },
  taskToken: 'token-of-the-failover',
};

const regionOf = async (getClient: () => { config: { region: unknown } }): Promise<string> => {
  const region = getClient().config.region;
  return typeof region === 'function' ? String(await (region as () => Promise<string>)()) : String(region);
};
const regionDown = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

const documents = mockClient(DynamoDBDocumentClient);
const sts = mockClient(STSClient);
const sfn = mockClient(SFNClient);
/** Every call made, in order: `<service> <region> <operation>`. */
let calls: string[];

/** The failover's approval pending in the DR catalog; `stsFails` makes STS fail in every region. */
function install(options: { approvals?: ApprovalRecord[]; stsFails?: boolean } = {}): void {
  calls = [];
  for (const mock of [documents, sts, sfn]) mock.reset();
  const approvals = options.approvals ?? [failover];
  documents.on(GetCommand).callsFake(async (input: { Key: { pk: string; sk: string } }, getClient) => {
    const region = await regionOf(getClient);
    calls.push(`dynamodb ${region} GetItem`);
    if (region === PRIMARY) throw regionDown();
    const found = approvals.find((a) => input.Key.pk === APPROVALS_PK && a.execution === input.Key.sk);
    return { Item: found ? { pk: APPROVALS_PK, sk: found.execution, approval: found } : undefined };
  });
  documents.on(UpdateCommand).callsFake(async (_input, getClient) => {
    calls.push(`dynamodb ${await regionOf(getClient)} UpdateItem`);
    return {};
  });
  sts.on(GetCallerIdentityCommand).callsFake(async (_input, getClient) => {
    const region = await regionOf(getClient);
    calls.push(`sts ${region} GetCallerIdentity`);
    if (region === PRIMARY || options.stsFails) throw regionDown();
    return { Arn: CALLER, Account: environment.account };
  });
  sfn.on(SendTaskSuccessCommand).callsFake(async (_input, getClient) => {
    calls.push(`states ${await regionOf(getClient)} SendTaskSuccess`);
    return {};
  });
}

const REGION_VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED'] as const;
const saved = Object.fromEntries(REGION_VARIABLES.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of REGION_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

/** The operator's usual setting: the SDK's default region is the primary one. */
function operatorInPrimaryRegion(): void {
  process.env.AWS_REGION = PRIMARY;
}

/** No region anywhere the SDK looks: no variable, no profile, no instance metadata. */
function noRegionConfigured(): void {
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE'] as const) delete process.env[name];
  process.env.AWS_CONFIG_FILE = '/nonexistent/lifeboat-test/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/lifeboat-test/aws-credentials';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}

async function approve(): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await approveCommand(EXECUTION, { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true }, { io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { code, out, err };
}

describe('lifeboat approve --aws with the primary region down', () => {
  it('finds the failover in the DR catalog, then asks STS in the DR region, and approves it there', async () => {
    operatorInPrimaryRegion();
    install();
    const { code, out, err } = await approve();
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out).toEqual([`Approved: failover ${EXECUTION} in the DR region ${DR}, runbook lifeboat-dev-failover (decided by ${CALLER}).`]);
    const stsCalls = calls.filter((c) => c.startsWith('sts '));
    expect(stsCalls).toEqual([`sts ${DR} GetCallerIdentity`]);
    // STS is asked only once the approval has been read from the DR catalog.
    expect(calls.indexOf(`dynamodb ${DR} GetItem`)).toBeLessThan(calls.indexOf(`sts ${DR} GetCallerIdentity`));
    // The decision is recorded (a conditional update from PENDING) before it is sent: a second approver fails the condition and sends nothing.
    expect(calls.filter((c) => c.startsWith('states ') || c.endsWith('UpdateItem'))).toEqual([`dynamodb ${DR} UpdateItem`, `states ${DR} SendTaskSuccess`]);
    // The approval is read once from each catalog: the primary, down, is not asked (and waited on) a second time.
    expect(calls.filter((c) => c.endsWith('GetItem'))).toEqual([`dynamodb ${PRIMARY} GetItem`, `dynamodb ${DR} GetItem`]);
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({ taskToken: failover.taskToken, output: expect.stringContaining(`"approvedBy":"${CALLER}"`) });
  });

  it('works with no region configured at all (as `approvals list` does)', async () => {
    noRegionConfigured();
    install();
    const { code, out, err } = await approve();
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out).toEqual([`Approved: failover ${EXECUTION} in the DR region ${DR}, runbook lifeboat-dev-failover (decided by ${CALLER}).`]);
    expect(calls.filter((c) => c.startsWith('sts '))).toEqual([`sts ${DR} GetCallerIdentity`]);
  });

  it('an approval that is not recorded is said so, and STS is never asked', async () => {
    operatorInPrimaryRegion();
    install({ approvals: [] });
    const { code, err } = await approve();
    expect(code).toBe(1);
    // The DR catalog answered (it has none), the primary's could not be read: both are said (audit a59A F4; until then
    // only the primary's bare 'socket hang up').
    expect(err).toEqual([
      `lifeboat approve: No approval is recorded for execution ${EXECUTION} in the DR catalog (${DR}), and the primary catalog (${PRIMARY}) could not be read (Error: socket hang up): an approval recorded there cannot be answered until that region answers (a failover asks in the DR region, an overwrite restore in its own region); see lifeboat approvals list.`,
      // The error's own line is bare: pasted, it listed env dev's local cloud (review r60E F4).
      `With this run's target options: \`lifeboat approvals list --config ${SAMPLE_CONFIG_FILE} --aws\`.`,
    ]);
    expect(calls.filter((c) => !c.startsWith('dynamodb '))).toEqual([]);
  });

  it('an STS that does not answer costs the record its caller, not the approval: the warning says whom and where to look', async () => {
    operatorInPrimaryRegion();
    install({ stsFails: true });
    const { code, out, err } = await approve();
    expect(code).toBe(0);
    expect(out).toEqual([`Approved: failover ${EXECUTION} in the DR region ${DR}, runbook lifeboat-dev-failover (decided by unknown AWS caller).`]);
    expect(err).toEqual([
      `lifeboat approve: warning: the AWS caller could not be identified (STS GetCallerIdentity in ${DR}: socket hang up); ` +
        `the decision is recorded as decided by "unknown AWS caller", and CloudTrail's SendTaskSuccess/SendTaskFailure event in ${DR} names who it was`,
    ]);
    expect(calls.filter((c) => c.startsWith('states '))).toEqual([`states ${DR} SendTaskSuccess`]);
    expect(documents.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({ ':status': 'APPROVED', ':by': 'unknown AWS caller' });
  });
});
