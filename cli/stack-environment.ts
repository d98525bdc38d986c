import { type CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { type EnvironmentConfig } from '../config/lifeboat-config';
import { environmentPrefix, resourceNames } from '../lib/stacks/resource-names';
import { describeIssues } from '../config/load-config';
import {
  ENVIRONMENT_OUTPUT_HEAD,
  ENVIRONMENT_OUTPUT_SINCE,
  ENVIRONMENT_OUTPUT_START,
  environmentOutputPartKey,
  environmentOutputSchema,
} from '../config/protection-environment';
import { credentialsIdentity, type CredentialsIdentity } from './credentials-account';
import {
  ageSince,
  type CachedStackEnvironment,
  type CopyRead,
  type CredentialsPointer,
  copiesKept,
  copyKeptOf,
  credentialsPointerFile,
  legacyStackEnvironmentCacheFile,
  messageOf,
  readCredentialsPointer,
  readStackEnvironmentCache,
  stackEnvironmentCacheFile,
  unreadableCredentialsPointer,
  writeStackEnvironmentCache,
} from './stack-environment-cache';
import { StackAccessDeniedError, StackEnvironmentError, StackNotFoundError, StackUnansweredError } from './stack-environment-errors';
import { isServerFault } from './server-fault';
import { isUnanswered } from './unanswered-endpoint';
import { stsTroubleInstead } from './credentials-sts-unanswered';
import { credentialsUnansweredWords, isCredentialsUnanswered } from './credentials-unanswered';

/** What stackEnvironment is given besides the stack: where its copy is kept, and how it says it used that copy. */
export type StackEnvironmentOptions = {
  /** The directory `.lifeboat/stacks` is under (the user's home directory unless told). */
  home?: string;
  /** The credentials in use (unless told, credentialsIdentity of the process's environment). */
  credentials?: CredentialsIdentity;
  /** The profile of the credentials, for the copy an older CLI kept by profile (unless told, AWS_PROFILE). */
  profile?: string;
  /**
   * `--stack-account`: the stack's account, as the user names it. In an outage only that account's copy is used, by
   * credentials of that account or of its DR account: a DR account serving several environments whose stacks share a
   * name cannot tell offline which one the user means (review r61O F5, r61W F1); the user can.
   */
  stackAccount?: string;
  /**
   * The command only reads (`status`, `backups list`, `estimate`, `report`): in an outage, an older lifeboat's copy
   * may then serve credentials whose account is not known offline, with a line naming its environment. A command that
   * acts (the default: it starts an execution or writes) takes that copy only when --stack-account names its account:
   * a failover starts within milliseconds of the line, before a Ctrl-C could stop it, and the copy is whichever
   * environment the older lifeboat read last (review r62A F1).
   */
  readOnly?: boolean;
  /** Says one line to the user (stderr): that the environment is the copy, and of when; or that no copy could be kept. */
  note?: (line: string) => void;
  now?: () => Date;
};

/**
 * What did not answer for the stack: CloudFormation `where` (` in <region>`), or the STS asked for the credentials'
 * role, when that is what failed (run-credentials.ts marks it): CloudFormation was then not asked (review r63C F2).
 * With `stackName`, the lead of an error, with the error's own words; without, a line's.
 */
function cloudFormationUnanswered(err: Error, where: string, stackName?: string): string {
  const forStack = stackName !== undefined ? ` for stack ${stackName}` : '';
  const sts = stsTroubleInstead(err, `CloudFormation${where}`, { purpose: forStack, detail: stackName !== undefined });
  return sts ?? `CloudFormation${where} did not answer${forStack}${stackName !== undefined ? ` (${err.message})` : ''}`;
}

/**
 * The environment of the LifeboatProtection deployed in `stackName` (`--stack`), from its outputs
 * (config/protection-environment.ts), as lifeboat.config.json's environment: checked by the same schema, with its
 * prefix and stacks (`deployment`), by which resourceNames names its vaults, catalog and state machines. Each read is
 * kept (stack-environment-cache.ts) under the stack's account; when the region's CloudFormation does not answer, or fails on its side (a 5xx once the retries are spent: its region is down,
 * the very outage `failover` is for), their copy is used and the user told so, with its account. An answer, an
 * AccessDenied, a stack not found or a throttled request among them, is never replaced by the copy; but for a stack
 * not found by credentials that tell another account than --stack-account's, the copy that account names (namedCopy).
 */
export async function stackEnvironment(stackName: string, cloudFormation: CloudFormationClient, options: StackEnvironmentOptions = {}): Promise<EnvironmentConfig> {
  const region = await cloudFormation.config.region().catch(() => undefined);
  const where = region !== undefined ? ` in ${region}` : '';
  const credentials = options.credentials ?? credentialsIdentity();
  const profile = options.profile ?? (process.env.AWS_PROFILE || 'default');
  const cacheRegion = region ?? 'default-region';
  const now = options.now ?? (() => new Date());
  const note = options.note ?? ((line: string) => process.stderr.write(`${line}\n`));
  let outputs: readonly Output[];
  let stackId: string | undefined;
  try {
    const { Stacks: stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = stacks[0]?.Outputs ?? [];
    stackId = stacks[0]?.StackId;
  } catch (err) {
    // CloudFormation answers a stack it does not have with a ValidationError "Stack with id X does not exist"; the
    // phrase alone may be in a refusal's message too (a session policy that does not exist), never a stack not found
    // whose copy would serve (review r62M F7).
    if (err instanceof Error && err.name === 'ValidationError' && /does not exist/.test(err.message)) {
      // Credentials that tell another account than --stack-account's cannot read its stack whatever the region's
      // state: a DR operator in a partial outage (the primary region's CloudFormation answers, its data plane does
      // not) or in a rehearsal. The copy serves them as in an outage, by the same checks: the copy's account or DR
      // account must be theirs (review r62D F1).
      const known = options.stackAccount !== undefined ? knownAccounts(credentials, options.home) : undefined;
      if (options.stackAccount !== undefined && known !== undefined && known.accounts.length > 0 && !known.accounts.includes(options.stackAccount)) {
        const notFound = `stack ${stackName} was not found${where} with the credentials in use, of ${accountsSaid(credentials, known)}, which cannot read a stack of account ${options.stackAccount}`;
        return namedCopy(
          { stackName, region: cacheRegion, where, credentials, known, profile, home: options.home, readOnly: options.readOnly === true },
          options.stackAccount,
          {
            lead: `${notFound} (--stack-account): the copy that --stack-account names would serve them as in an outage`,
            join: 'but',
            line: notFound,
            tail: `; if ${stackName} is not the name of its stack, give the name of the stack that holds the LifeboatProtection, and --stack-region (or AWS_REGION) its region`,
            error: StackNotFoundError,
            cause: err,
          },
          note,
          now(),
        );
      }
      throw new StackNotFoundError(`stack ${stackName} was not found${where}: give the name of the stack that holds the LifeboatProtection, and --stack-region (or AWS_REGION) its region`, { cause: err });
    }
    if (err instanceof Error && (err.name === 'AccessDenied' || err.name === 'AccessDeniedException' || /not authorized to perform/.test(err.message))) {
      throw new StackAccessDeniedError(
        `DescribeStacks of stack ${stackName}${where} was refused (${err.message}): --stack needs cloudformation:DescribeStacks on the stack (arn:aws:cloudformation:<region>:<account>:stack/${stackName}/*), for the operator, approver and auditor alike (docs/RUNBOOKS.md, "What each persona needs")`,
        { cause: err },
      );
    }
    if (isCredentialsUnanswered(err)) throw credentialsUnanswered(stackName, err, credentials, knownAccounts(credentials, options.home));
    if (isUnanswered(err) || isServerFault(err)) {
      const known = knownAccounts(credentials, options.home);
      const wanted = { stackName, region: cacheRegion, where, credentials, known, profile, home: options.home, readOnly: options.readOnly === true };
      const unanswered: CopyReason = { lead: cloudFormationUnanswered(err, where, stackName), join: 'and', line: cloudFormationUnanswered(err, where), tail: '', error: StackUnansweredError, cause: err };
      return options.stackAccount !== undefined ? namedCopy(wanted, options.stackAccount, unanswered, note, now()) : cachedEnvironment(wanted, err, note, now());
    }
    throw err;
  }
  // CloudFormation finds by name only the caller's stacks, and names each by an ARN of its account: the account the
  // copy is kept under, and the one --stack-account is checked against. An answer without one is not CloudFormation's
  // as this CLI knows it (an endpoint or proxy of another kind): the credentials' account is not a guess to serve a
  // failover on (review r62U F3).
  const owner = accountOfStackId(stackId);
  if (owner === undefined) {
    const said = stackId === undefined ? 'had no StackId' : 'had a StackId that is no stack ARN naming an account';
    throw new StackEnvironmentError(
      `DescribeStacks of stack ${stackName}${where} answered, but the response ${said}, which CloudFormation always gives (arn:aws:cloudformation:<region>:<account>:stack/${stackName}/…): the stack's account is not guessed from the credentials; check that the CloudFormation endpoint in use (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CLOUDFORMATION, a proxy) is AWS's`,
    );
  }
  let environmentRead: { environment: EnvironmentConfig; key: string; json: string };
  try {
    environmentRead = outputsEnvironment(stackName, outputs);
  } catch (err) {
    // A stack of another account than --stack-account's is not the one the user means, whatever it holds: a DR account
    // D's own stack of the same name that is no Lifeboat stack (or one this CLI cannot read) must not hide the copy of
    // the account named, which may name D its DR account (review r62S F1). The stack is of its StackId's account.
    if (!(err instanceof StackEnvironmentError) || options.stackAccount === undefined || owner === options.stackAccount) throw err;
    return namedCopy(
      { stackName, region: cacheRegion, where, credentials: { ...credentials, account: owner }, known: { accounts: [owner], pointer: undefined }, profile, home: options.home, readOnly: options.readOnly === true },
      options.stackAccount,
      {
        lead: `stack ${stackName}${where} is of account ${owner}, the credentials' account, not ${options.stackAccount} as --stack-account says, and is not a Lifeboat stack this CLI reads (${err.message})`,
        join: 'and',
        line: `stack ${stackName}${where} is of account ${owner} (not a Lifeboat stack this CLI reads), not ${options.stackAccount}`,
        tail: `; if account ${options.stackAccount}'s stack is in another region, give --stack-region its region`,
        error: StackEnvironmentError,
        cause: err,
      },
      note,
      now(),
    );
  }
  const { environment, key, json } = environmentRead;
  // The user named another account than the stack's: this stack is not the one they mean. CloudFormation answered
  // these credentials with a stack of their own account D, which may be the DR account of the environment named and
  // the primary account of another whose stack has the same name (review r62M F1): the copy of the account named then
  // serves them, as when its stack is not found; else the refusal names the environment found, for the user to tell.
  // Whatever D's stack's output says: one deployed with a third account's config is refused below only when it is the
  // stack the user means, and must not hide the copy of the account named either (review r63D F1).
  if (options.stackAccount !== undefined && options.stackAccount !== owner) {
    const found = `environment ${environment.name} (prefix ${environmentPrefix(environment)})`;
    const reason: CopyReason =
      environment.account === owner
        ? {
            lead: `stack ${stackName}${where} is ${found} of account ${owner}, the credentials' account, not ${options.stackAccount} as --stack-account says`,
            join: 'and',
            line: `stack ${stackName}${where} is of account ${owner} (environment ${environment.name}), not ${options.stackAccount}`,
            tail: `; if ${found} is the environment you mean, give --stack-account ${owner}; if account ${options.stackAccount}'s stack is in another region, give --stack-region its region`,
            error: StackEnvironmentError,
          }
        : {
            // --stack-account D would meet the refusal of a stack deployed with another account's config: not advised.
            lead: `stack ${stackName}${where} is of account ${owner} (its StackId), the credentials' account, not ${options.stackAccount} as --stack-account says, and its Lifeboat output ${key} says ${found} is of account ${environment.account} (deployed with another account's config)`,
            join: 'and',
            line: `stack ${stackName}${where} is of account ${owner} (its output says environment ${environment.name} of account ${environment.account}), not ${options.stackAccount}`,
            tail: `; if account ${options.stackAccount}'s stack is in another region, give --stack-region its region`,
            error: StackEnvironmentError,
          };
    return namedCopy(
      { stackName, region: cacheRegion, where, credentials: { ...credentials, account: owner }, known: { accounts: [owner], pointer: undefined }, profile, home: options.home, readOnly: options.readOnly === true },
      options.stackAccount,
      reason,
      note,
      now(),
    );
  }
  // The outputs are the config the stack was deployed with: a stack of account A whose config says account B (a
  // template deployed into another account than its config's, or outputs copied) names B's vaults, tables and keys,
  // which A's credentials would act on, or a failover in the wrong account (review r62U F4). B's own stack is not found
  // by name with A's credentials: CloudFormation finds only the caller's stacks (review r63D F2).
  if (environment.account !== owner) {
    // Here --stack-account is absent or names the stack's own account, which account B's stack is not: kept, it would
    // refuse the run the advice asks for (review r63M F1).
    const accountAdvice = options.stackAccount === undefined ? '' : ` with --stack-account ${environment.account} (or without --stack-account)`;
    throw new StackEnvironmentError(
      `stack ${stackName}${where} is of account ${owner} (its StackId), but its Lifeboat output ${key} says environment ${environment.name} is of account ${environment.account}: ` +
        `the stack was deployed with another account's config; deploy it again from the config of account ${owner}, or run with credentials of account ${environment.account} and give --stack the stack of its environment (--stack-region its region)${accountAdvice}`,
    );
  }
  const readAt = now().toISOString();
  // Without the copy or the pointer only the fallback of an outage is lost: the command has what it needs, and the
  // user is told now rather than in the outage (review r60N F5), each said as what it is (review r61O F7).
  const kept = keep(() =>
    writeStackEnvironmentCache(stackEnvironmentCacheFile(stackName, cacheRegion, environment.account, options.home), { stack: stackName, region: cacheRegion, account: environment.account, ...(environment.drAccount !== undefined && environment.drAccount !== environment.account ? { drAccount: environment.drAccount } : {}), key, readAt, json }),
  );
  if (kept !== undefined) note(`could not keep a copy of the environment of stack ${stackName} for an outage: ${kept}`);
  // CloudFormation answered these credentials with the stack's environment: its account is theirs. When they do not
  // tell it offline, or tell another (a misread key id), the pointer tells it in the outage, while they still tell
  // the same offline (review r61O F2).
  if (kept === undefined && credentials.account !== environment.account) {
    const pointerFile = credentialsPointerFile(credentials.who, options.home);
    const pointed = keep(() => writeStackEnvironmentCache(pointerFile, { account: environment.account, readAt, offlineAccount: credentials.account ?? null }));
    if (pointed !== undefined) note(`could not keep a pointer from the credentials in use to account ${environment.account} (${pointerFile}), by which they find its copy in an outage: ${pointed}`);
  }
  return environment;
}

/** The environment of the stack's Lifeboat output (its parts joined), its key and JSON; a StackEnvironmentError when the stack has none this CLI reads. */
function outputsEnvironment(stackName: string, outputs: readonly Output[]): { environment: EnvironmentConfig; key: string; json: string } {
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
  return { environment: parsedEnvironment(stackName, key, json), key, json };
}

/** The account of a stack's ARN (arn:aws:cloudformation:<region>:<account>:stack/…), when CloudFormation gave one. */
function accountOfStackId(stackId: string | undefined): string | undefined {
  return /^arn:[^:]+:cloudformation:[^:]*:(\d{12}):stack\//.exec(stackId ?? '')?.[1];
}

/** Runs `write`; undefined when it wrote, else why not. */
function keep(write: () => void): string | undefined {
  try {
    write();
    return undefined;
  } catch (err) {
    return messageOf(err);
  }
}

/**
 * The error of credentials whose provider did not answer (credentialsUnansweredWords): the way out is other
 * credentials of the same account, which the copy serves when their account can be told offline.
 */
function credentialsUnanswered(stackName: string, err: Error, credentials: CredentialsIdentity, known: KnownAccounts): StackUnansweredError {
  const [account] = known.accounts;
  return new StackUnansweredError(
    `stack ${stackName} was not read: ${credentialsUnansweredWords(err, account !== undefined ? { ...credentials, account } : credentials)}; ` +
      `the copy of the stack's environment kept on this machine serves credentials whose account can be told offline (a profile with sso_account_id/role_arn, or keys whose id is not AKIAI…/AKIAJ…), or ones used once with --stack here while the region was up`,
    { cause: err },
  );
}

/**
 * Why a copy is read instead of the stack: CloudFormation did not answer, or --stack-account names another account
 * than the credentials' (review r62D F1), whose stack of that name is not found or is another environment's (review
 * r62M F1). `lead` heads its errors, then `join` and what went wrong ('but' after a lead that says what the copy would
 * do, review r62M F5); `line` heads the line that uses it, `tail` ends its errors; `error` is their type (a stack not
 * found, or of another account, stays a usage error, exit 2).
 */
type CopyReason = { lead: string; join: 'and' | 'but'; line: string; tail: string; error: typeof StackUnansweredError | typeof StackNotFoundError | typeof StackEnvironmentError; cause?: Error };

/**
 * The accounts the credentials are known to be of offline, the one they tell first, then the one their pointer names;
 * and the pointer, whose time the line that uses its account says. Read once a command: each use is given it.
 */
type KnownAccounts = { accounts: string[]; pointer: CredentialsPointer | undefined };

function knownAccounts(credentials: CredentialsIdentity, home: string | undefined): KnownAccounts {
  const pointer = readCredentialsPointer(credentialsPointerFile(credentials.who, home), credentials.account);
  return { accounts: [credentials.account, pointer?.account].filter((a, i, all): a is string => a !== undefined && all.indexOf(a) === i), pointer };
}

/**
 * The accounts the credentials are known to be of, each as where it came from: one only their pointer names is the
 * account they read last, said with its time, not as theirs (review r61O F1, r62M F6). `as`: what the account is to
 * the copy ('its DR account'), for the line that uses it.
 */
function accountsSaid(credentials: CredentialsIdentity, known: KnownAccounts, as?: string): string {
  return known.accounts
    .map((a) => {
      const { pointer } = known;
      if (a === credentials.account || pointer === undefined || pointer.account !== a) return as !== undefined ? `the credentials in use are of ${as} ${a}` : `account ${a}`;
      return `the account these credentials read last, ${a}, at ${pointer.readAt}${as !== undefined ? `, is ${as}` : ''}`;
    })
    .join(' or ');
}

/** The stack a copy is looked for: its name and region (as the copy is kept), `where` for messages, and by whom. */
type CopyWanted = { stackName: string; region: string; where: string; credentials: CredentialsIdentity; known: KnownAccounts; profile: string; home?: string; readOnly: boolean };

/**
 * The environment of the copy kept of the stack, said so in one line with its account and file, when its region's
 * CloudFormation did not answer. Only a copy of the credentials' account is used (review r61H): the account they
 * tell offline, else the one their pointer names; and the pointer's when the account told offline has none (a
 * misread key id), while they still tell offline what they told when it was written. Else the copy an older CLI kept
 * for the same AWS_PROFILE, or in `default/` for any credentials without one, when it is of the account known; when
 * no account is known, what the older CLI did, only in the upgrade window (no copy of the stack kept here by account,
 * review r61AB F2, r62A F2) and only for a command that reads, or one whose --stack-account names its account (review
 * r62A F1). Never a copy of another account, not even one whose DR account is theirs (review r61W F1: a central DR
 * account serves several environments, whose stacks may share a name): the error lists the accounts that have one,
 * for the user to run the command again with credentials of one of them, or to name the one they mean with
 * --stack-account (namedCopy).
 */
function cachedEnvironment(wanted: CopyWanted, err: Error, note: (line: string) => void, now: Date): EnvironmentConfig {
  const { stackName, region, where, credentials, known, profile, home, readOnly } = wanted;
  const didNotAnswer = cloudFormationUnanswered(err, where, stackName);
  const { pointer, accounts: candidates } = known;
  // The account they tell offline, else their pointer's.
  const [account] = candidates;
  const fileOf = (of: string): string => stackEnvironmentCacheFile(stackName, region, of, home);
  const keptFor = olderCopyKeptFor(profile);
  const outage = { lead: didNotAnswer, join: 'and' as const, tail: '', error: StackUnansweredError, cause: err };
  const use = (file: string, cached: CachedStackEnvironment, unknownAccount: boolean): EnvironmentConfig => {
    const environment = copyEnvironment(file, cached, outage);
    // Whose copy it is may be another environment's (the older lifeboat kept whichever was read last): it is named,
    // with the way out, before the command reads it (review r61AB F3). The question is the environment, not the
    // credentials' account: a DR account's credentials are never of the copy's account (review r62A F1).
    const prefix = environmentPrefix(environment);
    const unknown = unknownAccount
      ? `; the account of the credentials in use is not known offline, this copy was ${keptFor}: ${copyNamed(environment, cached.account)}; ` +
        `if ${environment.name} (prefix ${prefix}) is not the environment you mean, stop (Ctrl-C) and run with credentials whose account is known offline`
      : '';
    // An account not told by the credentials themselves is said as where it came from (review r61O F1).
    const pointed = !unknownAccount && pointer !== undefined && cached.account === pointer.account && cached.account !== credentials.account ? `; the account these credentials read last, ${pointer.account}, at ${pointer.readAt}` : '';
    note(`${cloudFormationUnanswered(err, where)}: using the environment of account ${cached.account} read from stack ${stackName} at ${cached.readAt}, ${ageSince(cached.readAt, now)} ago (${file})${pointed}${unknown}`);
    return environment;
  };
  const legacyFile = legacyStackEnvironmentCacheFile(stackName, region, profile, home);
  const legacy = readStackEnvironmentCache(legacyFile);
  const legacyCopy = legacy.kind === 'copy' && legacy.cached.stack === stackName ? legacy.cached : undefined;
  const reads = candidates.map((candidate) => ({ candidate, file: fileOf(candidate), read: readStackEnvironmentCache(fileOf(candidate)) }));
  for (const [i, { candidate, file, read }] of reads.entries()) {
    // A copy there but not usable is said as it is, not as no copy (review r61H F5); with the way to the older
    // lifeboat's copy of the same account it hides, which serves once it is deleted: the account they tell first, and no
    // other copy of theirs is kept (review r62N F3).
    if (read.kind === 'unreadable' || (read.kind === 'copy' && read.cached.account !== candidate)) {
      const hidden = i === 0 && legacyCopy?.account === candidate && reads.slice(1).every((r) => r.read.kind === 'none');
      const olderKept = hidden ? `, or delete it to use the copy of account ${candidate} an older lifeboat kept (${legacyFile}, read at ${legacyCopy.readAt})` : '';
      throw unusableCopyError(file, read, candidate, outage, { which: '', olderKept });
    }
    if (read.kind === 'copy') return use(file, read.cached, false);
  }
  // The older lifeboat kept a copy by AWS_PROFILE, or in `default/` for any other credentials, whatever their account:
  // it serves credentials of the account known (review r61O F6), and, as it did, ones whose account is not known
  // offline nor by a pointer (an instance role, a container, credential_process, old-format keys: review r61W F3).
  // Those only in the upgrade window: this CLI never rewrites either, so once it has kept a file of the stack here
  // under an account, even one it cannot read now (review r62A F3), the older copy may be a stale copy of another
  // environment than the one these credentials mean (review r61AB F2); a profile may since point to another account
  // too (review r62A F2); and a pointer there that cannot be read says they read a stack here (review r61AB F5).
  const pointerFile = credentialsPointerFile(credentials.who, home);
  const pointerUnreadable = account === undefined ? unreadableCredentialsPointer(pointerFile) : undefined;
  // Each file kept here is read and parsed once: the listing below splits them (review rb62A item 5).
  const filesKept = copiesKept(stackName, region, home);
  const copies = filesKept.flatMap((k) => {
    const cached = copyKeptOf(k, stackName, region);
    return cached !== undefined ? [{ file: k.file, cached, parsed: environmentOf(cached) }] : [];
  });
  const copiesHere = copies.map((c) => c.cached.account);
  // A readable file of another stack or account is not said unreadable: it is said as whose copy it is.
  const damaged = filesKept.flatMap((k) => {
    if (copyKeptOf(k, stackName, region) !== undefined) return [];
    const hides = k.read.kind === 'unreadable' ? 'it cannot be read' : `it is a copy of stack ${k.read.cached.stack} in ${k.read.cached.region} of account ${k.read.cached.account}`;
    const unusable = k.read.kind === 'unreadable' ? `cannot be read: ${k.read.reason}` : `is not used: ${hides}`;
    return [{ account: k.account, file: k.file, unusable, hides }];
  });
  const upgradeWindow = copiesHere.length === 0 && damaged.length === 0 && pointerUnreadable === undefined;
  if (legacyCopy !== undefined && legacyCopy.account === account) return use(legacyFile, legacyCopy, false);
  if (legacyCopy !== undefined && account === undefined && upgradeWindow) {
    if (readOnly) return use(legacyFile, legacyCopy, true);
    throw new StackUnansweredError(
      `${didNotAnswer}, and the account of the credentials in use is not known offline; the copy on this machine was ${keptFor} (${legacyFile}): ` +
        `${copyNamed(copyEnvironment(legacyFile, legacyCopy, outage), legacyCopy.account)}, whichever environment it read last, and this command acts on the environment at once: ` +
        `if that is the environment you mean, run again with --stack-account ${legacyCopy.account}; else run with credentials whose account is known offline, ${OR_DR_CONSOLE}`,
      { cause: err },
    );
  }
  // A DR account's credentials are told which copies name them as DR account, never given one: which environment
  // they mean to fail over is not known offline (review r61W F1).
  // A copy an older lifeboat kept has no drAccount field (the released CLI never wrote it): its environment says it (review r62K F1).
  const drCopies = account !== undefined ? copies.filter((c) => drAccountOf(c.cached, c.parsed.kind === 'environment' ? c.parsed.environment : undefined) === account) : [];
  const drOf = drCopies.map((c) => c.cached.account);
  // A copy its CLI cannot parse is said so, not offered: neither --stack-account nor its account's credentials can use it (review r62A F4).
  const drUsable = drCopies.flatMap((c) => (c.parsed.kind === 'environment' ? [{ ...c, environment: c.parsed.environment }] : []));
  const drUsableOf = drUsable.map((c) => c.cached.account);
  const others = copiesHere.filter((a) => a !== account && !drOf.includes(a));
  const lookedFor =
    account !== undefined
      ? `this machine has no copy of its environment for account ${account}, the credentials' (${fileOf(account)})`
      : pointerUnreadable !== undefined
        ? `the account of the credentials in use is not known offline, and the pointer of the copy read with them (${pointerFile}) cannot be read: ${pointerUnreadable}`
        : `the account of the credentials in use is not known offline, and no copy was read with them (${pointerFile})`;
  // Credentials whose account is not known offline may use any of them named with --stack-account (namedCopy): it is
  // the one way for them, say an instance role of the account, that works offline (review r62D F2).
  const kept =
    others.length === 0
      ? ''
      : `; copies of it are kept for ${others.map((a) => `account ${a} (run with credentials of account ${a}${account === undefined ? `, or with --stack-account ${a} if it is the environment you mean` : ''})`).join(', ')}`;
  const damagedKept = damaged.map((d) => `; the copy kept for account ${d.account} (${d.file}) ${d.unusable}`).join('');
  const drUnreadable = drCopies.flatMap((c) => (c.parsed.kind === 'unreadable' ? [`; the copy of account ${c.cached.account} (DR account ${account ?? ''}, ${c.file}) cannot be read (${c.parsed.why})`] : [])).join('');
  const drKept =
    drUsable.length === 0
      ? ''
      : `; copies kept for ${drUsableOf.map((a) => `account ${a} (DR account ${account ?? ''})`).join(', ')}: ${drUsable.map((c) => failoverConsole(c.environment, c.cached.account, account ?? '')).join('')}run again with ${drUsableOf.map((a) => `--stack-account ${a}`).join(' or ')} (the account of the environment you mean) to use its copy, or run with credentials of account ${drUsableOf.join(' or ')}, or give the environment with --config / --env as docs/RUNBOOKS.md says`;
  const legacyNotUsed =
    account !== undefined
      ? `the credentials' account is ${account}`
      : pointerUnreadable !== undefined
        ? `the credentials' account is not known offline, and their pointer cannot be read: it says they read a stack here with this lifeboat, so that one may be another environment's`
        : "the credentials' account is not known offline, and this lifeboat has since kept copies of the stack here by account, so that one may be stale";
  const legacyKept = legacyCopy === undefined || others.includes(legacyCopy.account) || drOf.includes(legacyCopy.account) ? '' : olderCopyNotUsed(legacyFile, legacyCopy, account, damaged, profile, legacyNotUsed);
  throw new StackUnansweredError(
    `${didNotAnswer}, and ${lookedFor}${kept}${damagedKept}${drKept}${drUnreadable}${legacyKept}${drKept === '' ? ':' : '; or'} run any --stack command once while the region is up (each one keeps a copy), ${OR_DR_CONSOLE}`,
    { cause: err },
  );
}

/**
 * The older lifeboat's copy said unused in an outage's listing, with the ways to use it: credentials that tell its
 * account offline, or --stack-account for credentials of no known account or of its DR account (review r62K F1), once
 * the damaged file of its account, which namedCopy would read first, is deleted (review r62K F5); and none for a copy
 * this CLI cannot read (review r62K F6).
 */
function olderCopyNotUsed(
  file: string,
  copy: CachedStackEnvironment,
  account: string | undefined,
  damaged: readonly { account: string; file: string; hides: string }[],
  profile: string,
  notUsed: string,
): string {
  const kept = `; an older lifeboat kept one of account ${copy.account} for ${olderCopyServes(profile)} (${file})`;
  const read = environmentOf(copy);
  if (read.kind === 'unreadable') return `${kept}, which cannot be read (${read.why})`;
  const drAccount = drAccountOf(copy, read.environment);
  const damagedCopy = damaged.find((d) => d.account === copy.account);
  const named =
    account !== undefined && account !== drAccount
      ? ''
      : damagedCopy !== undefined
        ? `, or delete ${damagedCopy.file} (${damagedCopy.hides}, and --stack-account ${copy.account} reads it first) and run again with --stack-account ${copy.account} if it is the environment you mean`
        : `, or with --stack-account ${copy.account} if it is the environment you mean`;
  const dr = account !== undefined && account === drAccount ? ', its DR account' : '';
  return `${kept}, not used: ${notUsed}${dr} (run with credentials that tell account ${copy.account} offline${named})`;
}

/**
 * A copy's DR account when it is another than its account: its field, else its `environment` (the copy as parsed, or
 * undefined when it cannot be), for a copy an older lifeboat kept (`default/`, `<profile>/`, or an `account-*` file of
 * the released CLI) has no field (review r62K F1).
 */
function drAccountOf(cached: CachedStackEnvironment, environment: EnvironmentConfig | undefined): string | undefined {
  const drAccount = cached.drAccount ?? environment?.drAccount;
  return drAccount !== cached.account ? drAccount : undefined;
}

/** A copy's environment as the user knows it: name, prefix, account and DR account. */
function copyNamed(environment: EnvironmentConfig, account: string): string {
  const dr = environment.drAccount !== undefined && environment.drAccount !== environment.account ? `, DR account ${environment.drAccount}` : '';
  return `environment ${environment.name} (prefix ${environmentPrefix(environment)}, account ${account}${dr})`;
}

/**
 * The environment of the copy of `stackAccount` (`--stack-account`), when its region's CloudFormation did not answer,
 * or did not find the stack for credentials of another account (`reason`): that file only, whatever others are kept. The user named the environment, so a DR account's credentials may use it
 * (review r61O F5); credentials whose account is known (offline, or by their pointer) and is neither the copy's nor
 * its DR account are refused: such a copy is never one they can act on, nor one meant for them (review r61W F1).
 */
function namedCopy(wanted: CopyWanted, stackAccount: string, reason: CopyReason, note: (line: string) => void, now: Date): EnvironmentConfig {
  const { stackName, region, known: { accounts: known }, profile, home } = wanted;
  const { lead, join, tail, cause } = reason;
  const accountFile = stackEnvironmentCacheFile(stackName, region, stackAccount, home);
  const accountRead = readStackEnvironmentCache(accountFile);
  // Without one kept by account, the older lifeboat's copy by profile (or in `default/`) when it is of the account
  // named: the user has said it is the environment they mean (review r62A F1).
  const legacyFile = legacyStackEnvironmentCacheFile(stackName, region, profile, home);
  const legacyRead = accountRead.kind !== 'copy' ? readStackEnvironmentCache(legacyFile) : undefined;
  const legacyCopy = legacyRead?.kind === 'copy' && legacyRead.cached.stack === stackName && legacyRead.cached.account === stackAccount ? legacyRead.cached : undefined;
  const older = accountRead.kind === 'none' && legacyCopy !== undefined;
  const [file, read] = older && legacyRead !== undefined ? [legacyFile, legacyRead] : [accountFile, accountRead];
  if (read.kind === 'none') {
    throw new reason.error(
      `${lead}, ${join} this machine has no copy of its environment for account ${stackAccount}, which --stack-account names (${file}): ` +
        `run any --stack command once while the region is up with credentials of account ${stackAccount} (each one keeps a copy), ${OR_DR_CONSOLE}${tail}`,
      { cause },
    );
  }
  if (read.kind === 'unreadable' || read.cached.account !== stackAccount) {
    // The damaged file hides the older lifeboat's copy of the same account (review r62K F5): the user may remove it.
    const olderKept = legacyCopy !== undefined ? `, or delete it to use the copy of account ${stackAccount} an older lifeboat kept (${legacyFile}, read at ${legacyCopy.readAt})` : '';
    throw unusableCopyError(file, read, stackAccount, reason, { which: ' that --stack-account names', olderKept });
  }
  const cached = read.cached;
  const environment = copyEnvironment(file, cached, reason);
  const drAccount = drAccountOf(cached, environment);
  const mayUse = [cached.account, ...(drAccount !== undefined ? [drAccount] : [])];
  if (known.length > 0 && !known.some((a) => mayUse.includes(a))) {
    throw new reason.error(
      `${lead}, ${join} the copy of account ${stackAccount}'s environment that --stack-account names (${file}) is not used: the credentials in use are of ${accountsSaid(wanted.credentials, wanted.known)}, ` +
        `neither its account ${cached.account} nor ${drAccount !== undefined ? `its DR account ${drAccount}` : 'a DR account (its environment has none of its own)'}: run with credentials of account ${mayUse.join(' or ')}, or give --stack-account the account of the environment you mean${tail}`,
      { cause },
    );
  }
  const whose =
    known.length === 0
      ? "; the account of the credentials in use is not known offline: if they are not of this account or its DR account, stop (Ctrl-C)"
      : !known.includes(cached.account) && drAccount !== undefined
        ? `; ${accountsSaid(wanted.credentials, { accounts: [drAccount], pointer: wanted.known.pointer }, 'its DR account')}`
        : '';
  note(
    `${reason.line}: using the environment ${environment.name} (prefix ${environmentPrefix(environment)}) of account ${cached.account} read from stack ${stackName} at ${cached.readAt}, ${ageSince(cached.readAt, now)} ago (${file}), the copy${older ? ` ${olderCopyKeptFor(profile)},` : ''} chosen by --stack-account ${stackAccount}${whose}`,
  );
  return environment;
}

/** The way out every outage error ends with: the failover needs no CLI, nor a copy. */
const OR_DR_CONSOLE = 'or start the runbook from the Step Functions console in the DR region';

/** Whom an older lifeboat's copy served: the one in `default/` any credentials without AWS_PROFILE, else its profile. */
function olderCopyServes(profile: string): string {
  return profile === 'default' ? 'any credentials without AWS_PROFILE' : `profile ${profile}`;
}

/** The older lifeboat's copy as the lines that use or name it say it. */
function olderCopyKeptFor(profile: string): string {
  return profile === 'default' ? `kept by an older lifeboat for ${olderCopyServes(profile)}` : 'kept for the same profile by an older lifeboat';
}

/**
 * The error of a copy there but not usable (review r61H F5): it cannot be read, or it is of another account than
 * `expected`. `named`: which copy it is (the one --stack-account names), and the other way out (an older copy kept).
 */
function unusableCopyError(
  file: string,
  read: Exclude<CopyRead, { kind: 'none' }>,
  expected: string,
  reason: Pick<CopyReason, 'lead' | 'join' | 'tail' | 'error' | 'cause'>,
  named: { which: string; olderKept: string } = { which: '', olderKept: '' },
): StackUnansweredError | StackNotFoundError | StackEnvironmentError {
  const unusable = read.kind === 'unreadable' ? `cannot be read: ${read.reason}` : `is of account ${read.cached.account}, not ${expected}: it is not used`;
  // The copy --stack-account names is that account's, not the environment of the stack found (review r62S F5).
  const whose = named.which !== '' ? `account ${expected}'s` : 'its';
  return new reason.error(
    `${reason.lead}, ${reason.join} the copy of ${whose} environment on this machine${named.which} (${file}) ${unusable}; ` +
      `any --stack command run while the region is up writes it anew${named.olderKept}, ${OR_DR_CONSOLE}${reason.tail}`,
    { cause: reason.cause },
  );
}

/**
 * Where a DR account's user starts the failover of a copy's environment without the CLI: a construct deployment has
 * no lifeboat.config.json for --config / --env to read (review r61AB F4).
 */
function failoverConsole(environment: EnvironmentConfig, account: string, drAccount: string): string {
  return `start ${resourceNames(environment).failoverStateMachine} (environment ${environment.name} of account ${account}) in the Step Functions console of account ${drAccount}, region ${environment.drRegion}, or `;
}

/** An environment's JSON (the output's parts joined) checked as the config file's, or why this CLI cannot read it. */
type EnvironmentRead = { kind: 'environment'; environment: EnvironmentConfig } | { kind: 'unreadable'; why: string; cause?: unknown };

function environmentIn(json: string): EnvironmentRead {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    return { kind: 'unreadable', why: `not valid JSON (${messageOf(err)})`, cause: err };
  }
  const parsed = environmentOutputSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'unreadable', why: `not an environment this CLI reads: ${describeIssues(parsed.error).join('; ')}` };
  return { kind: 'environment', environment: { ...parsed.data.environment, deployment: parsed.data.deployment } };
}

/** A copy's environment, or why this CLI cannot read it. */
function environmentOf(cached: CachedStackEnvironment): EnvironmentRead {
  return environmentIn(cached.json);
}

/** The environment of the stack's output, checked as the config file's: one it cannot read names the output. */
function parsedEnvironment(stackName: string, key: string, json: string): EnvironmentConfig {
  const read = environmentIn(json);
  if (read.kind === 'environment') return read.environment;
  // Only JSON that does not parse has a cause: a truncated output, which a deploy writes anew.
  const deployAgain = read.cause !== undefined ? ': deploy the stack again' : '';
  throw new StackEnvironmentError(`stack ${stackName}: output ${key} is ${read.why}${deployAgain}`, read.cause !== undefined ? { cause: read.cause } : undefined);
}

/**
 * The environment of a copy kept on this machine; one this CLI cannot read (a copy an older lifeboat kept of an
 * environment this one no longer reads) is said as the copy, by its file, with the way out: not as the stack's output,
 * which the user cannot see in an outage (review r62K F6).
 */
function copyEnvironment(file: string, cached: CachedStackEnvironment, reason: Pick<CopyReason, 'lead' | 'join' | 'tail' | 'error' | 'cause'>): EnvironmentConfig {
  const read = environmentOf(cached);
  if (read.kind === 'environment') return read.environment;
  throw new reason.error(
    `${reason.lead}, ${reason.join} the copy of its environment on this machine (${file}) cannot be read (${read.why}): ` +
      `run any --stack command once while the region is up (each one keeps a copy this CLI reads), ${OR_DR_CONSOLE}${reason.tail}`,
    { cause: reason.cause },
  );
}
