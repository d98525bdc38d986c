import { z } from 'zod';
import { type SourceConfig } from '../../config/lifeboat-config';
import { daysInMonth } from '../../config/schedule-expression';
import { backupIdSchema } from '../backup/backup-id';
import { InvalidInputError } from '../runtime/errors';
import { describeInputIssues } from '../runtime/parse-input';
import { checkSourceItselfAsTarget } from './restore-target-policy';
import {
  DYNAMODB_TABLE_NAME_RULE,
  MAX_S3_KEY_BYTES,
  S3_BUCKET_NAME_RULE,
  dynamoDbTableNameProblem,
  encodableTextProblem,
  linuxPathProblem,
  loneSurrogateProblem,
  s3BucketNameProblem,
  utf8Bytes,
} from './target-names';

/**
 * The restore runbook's input, as typed into the Step Functions console or sent by `lifeboat
 * restore`. Every field is validated; each error names the field and says what would be valid.
 * docs/RUNBOOKS.md shows examples.
 */
export const isoInstant = z.string().superRefine((text, ctx) => {
  const parts = ISO_INSTANT.exec(text);
  if (!parts || Number.isNaN(Date.parse(text))) addProblem(ctx, 'must be an ISO 8601 time with a zone, e.g. 2026-11-24T10:00:00Z');
  else if (!isCalendarTime(parts)) {
    addProblem(ctx, 'is no time of the calendar (a day past the end of its month, an hour past 23, a minute or second past 59, or a zone offset past 23:59); e.g. 2026-11-24T10:00:00Z');
  }
});

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Date.parse reads 2026-02-30 as March 2: a restore "at or before" that time would take a backup newer than the one asked for. */
function isCalendarTime([, year, month, day, hour, minute, second = '0', offsetHours = '0', offsetMinutes = '0']: RegExpExecArray): boolean {
  const m = Number(month);
  const d = Number(day);
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(Number(year), m) && Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59 && Number(offsetHours) <= 23 && Number(offsetMinutes) <= 59;
}

/**
 * A directory target: absolute, without `.` or `..` segments and without NUL, within Linux's length
 * limits (PATH_MAX, NAME_MAX) and well-formed Unicode. `..` is refused, not
 * normalized: the kernel resolves `..` after following a symlink on the way, so a path that stays
 * inside the mount lexically can leave it on disk, and the checks below are lexical.
 */
const directoryTargetPath = z
  .string()
  .startsWith('/', 'must be an absolute path')
  .refine((p) => !p.includes('\0'), { message: 'must not contain a NUL byte' })
  .refine((p) => !p.split('/').some((s) => s === '..' || s === '.'), {
    message: 'must not contain "." or ".." segments (the kernel resolves ".." through symlinks, so the path could lead elsewhere than it reads); give the plain absolute path',
  })
  // Too long a path fails at the first mkdir with ENAMETOOLONG, which names no field; NUL is refused above.
  .superRefine((p, ctx) => {
    addProblem(ctx, linuxPathProblem(p));
    addProblem(ctx, loneSurrogateProblem(p));
  })
  // `/mnt//lifeboat/x` is the same directory as `/mnt/lifeboat/x` to the kernel: one spelling for the checks against the sources' paths.
  .transform((p) => p.replace(/\/{2,}/g, '/'));

/** An S3 bucket name that S3 would accept: otherwise the restore fails at its first S3 call with an SDK error naming no field. */
const targetBucketName = z
  .string()
  .min(3)
  .max(63)
  .superRefine((name, ctx) => {
    const problem = s3BucketNameProblem(name);
    if (problem) addProblem(ctx, `is no valid S3 bucket name: ${problem}; ${S3_BUCKET_NAME_RULE}`);
  });

const targetTableName = z
  .string()
  .min(3)
  .max(255)
  .superRefine((name, ctx) => {
    const problem = dynamoDbTableNameProblem(name);
    if (problem) addProblem(ctx, `is no valid DynamoDB table name: ${problem}; ${DYNAMODB_TABLE_NAME_RULE}`);
  });

/**
 * Prepended to every restored key: it must leave at least one byte of S3's key limit (the keys
 * themselves: parseRestoreRequest, with the filter), and be text S3 stores as given.
 */
const targetKeyPrefix = z.string().superRefine((prefix, ctx) => {
  const bytes = utf8Bytes(prefix);
  if (bytes >= MAX_S3_KEY_BYTES) {
    addProblem(ctx, `is ${bytes} bytes long in UTF-8, which leaves no room within S3's ${MAX_S3_KEY_BYTES}-byte key limit for the keys restored under it (each restored key is the prefix followed by the object's key); use a prefix of at most ${MAX_S3_KEY_BYTES - 1} bytes`);
  }
  addProblem(ctx, encodableTextProblem(prefix));
});

/** An S3 key prefix or a directory path; its length limit depends on the source's type (parseRestoreRequest). */
const filterPrefix = z
  .string()
  .min(1)
  .superRefine((prefix, ctx) => addProblem(ctx, encodableTextProblem(prefix)));

function addProblem(ctx: z.RefinementCtx, message: string | undefined): void {
  if (message !== undefined) ctx.addIssue({ code: 'custom', message });
}

export const restoreTargetSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('s3'), bucket: targetBucketName, prefix: targetKeyPrefix.default('') }),
    z.strictObject({ type: z.literal('dynamodb'), table: targetTableName }),
    z.strictObject({ type: z.literal('filesystem'), path: directoryTargetPath }),
  ],
  { error: 'must have "type" s3 (with "bucket"), dynamodb (with "table") or filesystem (with "path")' },
);
export type RestoreTarget = z.infer<typeof restoreTargetSchema>;

export const restoreRequestSchema = z
  .strictObject({
    source: z.string({ error: 'is required: the name of the protected source to restore' }).min(1),
    backupId: backupIdSchema.optional(),
    pointInTime: isoInstant.optional(),
    target: restoreTargetSchema,
    overwrite: z.boolean().default(false),
    /** File systems: keep setuid/setgid bits of restored files (dropped by default: the runbook restores other people's files). */
    keepSetIdBits: z.boolean().default(false),
    /**
     * S3 targets: restore into a bucket without default encryption or without Block Public Access
     * (all four settings), which is refused otherwise (target-bucket-protection.ts).
     */
    allowUnprotectedTarget: z.boolean().default(false),
    /**
     * DynamoDB targets: "off" leaves the source's TTL off on the table the restore creates, so that no restored
     * item is deleted for its TTL time having passed (restoring an older backup to look at expired data); the
     * report names the attribute to turn it on by. Absent or "on": turned on as the source had it.
     */
    timeToLive: z.enum(['on', 'off'], { error: 'must be "on" (the source\'s TTL, the default) or "off" (left off on the restored table)' }).optional(),
    /** Absent: the function's home vault (the primary's in the primary region, the DR vault in the DR region). */
    vault: z.enum(['primary', 'dr']).optional(),
    filter: z.strictObject({ prefix: filterPrefix }).optional(),
    /** Who asks, as the starter says (the CLI writes its caller identity): shown to the approver of an overwrite; not authenticated. */
    requestedBy: z.string().max(512).optional(),
  })
  .refine((r) => !(r.backupId && r.pointInTime), { message: 'give either backupId or pointInTime, not both', path: ['backupId'] });
export type RestoreRequest = Omit<z.infer<typeof restoreRequestSchema>, 'vault'> & { vault: 'primary' | 'dr' };


/**
 * Validates a restore request against the schema and against the environment's sources (`homeVault`:
 * the vault of the function's own region, the default of `vault`): the
 * source must exist, the target must be of its type, restoring onto the source itself needs
 * `overwrite: true` and what IAM grants of it (checkSourceItselfAsTarget), and a pointInTime is chosen
 * among the home vault's backups only. The approval step runs this too, before anyone is asked.
 */
export function parseRestoreRequest(raw: unknown, sources: readonly SourceConfig[], homeVault: 'primary' | 'dr' = 'primary'): RestoreRequest & { sourceConfig: SourceConfig } {
  const parsed = restoreRequestSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(`Invalid restore request: ${describeInputIssues(parsed.error, raw)}`);
  const request = { ...parsed.data, vault: parsed.data.vault ?? homeVault };
  if (homeVault === 'dr' && request.vault === 'primary') {
    throw new InvalidInputError(
      'Invalid restore request: vault: this is the DR region\'s restore runbook, which reads the DR vault only (so that it works with the primary region down); remove "vault" or set it to "dr", or start the primary region\'s restore runbook to restore from the primary vault',
    );
  }
  // The catalog this runbook reads is its own region's, and retention forgets each vault's backups on its own schedule
  // (drRetention may keep more): "the newest backup at or before" among the home vault's is not the other vault's (audit R41 F3).
  if (request.pointInTime !== undefined && request.vault !== homeVault) {
    throw new InvalidInputError(
      `Invalid restore request: pointInTime: this runbook chooses a point in time's backup among those its own (${homeVault}) vault keeps, which need not be those the ${request.vault} vault keeps; give "backupId" instead (lifeboat backups list --all shows the DR COPY of each), or start the DR region's restore runbook (lifeboat restore --from dr), whose catalog is the DR vault's`,
    );
  }
  const sourceConfig = sources.find((s) => s.name === request.source);
  if (!sourceConfig) {
    throw new InvalidInputError(`Invalid restore request: source: unknown source "${request.source}"; known sources: ${sources.map((s) => s.name).join(', ')}`);
  }
  if (request.target.type !== sourceConfig.type) {
    throw new InvalidInputError(
      `Invalid restore request: target.type: source "${sourceConfig.name}" is a ${sourceConfig.type} source; restore it to a ${sourceConfig.type} target`,
    );
  }
  if (request.keepSetIdBits && request.target.type !== 'filesystem') {
    throw new InvalidInputError(`Invalid restore request: keepSetIdBits: applies to file-system targets only; remove it for a ${request.target.type} target`);
  }
  if (request.allowUnprotectedTarget && request.target.type !== 's3') {
    throw new InvalidInputError(`Invalid restore request: allowUnprotectedTarget: applies to S3 targets only (their encryption and Block Public Access); remove it for a ${request.target.type} target`);
  }
  if (request.timeToLive !== undefined && request.target.type !== 'dynamodb') {
    throw new InvalidInputError(`Invalid restore request: timeToLive: applies to DynamoDB targets only (the TTL of the table the restore creates); remove it for a ${request.target.type} target`);
  }
  if (request.timeToLive === 'off' && request.overwrite) {
    throw new InvalidInputError(
      'Invalid restore request: timeToLive: "off" applies to a table the restore creates, and with "overwrite": true the target may be an existing table, whose TTL the restore leaves as it is; turn its TTL off first (aws dynamodb update-time-to-live) and remove "timeToLive", or restore into a new table without "overwrite"',
    );
  }
  const keyProblem = restoredKeyProblem(sourceConfig, request.target, request.filter?.prefix);
  if (keyProblem) throw new InvalidInputError(`Invalid restore request: ${keyProblem}`);
  checkSourceItselfAsTarget(sourceConfig, request.target, sources, homeVault);
  if (isOriginal(sourceConfig, request.target) && !request.overwrite) {
    throw new InvalidInputError(
      `Invalid restore request: target: this is the original ${describeSource(sourceConfig)}; restoring onto it replaces live data, so set "overwrite": true to confirm, or choose a new target`,
    );
  }
  return { ...request, sourceConfig };
}

/**
 * The filter's prefix against the source's names (an S3 key has at most 1024 bytes, a directory path
 * Linux's limits), and against the target: every restored key is `target.prefix` followed by a key
 * that starts with `filter.prefix`, so together they must fit in one key. Otherwise the plan finds
 * nothing, or every object fails to upload with an S3 error naming no field.
 */
function restoredKeyProblem(source: SourceConfig, target: RestoreTarget, filter: string | undefined): string | undefined {
  if (filter === undefined) return undefined;
  if (source.type === 'filesystem') {
    const problem = linuxPathProblem(filter);
    return problem === undefined ? undefined : `filter.prefix: ${problem}`;
  }
  if (source.type !== 's3') return undefined;
  const filterBytes = utf8Bytes(filter);
  if (filterBytes > MAX_S3_KEY_BYTES) {
    return `filter.prefix: is ${filterBytes} bytes long in UTF-8, longer than any S3 key (at most ${MAX_S3_KEY_BYTES} bytes), so it matches nothing; give a prefix of at most ${MAX_S3_KEY_BYTES} bytes`;
  }
  const targetBytes = target.type === 's3' ? utf8Bytes(target.prefix) : 0;
  if (targetBytes + filterBytes > MAX_S3_KEY_BYTES) {
    return `target.prefix: every restored key is target.prefix (${targetBytes} bytes) followed by a key starting with filter.prefix (${filterBytes} bytes), together over S3's ${MAX_S3_KEY_BYTES}-byte key limit; shorten either so that both fit in ${MAX_S3_KEY_BYTES} bytes`;
  }
  return undefined;
}

function isOriginal(source: SourceConfig, target: RestoreTarget): boolean {
  if (source.type === 's3' && target.type === 's3') return source.bucket === target.bucket;
  if (source.type === 'dynamodb' && target.type === 'dynamodb') return source.table === target.table;
  if (source.type === 'filesystem' && target.type === 'filesystem') return trimSlash(source.path) === trimSlash(target.path);
  return false;
}

function trimSlash(p: string): string {
  return p.replace(/\/+$/, '') || '/';
}

function describeSource(source: SourceConfig): string {
  return source.type === 's3' ? `bucket ${source.bucket}` : source.type === 'dynamodb' ? `table ${source.table}` : `directory ${source.path}`;
}
