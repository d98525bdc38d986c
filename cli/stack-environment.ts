import { type CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { type EnvironmentConfig } from '../config/lifeboat-config';
import { describeIssues } from '../config/load-config';
import {
  ENVIRONMENT_OUTPUT_HEAD,
  ENVIRONMENT_OUTPUT_SINCE,
  ENVIRONMENT_OUTPUT_START,
  environmentOutputPartKey,
  environmentOutputSchema,
} from '../config/protection-environment';
import { ageSince, cacheOwner, type CacheOwner, readStackEnvironmentCache, stackEnvironmentCacheFile, writeStackEnvironmentCache } from './stack-environment-cache';
import { StackAccessDeniedError, StackEnvironmentError, StackNotFoundError, StackUnansweredError } from './stack-environment-errors';
import { isServerFault } from './server-fault';
import { isUnanswered } from './unanswered-endpoint';

/** What stackEnvironment is given besides the stack: where its copy is kept, and how it says it used that copy. */
export type StackEnvironmentOptions = {
  /** The directory `.lifeboat/stacks` is under (the user's home directory unless told). */
  home?: string;
  /** Whose credentials the copy is kept for (unless told, cacheOwner of the process's environment). */
  owner?: CacheOwner;
  /** Says one line to the user (stderr): that the environment is the copy, and of when; or that no copy could be kept. */
  note?: (line: string) => void;
  now?: () => Date;
};

/**
 * The environment of the LifeboatProtection deployed in `stackName` (`--stack`), from its outputs
 * (config/protection-environment.ts), as lifeboat.config.json's environment: checked by the same schema, with its
 * prefix and stacks (`deployment`), by which resourceNames names its vaults, catalog and state machines. Each read is
 * kept (stack-environment-cache.ts), under whose credentials read it (their profile, else their account); when the
 * region's CloudFormation does not answer, or fails on its side (a 5xx once the retries are spent: its region is down,
 * the very outage `failover` is for), their copy is used and the user told so, with its account. An answer, an
 * AccessDenied, a stack not found or a throttled request among them, is never replaced by the copy.
 */
export async function stackEnvironment(stackName: string, cloudFormation: CloudFormationClient, options: StackEnvironmentOptions = {}): Promise<EnvironmentConfig> {
  const region = await cloudFormation.config.region().catch(() => undefined);
  const where = region !== undefined ? ` in ${region}` : '';
  const owner = options.owner ?? cacheOwner();
  const cacheFile = stackEnvironmentCacheFile(stackName, region ?? 'default-region', owner.directory, options.home);
  const now = options.now ?? (() => new Date());
  const note = options.note ?? ((line: string) => process.stderr.write(`${line}\n`));
  let outputs: readonly Output[];
  try {
    const { Stacks: stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = stacks[0]?.Outputs ?? [];
  } catch (err) {
    // CloudFormation answers a stack it does not have with a ValidationError "Stack with id X does not exist".
    if (err instanceof Error && /does not exist/.test(err.message)) {
      throw new StackNotFoundError(`stack ${stackName} was not found${where}: give the name of the stack that holds the LifeboatProtection, and --stack-region (or AWS_REGION) its region`, { cause: err });
    }
    if (err instanceof Error && (err.name === 'AccessDenied' || err.name === 'AccessDeniedException' || /not authorized to perform/.test(err.message))) {
      throw new StackAccessDeniedError(
        `DescribeStacks of stack ${stackName}${where} was refused (${err.message}): --stack needs cloudformation:DescribeStacks on the stack (arn:aws:cloudformation:<region>:<account>:stack/${stackName}/*), for the operator, approver and auditor alike (docs/RUNBOOKS.md, "What each persona needs")`,
        { cause: err },
      );
    }
    if (isUnanswered(err) || isServerFault(err)) return cachedEnvironment(stackName, where, cacheFile, owner, err, note, now());
    throw err;
  }
  const valueOf = (key: string): string | undefined => outputs.find((o) => o.OutputKey === key)?.OutputValue;
  const firsts = outputs.filter((o) => o.OutputKey?.startsWith(ENVIRONMENT_OUTPUT_START) === true && o.OutputValue?.startsWith(ENVIRONMENT_OUTPUT_HEAD) === true);
  const [first, ...others] = firsts;
  if (first?.OutputKey === undefined || first.OutputValue === undefined) {
    throw new StackEnvironmentError(`stack ${stackName} has no Lifeboat output: is it deployed with lifeboat ≥ ${ENVIRONMENT_OUTPUT_SINCE}? (the stack that holds a LifeboatProtection, the JSON-config app's stacks too, has an output ${ENVIRONMENT_OUTPUT_START}<Prefix> from its first deploy after the upgrade; a protection in a NestedStack has it in the nested stack: give --stack the nested stack's physical name, such as ${stackName}-InnerNestedStack…-1A2B3C4D5E6F)`);
  }
  if (others.length > 0) {
    throw new StackEnvironmentError(`stack ${stackName} holds ${firsts.length} Lifeboat protections (outputs ${firsts.map((o) => o.OutputKey).join(', ')}): --stack reaches a stack with one; put each protection in a stack of its own`);
  }
  const key = first.OutputKey;
  const count = /^\{"lifeboatEnvironment":1,"parts":(\d+),/.exec(first.OutputValue)?.[1];
  const parts = count === undefined ? 1 : Number(count);
  let json = first.OutputValue;
  for (let part = 2; part <= parts; part++) {
    const value = valueOf(environmentOutputPartKey(key, part));
    if (value === undefined) throw new StackEnvironmentError(`stack ${stackName}: output ${key} says it has ${parts} parts, and ${environmentOutputPartKey(key, part)} is missing: deploy the stack again`);
    json += value;
  }
  const environment = parsedEnvironment(stackName, key, json);
  try {
    writeStackEnvironmentCache(cacheFile, { stack: stackName, region: region ?? 'default-region', account: environment.account, key, readAt: now().toISOString(), json });
  } catch (err) {
    // Without the copy only the fallback of an outage is lost: the command has what it needs, and the user is told
    // now rather than in the outage (review r60N F5). Node's fs errors are not always instanceof this realm's Error
    // (jest's vm): their message is read as it is.
    const reason = typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
    note(`could not keep a copy of the environment of stack ${stackName} for an outage: ${reason}`);
  }
  return environment;
}

/** The environment of the copy kept of the stack, said so in one line with its account, when its region's CloudFormation did not answer. */
function cachedEnvironment(stackName: string, where: string, cacheFile: string, owner: CacheOwner, err: Error, note: (line: string) => void, now: Date): EnvironmentConfig {
  const cached = readStackEnvironmentCache(cacheFile);
  if (cached === undefined) {
    throw new StackUnansweredError(
      `CloudFormation${where} did not answer for stack ${stackName} (${err.message}), and this machine has no copy of its environment (${cacheFile}): ` +
        'run any --stack command once while the region is up (each one keeps a copy), or start the runbook from the Step Functions console in the DR region',
      { cause: err },
    );
  }
  // A copy of another account than the credentials' (a file copied from elsewhere) would fail over the wrong account.
  if (owner.account !== undefined && cached.account !== owner.account) {
    throw new StackUnansweredError(
      `CloudFormation${where} did not answer for stack ${stackName} (${err.message}), and the copy of its environment on this machine (${cacheFile}) is of account ${cached.account}, ` +
        `while the credentials in use are of account ${owner.account}: it is not used; run the command with credentials of account ${cached.account} if that is the account to act on, ` +
        'or start the runbook from the Step Functions console in the DR region',
      { cause: err },
    );
  }
  note(`CloudFormation${where} did not answer: using the environment of account ${cached.account} read from stack ${stackName} at ${cached.readAt}, ${ageSince(cached.readAt, now)} ago (${cacheFile})`);
  return parsedEnvironment(stackName, cached.key, cached.json);
}

/** The environment of the output's JSON (its parts joined), checked as the config file's. */
function parsedEnvironment(stackName: string, key: string, json: string): EnvironmentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new StackEnvironmentError(`stack ${stackName}: output ${key} is not valid JSON (${(err as Error).message}): deploy the stack again`, { cause: err });
  }
  const parsed = environmentOutputSchema.safeParse(raw);
  if (!parsed.success) {
    throw new StackEnvironmentError(`stack ${stackName}: output ${key} is not an environment this CLI reads: ${describeIssues(parsed.error).join('; ')}`);
  }
  return { ...parsed.data.environment, deployment: parsed.data.deployment };
}
