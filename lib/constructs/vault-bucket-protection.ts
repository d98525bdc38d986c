import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { longestRetentionDays } from '../../config/object-lock-window';
import { bucketHasObjectLock } from './bucket-object-lock';
import type { LifeboatVaultImmutability } from './lifeboat-vault';
import { KEY_USER_TAG } from './security-options';

/**
 * What no principal but the break-glass one may do to a vault bucket: delete an object version (the
 * only delete that destroys data in a versioned bucket), and change or remove what keeps versions and
 * locks in place (bucket policy, lifecycle, versioning, Object Lock, governance-mode bypass), or sends
 * new objects elsewhere: the default encryption (the vault's writes name no key, so a default key of an
 * attacker's would wrap every later pack, and its deletion would take them) and a replication
 * configuration (a copy of every object in a bucket of the attacker's).
 */
export const VAULT_TAMPERING_ACTIONS = [
  's3:DeleteObjectVersion',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutLifecycleConfiguration',
  's3:PutBucketVersioning',
  's3:PutBucketObjectLockConfiguration',
  's3:BypassGovernanceRetention',
  's3:PutEncryptionConfiguration',
  's3:PutReplicationConfiguration',
];

/**
 * What the primary account's roles do in a DR vault of another account (replicate, the scrub's repair,
 * restores and the catalog rebuild from the DR vault): read, list, add objects, abort their multipart
 * uploads and extend Object Lock retention. Never a delete: in a DR vault of another account, deleting
 * is the DR account's (its prune), so a compromised primary account cannot remove a copy. Storage tiers
 * (docs/ARCHITECTURE.md): replication writes packs with their plan's tier tag (PutObject with Tagging needs
 * s3:PutObjectTagging), the scrub's repair reads a healthy pack's tags to write them with the repaired copy
 * (s3:GetObjectTagging), and a restore from the DR vault thaws archived packs (s3:RestoreObject: a temporary copy).
 * `s3:PutObject` is not among them: allowVaultUseFrom allows it create-only (createOnlyPutStatements). Retention
 * (s3:PutObjectRetention, and PutObject's lock headers) no longer than replication asks
 * for: allowVaultUseFrom's lock bounds (remoteLockBoundStatements).
 */
export const REMOTE_VAULT_USE_ACTIONS = [
  's3:GetObject',
  's3:PutObjectTagging',
  's3:GetObjectTagging',
  's3:RestoreObject',
  's3:AbortMultipartUpload',
  's3:ListBucket',
  's3:GetObjectRetention',
  's3:PutObjectRetention',
  's3:GetBucketObjectLockConfiguration',
];

/**
 * What the primary account may read the S3 legal hold of in a DR vault of another account: the snapshot objects, whose
 * hold the catalog rebuild from the DR vault reads to hold again a backup held under Object Lock (catalog-rebuild.ts,
 * objectLockHolds). Not in REMOTE_VAULT_USE_ACTIONS (every object): a hold's status on a snapshot object is all the
 * rebuild needs. Until audit g7-1 the DR vault gave none, so a rebuild of the primary catalog from it got 403 on
 * every read and created every record unheld.
 */
export const REMOTE_VAULT_LEGAL_HOLD_READ_KEYS = ['snapshots/*'];

/**
 * What the primary account may add to a DR vault of another account: what replication copies (`config`, the key
 * objects, packs, index, manifest and snapshot objects) and what the primary's scrub repairs when a DR copy is
 * missing (the same prefixes). Nothing else: the DR vault's own state (`prune/`, `drills/`, `plans/`, `parts/`) is the
 * DR account's, and an object the primary account could add there (a forged condemnation batch that does not open,
 * an archived object) would stop the DR prune at every run.
 */
export const REMOTE_VAULT_CREATE_KEYS = ['config', 'keys/*', 'data/*', 'index/*', 'manifest/*', 'snapshots/*'];

/** IAM conditions: operator → key → value(s). */
type Conditions = Record<string, Record<string, unknown>>;

/**
 * The conditions under which a PutObject can only create, S3 conditional writes (docs.aws.amazon.com/AmazonS3/latest/
 * userguide/conditional-writes-enforce.html, "Enforce conditional writes on Amazon S3 buckets"; the condition keys
 * `s3:if-none-match` and `s3:ObjectCreationOperation` of s3:PutObject in the Service Authorization Reference):
 * `s3:if-none-match` is the request's If-None-Match header, which S3 honours on PutObject and
 * CompleteMultipartUpload (its only value there is `*`, "only if the key is absent"; S3 answers 412 otherwise).
 * CreateMultipartUpload and UploadPart carry no conditional header: they are authorized as s3:PutObject with
 * `s3:ObjectCreationOperation` false and create no object; their completion is what must carry the header.
 */
export const CREATE_ONLY_CONDITIONS = {
  /** PutObject and CompleteMultipartUpload with If-None-Match: *. */
  create: { StringEquals: { 's3:if-none-match': '*' } },
  /** CreateMultipartUpload and UploadPart (no object until the completion, which needs `create`). */
  multipartPart: { Bool: { 's3:ObjectCreationOperation': 'false' } },
} as const;

/** Two condition blocks as one (IAM ANDs the keys of a block): operators present in both have their keys merged. */
function mergeConditions(a: Conditions, b: Conditions): Conditions {
  const merged: Conditions = { ...a };
  for (const [operator, keys] of Object.entries(b)) merged[operator] = { ...(merged[operator] ?? {}), ...keys };
  return merged;
}

export type CreateOnlyPutOptions = {
  /** Also allow the parts of multipart uploads (objects at or above S3VaultStore's 16 MiB threshold: packs). */
  readonly multipart: boolean;
  /** For a resource policy: whom the statements allow. */
  readonly principals?: iam.IPrincipal[];
  /** Further conditions on both statements (a resource policy's principal tag). */
  readonly conditions?: Conditions;
  /** Statement ids `<sid>Create` and `<sid>Parts` (a resource policy's statements are named). */
  readonly sid?: string;
};

/**
 * `s3:PutObject` on `resources` that can only create objects (CREATE_ONLY_CONDITIONS): one statement for whole
 * objects and completions with `If-None-Match: *`, and with `multipart` one for the uploads' parts. For keys whose
 * writers send that header (S3VaultStore.put for keys/, data/, index/, manifest/ and snapshots/; putIfAbsent for
 * `config`): with it, a role may add such an object but not replace one that exists.
 */
export function createOnlyPutStatements(resources: string[], options: CreateOnlyPutOptions): iam.PolicyStatement[] {
  const statement = (suffix: string, conditions: Conditions) =>
    new iam.PolicyStatement({
      ...(options.sid ? { sid: `${options.sid}${suffix}` } : {}),
      ...(options.principals ? { principals: options.principals } : {}),
      actions: ['s3:PutObject'],
      resources,
      conditions: mergeConditions(conditions, options.conditions ?? {}),
    });
  return [statement('Create', CREATE_ONLY_CONDITIONS.create), ...(options.multipart ? [statement('Parts', CREATE_ONLY_CONDITIONS.multipartPart)] : [])];
}

/**
 * One day beyond the longest retention replication asks for (longestRetentionDays): S3 counts
 * `s3:object-lock-remaining-retention-days` in whole days on its own clock, so a request for exactly that window,
 * made by a function whose clock runs a little ahead or counted rounded up, must still pass.
 */
export const REMAINING_RETENTION_MARGIN_DAYS = 1;

/** The actions whose requests carry a retention or an event hold: a PutObject (CopyObject, CreateMultipartUpload) with lock headers, and PutObjectRetention. */
const LOCKING_ACTIONS = ['s3:PutObject', 's3:PutObjectRetention'];

/**
 * The lock requests no Lifeboat role makes in a vault locked as `immutability` says, each as a statement id stem and
 * the conditions that match it (the condition keys `s3:object-lock-remaining-retention-days`, `s3:object-lock-event-hold`
 * and `s3:object-lock-event-hold-duration-days` of s3:PutObject and s3:PutObjectRetention in the Service Authorization
 * Reference):
 * - a retention, in either mode, of more than the days of the longest extension commit and replication make
 *   (config/object-lock-window.ts) plus REMAINING_RETENTION_MARGIN_DAYS (a numeric operator is false for an absent
 *   key, so a PutObject without lock headers, which is how Lifeboat writes, passes: S3 gives it the bucket's default
 *   retention);
 * - an event hold or its duration, which would keep an object locked until the hold is released and then for up to a
 *   hundred years (Lifeboat sets none). `holds` says how: 'any-key' denies a request that carries either key at all,
 *   'only-a-hold' only one that sets a hold (event hold ON, a duration above 0). The roles of the vaults' own account get
 *   'only-a-hold' (review r61R F2): if S3 fills the key on every lock request (an event hold OFF), 'any-key' would
 *   refuse each extension commit and replicate make. The DR bucket policy keeps 'any-key' as it was deployed: changing
 *   a deployed vault's bucket policy makes its next deploy need the break-glass role.
 * The mode is not bounded: a COMPLIANCE lock within the bound lapses by itself, and commit and replication extend an
 * object in the mode it already has, so a vault whose `mode` changed would have its extensions of older copies
 * refused (review 43d F2).
 */
function locksLifeboatNeverAsks(immutability: LifeboatVaultImmutability, holds: 'any-key' | 'only-a-hold'): { sid: string; conditions: Conditions }[] {
  const longest = longestRetentionDays(immutability.days) + REMAINING_RETENTION_MARGIN_DAYS;
  const anyKey = holds === 'any-key';
  return [
    { sid: 'DenyLongerLocks', conditions: { NumericGreaterThan: { 's3:object-lock-remaining-retention-days': String(longest) } } },
    {
      sid: 'DenyEventHolds',
      conditions: anyKey ? { Null: { 's3:object-lock-event-hold': 'false' } } : { StringEquals: { 's3:object-lock-event-hold': 'ON' } },
    },
    {
      sid: 'DenyEventHoldDurations',
      conditions: anyKey ? { Null: { 's3:object-lock-event-hold-duration-days': 'false' } } : { NumericGreaterThan: { 's3:object-lock-event-hold-duration-days': '0' } },
    },
  ];
}

/**
 * The Object Lock a principal of `account` may ask for in a vault locked as `immutability` says: denies, for every
 * principal of that account whatever another statement allows it, the lock requests of locksLifeboatNeverAsks. Without
 * them a compromised primary account could lock what it adds, or what is there, in COMPLIANCE mode for up to a
 * hundred years, which no one in the DR account, its root included, could undo (audit R34 F2).
 */
export function remoteLockBoundStatements(objects: string, account: string, immutability: LifeboatVaultImmutability): iam.PolicyStatement[] {
  const ofAccount = { StringEquals: { 'aws:PrincipalAccount': account } };
  return locksLifeboatNeverAsks(immutability, 'any-key').map(
    ({ sid, conditions }) =>
      new iam.PolicyStatement({
        sid: `${sid}ToThePrimaryAccount`,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: LOCKING_ACTIONS,
        resources: [objects],
        conditions: mergeConditions(ofAccount, conditions),
      }),
  );
}

/**
 * The same bounds for a role of the vaults' own account that may lock (commit in the primary vault, replicate in a DR
 * vault of the same account), as Deny statements of its own policy on `objects`: a role's own policy, not the bucket
 * policy, because a new statement in a deployed vault's policy makes its next deploy need the break-glass role. Without
 * them a compromised commit or replicate role could lock every object in COMPLIANCE mode until 2125, storage no prune
 * and no one, the account's root included, could free (audit a61A F3).
 */
export function lockBoundRoleStatements(objects: string[], immutability: LifeboatVaultImmutability): iam.PolicyStatement[] {
  return locksLifeboatNeverAsks(immutability, 'only-a-hold').map(({ conditions }) => new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: LOCKING_ACTIONS, resources: objects, conditions }));
}

/**
 * Lets the roles of `account` that carry `lifeboat:key-user` = `keyUser` (the protection's prefix) use
 * the vault as REMOTE_VAULT_USE_ACTIONS says, read the legal holds of its snapshot objects
 * (REMOTE_VAULT_LEGAL_HOLD_READ_KEYS), and add objects create-only: cross-account access needs the
 * bucket's consent besides the roles' own policies, which keep each role to its prefixes. By account and tag,
 * not by role ARN: the primary stack's role names are CloudFormation's, unknown to this stack, and a bucket
 * policy naming a role that does not exist yet is refused.
 *
 * Create-only, because everything the primary account writes here is written once: packs (random ids), index,
 * manifest and snapshot objects and key objects (named by their hash; S3VaultStore.put sends If-None-Match for
 * them, multipart completions included), and `config` (replicate-vault.ts writes it only where it is absent).
 * Replication keeps no cursor or marker in the DR vault, so no key needs an overwrite statement of its own, and a
 * compromised primary account cannot replace `config`, a key object or a committed object with bytes of its own.
 * The Allow statements are what cross-account access needs; the Deny says the same to every principal of that
 * account whatever another statement may allow it later: an object-creating PutObject (`s3:ObjectCreationOperation`
 * true: PutObject, CompleteMultipartUpload) without If-None-Match is refused. So is the primary's scrub's repair of a
 * damaged copy in this vault, an overwrite: the DR account deletes the damaged object, and the next scrub with repair
 * copies it as missing, create-only (docs/SECURITY.md, "The DR vault in another account").
 * With `immutability` (the vault's Object Lock), what that account may lock is bounded too (remoteLockBoundStatements).
 */
export function allowVaultUseFrom(bucket: s3.IBucket, account: string, keyUser: string, immutability?: LifeboatVaultImmutability): void {
  const primary = [new iam.AccountPrincipal(account)];
  const tagged = { StringEquals: { [`aws:PrincipalTag/${KEY_USER_TAG}`]: keyUser } };
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'VaultUseByTheProtectionsRolesOfThePrimaryAccount',
      principals: primary,
      actions: REMOTE_VAULT_USE_ACTIONS,
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      conditions: tagged,
    }),
  );
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'LegalHoldReadsByTheProtectionsRolesOfThePrimaryAccount',
      principals: primary,
      actions: ['s3:GetObjectLegalHold'],
      resources: REMOTE_VAULT_LEGAL_HOLD_READ_KEYS.map((key) => bucket.arnForObjects(key)),
      conditions: tagged,
    }),
  );
  const created = REMOTE_VAULT_CREATE_KEYS.map((key) => bucket.arnForObjects(key));
  for (const statement of createOnlyPutStatements(created, { multipart: true, principals: primary, conditions: tagged, sid: 'VaultAddsByTheProtectionsRolesOfThePrimaryAccount' })) {
    bucket.addToResourcePolicy(statement);
  }
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyOverwritesByThePrimaryAccount',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: { StringEquals: { 'aws:PrincipalAccount': account }, Null: { 's3:if-none-match': 'true' }, Bool: { 's3:ObjectCreationOperation': 'true' } },
    }),
  );
  if (immutability) for (const statement of remoteLockBoundStatements(bucket.arnForObjects('*'), account, immutability)) bucket.addToResourcePolicy(statement);
}

/** The statement id of the deny that keeps legal holds on a vault with Object Lock (denyVaultTampering). */
export const LEGAL_HOLD_RELEASE_DENY_SID = 'DenyLegalHoldReleaseButBreakGlass';

/**
 * Denies VAULT_TAMPERING_ACTIONS on the bucket and its objects to every principal whose ARN is not
 * `breakGlassArn` (docs/SECURITY.md, "Vault buckets"). CloudFormation's deployment role is among those
 * denied: the first deploy creates the settings (the policy does not exist yet when they are set), but
 * a later stack update that changes the bucket policy, lifecycle rules, versioning or Object Lock
 * fails with AccessDenied until it is deployed as the break-glass role (`cdk deploy --role-arn`).
 *
 * On a bucket with Object Lock, also the release of a legal hold (audit a2 F3): S3 lets anyone allowed
 * s3:PutObjectLegalHold lift one, and a held object older than the default retention is then deleted by a plain
 * DeleteObject plus the lifecycle rule 30 days later. Every s3:PutObjectLegalHold whose `s3:object-lock-legal-hold`
 * (the request's status, ON or OFF) is not ON is denied, so placing a hold stays open to operators; `StringNotEquals`
 * rather than `StringEquals` OFF, so that a request without the key is refused rather than let through. Only there:
 * a bucket without Object Lock has no legal holds, and a new statement in an existing vault's policy makes its next
 * deploy need the break-glass role.
 */
export function denyVaultTampering(bucket: s3.IBucket, breakGlassArn: string): void {
  const butBreakGlass = { ArnNotEquals: { 'aws:PrincipalArn': breakGlassArn } };
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyVaultTamperingButBreakGlass',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: VAULT_TAMPERING_ACTIONS,
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      conditions: butBreakGlass,
    }),
  );
  // A bucket this stack does not define (undefined) is taken to have it: a deny too many costs nothing there.
  if (bucketHasObjectLock(bucket) === false) return;
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: LEGAL_HOLD_RELEASE_DENY_SID,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObjectLegalHold'],
      resources: [bucket.arnForObjects('*')],
      conditions: { ...butBreakGlass, StringNotEquals: { 's3:object-lock-legal-hold': 'ON' } },
    }),
  );
}
