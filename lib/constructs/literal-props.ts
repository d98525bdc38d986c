import { Token } from 'aws-cdk-lib';

/**
 * Props that must be literals at synth: Lifeboat checks them and derives physical names, policies, alarms and the other
 * region's stack from them there. A token (a Lazy value, a CfnParameter, an attribute of a resource) is known only at deploy,
 * so each literal check would refuse it with a message about its form (audit R35 F4); these say what is wrong instead.
 */

/** A literal of each such prop, by its key: the message's example. */
const EXAMPLES: Readonly<Record<string, string>> = {
  prefix: "'shop-prod'",
  environmentName: "'prod'",
  drRegion: "'us-west-2'",
  drAccount: "'123456789012'",
  approverRoleArn: "'arn:aws:iam::123456789012:role/lifeboat-approver'",
  breakGlassRoleArn: "'arn:aws:iam::123456789012:role/lifeboat-break-glass'",
  logRetentionDays: '90',
  emails: "'ops@example.com'",
  replicationLagMinutes: '60',
  name: "'daily'",
  schedule: "'rate(1 day)'",
  strategy: "'incremental'",
  rpoMinutes: '1440',
  rtoMinutes: '60',
  keepLast: '7',
  keepHourly: '24',
  keepDaily: '7',
  keepWeekly: '4',
  keepMonthly: '12',
  keepYearly: '3',
  keepWithin: "'30d'",
  timeZone: "'Europe/Berlin'",
  maxConcurrency: '8',
  fraction: '0.2',
  graceHours: '25',
  repackThreshold: '0.2',
  samples: '10',
  windowDays: '7',
  mode: "'GOVERNANCE'",
  days: '30',
  path: "'/mnt/lifeboat/data'",
  mountPath: "'/mnt/lifeboat'",
  fileSystemId: "'fs-0123456789abcdef0'",
  accessPointId: "'fsap-0123456789abcdef0'",
  vpcId: "'vpc-0123456789abcdef0'",
  subnetIds: "'subnet-0123456789abcdef0'",
  securityGroupId: "'sg-0123456789abcdef0'",
};

/** Why a literal is needed where the general reason says too little: the value reaches the DR stack, in another region. */
const REASONS: Readonly<Record<string, string>> = {
  approverRoleArn:
    "the DR stack, in another region, attaches the approver's policy to the role too, and no value of this stack can reach it there; for a role of your own stack, give it a roleName and write its ARN",
  breakGlassRoleArn: "the key and bucket policies of the DR stack, in another region, name it too, and no value of this stack can reach them there",
  emails: 'the alarm topics of both regions subscribe it, and no value of this stack can reach the DR stack, in another region',
};

/** The issue of a prop that is a token: `<path>: is a token (resolved only at deploy); ...: give a literal such as ...`. */
export function tokenPropIssue(path: string): string {
  const key = /([A-Za-z]+)(\[\d+\])?$/.exec(path)?.[1] ?? '';
  // A source's name is not a plan's.
  const example = /\.sources\[\d+\]\.name$/.test(path) ? "'assets'" : Object.hasOwn(EXAMPLES, key) ? EXAMPLES[key] : undefined;
  const reason = Object.hasOwn(REASONS, key) ? ` (${REASONS[key]})` : '';
  return `${path}: is a token (resolved only at deploy); Lifeboat derives names and policies from it and checks it at synth${reason}: give a literal${example !== undefined ? ` such as ${example}` : ' value'}`;
}

/**
 * The paths of the tokens in `value` (a string or number that is one, or one inside an array or a plain object), each below
 * `path` as props paths read (`plans[0].objectives.rpoMinutes`). Keys in `mayBeTokens` are not looked into: values that are
 * tokens legitimately, such as a source bucket's name. Constructs and other class instances are not looked into either.
 */
export function tokenPaths(value: unknown, path: string, mayBeTokens: ReadonlySet<string> = new Set()): string[] {
  if (typeof value === 'string' || typeof value === 'number') return Token.isUnresolved(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item: unknown, i) => tokenPaths(item, `${path}[${i}]`, mayBeTokens));
  if (typeof value !== 'object' || value === null) return [];
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return [];
  return Object.entries(value).flatMap(([key, item]) => (mayBeTokens.has(key) ? [] : tokenPaths(item, path === '' ? key : `${path}.${key}`, mayBeTokens)));
}
