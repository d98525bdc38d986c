import { Annotations, CliCredentialsStackSynthesizer, DefaultStackSynthesizer, type IStackSynthesizer, Stack, Token } from 'aws-cdk-lib';

/**
 * The synthesizer of the default DR stack, taken from the user's stack (review r60H F1). The DR stack deploys with the
 * user's bootstrap, so it needs the same qualifier, roles and buckets; a DR stack given CDK's plain default instead
 * (qualifier hnb659fds) fails 'not bootstrapped', and bootstrapping the default qualifier to get past that is the very
 * bypass an organization's own bootstrap exists to prevent. So what cannot be carried is said at synth, never silently.
 *
 * - `app`: the stack has the App's defaultStackSynthesizer, which the DR stack, made in the same App, gets by itself.
 * - `copy`: a plain DefaultStackSynthesizer or CliCredentialsStackSynthesizer, made anew of all the props the user's
 *   was given: they are strings and booleans whose ${AWS::AccountId}/${AWS::Region} placeholders resolve per stack.
 * - `notCarried`: a subclass, another kind (Legacy, a custom one), props CDK no longer stores where they are read,
 *   props that name the user's region or account literally (a deploy role ARN of eu-west-1 is wrong for the DR region),
 *   or a fileAssetsBucketName without ${AWS::Region} (one global bucket name, of the user's region's bootstrap).
 *   The DR stack gets the App's default then, and warnOfSynthesizerNotCarried says so.
 */
export type DrStackSynthesizer = { kind: 'app' } | { kind: 'copy'; synthesizer: IStackSynthesizer } | { kind: 'notCarried'; reason: string };

const copyable = [DefaultStackSynthesizer, CliCredentialsStackSynthesizer] as const;

/**
 * What makes a copied assets bucket the DR region's own (review r60L F2). Only the bucket: an S3 name is global, whereas
 * an ECR repository name is one per account and region, so an imageAssetsRepositoryName without it names the DR
 * region's repository of that name, which its bootstrap makes.
 */
const REGION_PLACEHOLDER = '${AWS::Region}';

export function drStackSynthesizerLike(stack: Stack, drAccount: string | undefined): DrStackSynthesizer {
  if (inheritsAppDefault(stack)) return { kind: 'app' };
  const kind = copyable.find((constructor) => stack.synthesizer.constructor === constructor);
  if (kind === undefined) {
    return { kind: 'notCarried', reason: `its ${stack.synthesizer.constructor.name} is not a plain DefaultStackSynthesizer or CliCredentialsStackSynthesizer, whose settings could be copied` };
  }
  // A CDK that stores its props otherwise is said, not guessed at.
  const props = boundSynthesizerProps(stack);
  if (props === undefined) return { kind: 'notCarried', reason: `its ${kind.name}'s settings cannot be read from this version of aws-cdk-lib` };
  const literal = literalOfStack(JSON.stringify(props), stack, drAccount);
  if (literal !== undefined) {
    return { kind: 'notCarried', reason: `its ${kind.name}'s settings name ${literal} literally, which is not the DR stack's (use \${AWS::Region} / \${AWS::AccountId})` };
  }
  const bucket = regionlessAssetsBucket(props);
  if (bucket !== undefined) {
    return {
      kind: 'notCarried',
      reason:
        `its ${kind.name}'s fileAssetsBucketName ${bucket} has no ${REGION_PLACEHOLDER}: an S3 bucket name is global, so it names one bucket, of the user's region, ` +
        "which the DR region's bootstrap cannot have too, and the DR stack's Lambda code would be read from another region",
    };
  }
  return { kind: 'copy', synthesizer: new kind({ ...props }) };
}

/** The fileAssetsBucketName of a synthesizer's props when it has no ${AWS::Region}, so names one region's bucket only. */
function regionlessAssetsBucket(props: object): string | undefined {
  const bucket: unknown = Reflect.get(props, 'fileAssetsBucketName');
  return typeof bucket === 'string' && !bucket.includes(REGION_PLACEHOLDER) ? bucket : undefined;
}

/** The user's stack's region, or its account when the DR stack is in another, if the synthesizer's settings name it. */
function literalOfStack(settings: string, stack: Stack, drAccount: string | undefined): string | undefined {
  if (!Token.isUnresolved(stack.region) && settings.includes(stack.region)) return `the region ${stack.region}`;
  const otherAccount = drAccount !== undefined && drAccount !== stack.account;
  if (otherAccount && !Token.isUnresolved(stack.account) && settings.includes(stack.account)) return `the account ${stack.account}`;
  return undefined;
}

/** The synth warning of a synthesizer not carried: the DR stack, the bootstrap qualifier it will look for, and the way out. */
export function warnOfSynthesizerNotCarried(from: Stack, to: Stack, carried: DrStackSynthesizer): void {
  if (carried.kind !== 'copy') warnOfRegionlessDrBucket(from, to, 'lifeboat');
  if (carried.kind !== 'notCarried') return;
  const qualifier = to.synthesizer.bootstrapQualifier ?? '(none: it uses no bootstrap)';
  Annotations.of(from).addWarningV2(
    'lifeboat:dr-synthesizer-not-carried',
    `the DR stack ${to.stackName} (${to.node.path}) cannot take ${from.node.path}'s synthesizer: ${carried.reason}. It is synthesized with ` +
      `${to.synthesizer.constructor.name} of bootstrap qualifier ${qualifier}, which needs that bootstrap in its account and region. ` +
      'Build the DR stack yourself with the synthesizer it needs (new Stack(app, ..., { env: <DR region>, synthesizer: ... })) and pass it as drStack, ' +
      'rather than bootstrapping that qualifier for it',
  );
}

/**
 * The DR stack's Lambda code bucket is one region's only (review r60N F1, r60O F3, r61C): it inherits the App's
 * defaultStackSynthesizer whose fileAssetsBucketName has no ${AWS::Region} (the default DR stack, kind `app` and the
 * `notCarried` fallback, or a user's drStack of no synthesizer of its own), or it is a user's drStack whose own
 * synthesizer names, without ${AWS::Region}, the user's stack's bucket, or a bucket that names the user's region
 * literally, or a name that another stack of the App, in the DR stack's account and another region, has too (review
 * r61N F1). The S3 name is global, so the DR stack's Lambdas would name another region's bucket: said at synth, with
 * the way out of whoever built the DR stack. `from` is the protection's stack, where the warning is (and is
 * acknowledged); of a protection in a NestedStack, or a drStack that is one, the bucket names are its top-level stack's.
 */
export function warnOfRegionlessDrBucket(from: Stack, to: Stack, builtBy: 'lifeboat' | 'user'): void {
  // Added now when decidable now (review r61X F1): CDK silences an App-level acknowledgement made after building only
  // by removing the warnings already added, and looks for one made later on the construct's own path and its parents'.
  const now = regionlessDrBucketWarning(from, to, builtBy);
  if (now !== undefined) {
    warnOfRegionlessBucket(from, now);
    return;
  }
  // Only a stack of the App made after the protection, sharing the bucket, can still make it one: checked as synth
  // validates the tree, where an acknowledgement on the App is honoured here since CDK does not look for it.
  from.node.addValidation({
    validate: () => {
      const late = regionlessDrBucketWarning(from, to, builtBy);
      if (late !== undefined) warnOfRegionlessBucket(from, late);
      return [];
    },
  });
}

const REGIONLESS_BUCKET = 'lifeboat:dr-synthesizer-regionless-bucket';

function warnOfRegionlessBucket(from: Stack, message: string): void {
  if (!acknowledgedOnApp(from, REGIONLESS_BUCKET)) Annotations.of(from).addWarningV2(REGIONLESS_BUCKET, message);
}

/**
 * Whether Annotations.of(app).acknowledgeWarning(id) was called. CDK keeps acknowledgements by node path on the App,
 * under a symbol of its own, and never searches the App's empty path: read defensively, false when stored otherwise.
 */
function acknowledgedOnApp(scope: Stack, id: string): boolean {
  const acknowledgements: unknown = Reflect.get(scope.node.root, Symbol.for('@aws-cdk/core.Acknowledgements'));
  const byPath: unknown = typeof acknowledgements === 'object' && acknowledgements !== null ? Reflect.get(acknowledgements, 'acks') : undefined;
  const byId: unknown = byPath instanceof Map ? byPath.get('') : undefined;
  const records: unknown = byId instanceof Map ? byId.get(id) : undefined;
  // A record with a `where` filter is for warnings of a given context, which this one never has.
  return Array.isArray(records) && records.some((record: unknown) => {
    const where: unknown = typeof record === 'object' && record !== null ? Reflect.get(record, 'where') : undefined;
    return where === undefined || (typeof where === 'object' && where !== null && Object.keys(where).length === 0);
  });
}

/** The warning's text when the DR stack's code bucket is known now to be one region's only, else undefined. */
function regionlessDrBucketWarning(from: Stack, drStack: Stack, builtBy: 'lifeboat' | 'user'): string | undefined {
  // A NestedStack's synthesizer stores no props and its stackName is a token: it deploys with its top-level stack's
  // synthesizer, bucket, account and region, on either side (review r61N F2: a nested drStack was never checked).
  const to = topLevelStack(drStack);
  const props = boundSynthesizerProps(to);
  if (props === undefined) return undefined;
  // The check of the copy path: a name without ${AWS::Region} names one region's bucket.
  const bucket = regionlessAssetsBucket(props);
  if (bucket === undefined) return undefined;
  // A name spelling the DR region out is that region's bucket, whoever else it may serve.
  if (!Token.isUnresolved(to.region) && bucket.includes(to.region)) return undefined;
  const primary = topLevelStack(from);
  const inherited = inheritsAppDefault(to);
  const primaryRegion = literalOfStack(bucket, primary, undefined);
  const why =
    primaryRegion === undefined
      ? `has no ${REGION_PLACEHOLDER}: an S3 bucket name is global, so it names one bucket, of one region's bootstrap, ` +
        "and the DR stack's Lambda code would be read from another region than the DR region"
      : `names ${primaryRegion} literally, the region of ${primary.stackName} (${primary.node.path}), ` +
        "so the DR stack's Lambda code would be read from another region than the DR region";
  // The inherited name is the App default's in both stacks, of its qualifier: one bucket unless the accounts differ.
  const theirs = { name: bucket, stack: to, qualifier: to.synthesizer.bootstrapQualifier };
  const inheritedShared = inherited && (primaryRegion !== undefined || sameBucket({ ...theirs, stack: primary }, theirs));
  // Another account's bucket of that name may still be another region's there, as in an App of two stacks each other's DR.
  const elsewhere = (): string | undefined => {
    const other = stackOfSameBucketElsewhere(theirs);
    return other && `; in the account ${to.account} it is the bucket of ${other.stackName} (${other.node.path}) of ${other.region} too`;
  };
  if (builtBy === 'lifeboat') {
    const also = inheritedShared ? '' : elsewhere();
    if (also === undefined) return undefined;
    return (
      `the DR stack ${to.stackName} (${to.node.path}) inherits the App's defaultStackSynthesizer, whose fileAssetsBucketName ${bucket} ${why}${also}. ` +
        'Write ${AWS::Region} in that fileAssetsBucketName, or build the DR stack yourself with a synthesizer for the DR region ' +
        '(new Stack(app, ..., { env: <DR region>, synthesizer: ... })) and pass it as drStack'
    );
  }
  let whose: string;
  if (inherited) {
    const also = inheritedShared ? '' : elsewhere();
    if (also === undefined) return undefined;
    whose = `has no synthesizer of its own and inherits the App's defaultStackSynthesizer, whose fileAssetsBucketName ${bucket} ${why}${also}`;
  } else if (primaryRegion !== undefined) {
    whose = `has a synthesizer whose fileAssetsBucketName ${bucket} ${why}`;
  } else {
    // A user's own synthesizer of a region-less bucket of another name may well be their DR region's bucket: only the
    // primary stack's own name, or one another region's stack of the DR account resolves to, is known to be another's.
    const primaryProps = boundSynthesizerProps(primary);
    const primaryBucket = primaryProps === undefined ? undefined : regionlessAssetsBucket(primaryProps);
    if (primaryBucket !== undefined && sameBucket({ name: primaryBucket, stack: primary, qualifier: primary.synthesizer.bootstrapQualifier }, theirs)) {
      whose = `has a synthesizer whose fileAssetsBucketName ${bucket} is the one of ${primary.stackName}'s synthesizer (${primary.node.path}), which ${why}`;
    } else {
      const also = elsewhere();
      if (also === undefined) return undefined;
      whose = `has a synthesizer whose fileAssetsBucketName ${bucket} ${why}${also}`;
    }
  }
  const drRegion = Token.isUnresolved(to.region) ? 'the DR region' : to.region;
  const subject = drStack === to ? `${to.stackName} (${to.node.path})` : `${drStack.node.path}, a NestedStack, deploys with its top-level stack ${to.stackName} (${to.node.path}), which`;
  const given = drStack === to ? 'the drStack' : `${to.stackName}`;
  return (
    `the drStack ${subject} ${whose}. Give ${given} a synthesizer whose fileAssetsBucketName names ${drRegion} ` +
      `(or ${REGION_PLACEHOLDER}): new Stack(app, ..., { env: <DR region>, synthesizer: new DefaultStackSynthesizer({ fileAssetsBucketName: ... }) })`
  );
}

/**
 * A top-level stack of the App in the DR stack's known account and another known region whose written bucket name
 * resolves to the DR stack's (review r61N F1): one S3 bucket cannot be both regions' bootstrap bucket.
 */
function stackOfSameBucketElsewhere(dr: WrittenBucket): Stack | undefined {
  const { account, region } = dr.stack;
  if (Token.isUnresolved(account) || Token.isUnresolved(region)) return undefined;
  return dr.stack.node.root.node.findAll().find((construct): construct is Stack => {
    if (!Stack.isStack(construct) || construct.nestedStackParent !== undefined || construct.account !== account) return false;
    if (Token.isUnresolved(construct.region) || construct.region === region) return false;
    const props = boundSynthesizerProps(construct);
    const name: unknown = props === undefined ? undefined : Reflect.get(props, 'fileAssetsBucketName');
    return typeof name === 'string' && sameBucket({ name, stack: construct, qualifier: construct.synthesizer.bootstrapQualifier }, dr);
  });
}

/** The top-level stack a NestedStack deploys with: its synthesizer, bootstrap and name are the ones the nested one uses. */
function topLevelStack(stack: Stack): Stack {
  return stack.nestedStackParent === undefined ? stack : topLevelStack(stack.nestedStackParent);
}

/** Whether a stack has the App's defaultStackSynthesizer, given no synthesizer of its own. */
function inheritsAppDefault(stack: Stack): boolean {
  // A stack binds a copy (reusableBind: Object.create of the instance it was given), so the instance is its prototype.
  // The App's default is in the tree's context under a key of CDK's own (private), and only it is a synthesizer there.
  return Object.values(stack.node.getAllContext()).includes(Object.getPrototypeOf(stack.synthesizer));
}

/**
 * The props of the synthesizer a stack is bound to. Private to CDK, so read defensively: undefined when this version of
 * aws-cdk-lib stores them otherwise.
 */
function boundSynthesizerProps(stack: Stack): object | undefined {
  // The instance given is the bound copy's prototype (inheritsAppDefault).
  const given: unknown = Object.getPrototypeOf(stack.synthesizer);
  const props: unknown = given === null ? undefined : Reflect.get(given as object, 'props');
  return typeof props === 'object' && props !== null ? props : undefined;
}

/** A bucket name as a synthesizer was given it, with the stack it is for and the qualifier its ${Qualifier} stands for. */
type WrittenBucket = { name: string; stack: Stack; qualifier: string | undefined };

/**
 * Whether two written bucket names name one bucket, as far as known at synth: one name is two buckets in two known
 * accounts, or of two bootstrap qualifiers. A stack of no known account deploys into the other's (the drStack's
 * rules), so it is taken as the same. ${AWS::Region} is its stack's known region (a neighbour's name may have it).
 */
function sameBucket(primary: WrittenBucket, dr: WrittenBucket): boolean {
  const accountsKnown = !Token.isUnresolved(primary.stack.account) && !Token.isUnresolved(dr.stack.account);
  const named = ({ name, stack, qualifier }: WrittenBucket): string => {
    const inAccount = accountsKnown ? name.split('${AWS::AccountId}').join(stack.account) : name;
    const inRegion = Token.isUnresolved(stack.region) ? inAccount : inAccount.split(REGION_PLACEHOLDER).join(stack.region);
    return qualifier === undefined ? inRegion : inRegion.split('${Qualifier}').join(qualifier);
  };
  return named(primary) === named(dr);
}
