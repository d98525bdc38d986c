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
import {
  accountOwner,
  ageSince,
  type CachedStackEnvironment,
  cacheOwner,
  type CacheOwner,
  type KeptCopy,
  otherOwnersCopies,
  readStackEnvironmentCache,
  stackEnvironmentCacheFile,
  writeStackEnvironmentCache,
} from './stack-environment-cache';
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
 * kept (stack-environment-cache.ts), under whose credentials read it (their profile, else their account; cachedEnvironment
 * says which copy serves whom); when the
 * region's CloudFormation does not answer, or fails on its side (a 5xx once the retries are spent: its region is down,
 * the very outage `failover` is for), their copy is used and the user told so, with its account. An answer, an
 * AccessDenied, a stack not found or a throttled request among them, is never replaced by the copy.
 */
export async function stackEnvironment(stackName: string, cloudFormation: CloudFormationClient, options: StackEnvironmentOptions = {}): Promise<EnvironmentConfig> {
  const region = await cloudFormation.config.region().catch(() => undefined);
  const where = region !== undefined ? ` in ${region}` : '';
  const owner = options.owner ?? cacheOwner();
  const cacheRegion = region ?? 'default-region';
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
    if (isUnanswered(err) || isServerFault(err)) return cachedEnvironment({ stackName, region: cacheRegion, where, owner, home: options.home }, err, note, now());
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
  // CloudFormation answered these credentials with the stack's environment: its account is the credentials'. A key
  // id that decodes to another is misread (review r61B F1): the copy is kept under the stack's account, not the
  // made-up one, and remembers the key id's account, by which the same credentials find it in an outage.
  const misread = owner.account !== undefined && owner.account !== environment.account;
  const writer = misread ? accountOwner(environment.account) : owner;
  try {
    writeStackEnvironmentCache(stackEnvironmentCacheFile(stackName, cacheRegion, writer.directory, options.home), {
      stack: stackName,
      region: cacheRegion,
      account: environment.account,
      key,
      readAt: now().toISOString(),
      json,
      ...(misread ? { keyIdAccount: owner.account } : {}),
    });
  } catch (err) {
    // Without the copy only the fallback of an outage is lost: the command has what it needs, and the user is told
    // now rather than in the outage (review r60N F5). Node's fs errors are not always instanceof this realm's Error
    // (jest's vm): their message is read as it is.
    const reason = typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
    note(`could not keep a copy of the environment of stack ${stackName} for an outage: ${reason}`);
  }
  return environment;
}

/** The stack a copy is looked for: its name and region (as the copy is kept), `where` for messages, and whose copy. */
type CopyWanted = { stackName: string; region: string; where: string; owner: CacheOwner; home?: string };

/**
 * The environment of the copy kept of the stack, said so in one line with its account and file, when its region's
 * CloudFormation did not answer. Which copy (review r61B F2):
 * - the owner's own (`~/.lifeboat/stacks/<owner>/`), refused when the credentials' account is known and the copy is of
 *   another (a file copied from elsewhere would fail over the wrong account);
 * - else, when the credentials' account is known (keys, web identity), the newest copy of that account kept under
 *   another owner: read with a profile of that account, with a key id of the old format (`default/`), or before the
 *   copy was kept by account (`default/`, review r61B F3);
 * - else none: a profile's or unknown credentials' account is not known offline, and another owner's copy may be of
 *   another account (the same stack name in another account), so it is never taken silently; the error lists the
 *   copies found, their owners and accounts, for the user to run the command again with the credentials of one.
 */
function cachedEnvironment(wanted: CopyWanted, err: Error, note: (line: string) => void, now: Date): EnvironmentConfig {
  const { stackName, region, where, owner, home } = wanted;
  const ownFile = stackEnvironmentCacheFile(stackName, region, owner.directory, home);
  const own = readStackEnvironmentCache(ownFile);
  if (own !== undefined && owner.account !== undefined && !ofAccount(own, owner.account)) {
    throw new StackUnansweredError(
      `CloudFormation${where} did not answer for stack ${stackName} (${err.message}), and the copy of its environment on this machine (${ownFile}) is of account ${own.account}, ` +
        `while the credentials in use are of account ${owner.account}: it is not used; run the command with credentials of account ${own.account} if that is the account to act on, ` +
        'or start the runbook from the Step Functions console in the DR region',
      { cause: err },
    );
  }
  const others = own === undefined ? otherOwnersCopies(stackName, region, owner.directory, home) : [];
  const { account } = owner;
  const chosen: KeptCopy | undefined =
    own !== undefined
      ? { file: ownFile, directory: owner.directory, cached: own }
      : account === undefined
        ? undefined
        : others.filter((copy) => ofAccount(copy.cached, account)).sort((a, b) => Date.parse(b.cached.readAt) - Date.parse(a.cached.readAt))[0];
  if (chosen === undefined) {
    const found =
      others.length === 0
        ? ''
        : `; copies of it kept with other credentials are not used, ${account === undefined ? 'the account of the credentials in use is not known offline' : `none is of account ${account}, the credentials'`}: ` +
          others.map(({ directory, cached }) => `${directory} (account ${cached.account}, read at ${cached.readAt})`).join(', ') +
          ' (to use one, run the command again with the credentials that kept it: AWS_PROFILE=<profile> for a profile\'s, keys of the account for account-<12 digits>)';
    throw new StackUnansweredError(
      `CloudFormation${where} did not answer for stack ${stackName} (${err.message}), and this machine has no copy of its environment (${ownFile})${found}: ` +
        'run any --stack command once while the region is up (each one keeps a copy), or start the runbook from the Step Functions console in the DR region',
      { cause: err },
    );
  }
  const { file, cached } = chosen;
  note(`CloudFormation${where} did not answer: using the environment of account ${cached.account} read from stack ${stackName} at ${cached.readAt}, ${ageSince(cached.readAt, now)} ago (${file})`);
  return parsedEnvironment(stackName, cached.key, cached.json);
}

/** Whether `cached` is a copy for credentials of `account`: of that account, or read by a key id misread as it. */
function ofAccount(cached: CachedStackEnvironment, account: string): boolean {
  return cached.account === account || cached.keyIdAccount === account;
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
