import { z } from 'zod';
import { type SourceConfig } from '../../config/lifeboat-config';
import { daysInMonth } from '../../config/schedule-expression';
import { InvalidInputError } from '../runtime/errors';
import { describeInputIssues } from '../runtime/parse-input';

/**
 * The restore runbook's input, as typed into the Step Functions console or sent by `lifeboat
 * restore`. Every field is validated; each error names the field and says what would be valid.
 * docs/RUNBOOKS.md shows examples.
 */
export const isoInstant = z
  .string()
  .refine((s) => ISO_INSTANT.test(s) && !Number.isNaN(Date.parse(s)), {
    message: 'must be an ISO 8601 time with a zone, e.g. 2026-11-24T10:00:00Z',
  })
  .refine((s) => !ISO_INSTANT.test(s) || Number.isNaN(Date.parse(s)) || isCalendarTime(s), {
    message: 'is no time of the calendar (a day past the end of its month, an hour past 23, a minute or second past 59, or a zone offset past 23:59); e.g. 2026-11-24T10:00:00Z',
  });

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Date.parse reads 2026-02-30 as March 2: a restore "at or before" that time would take a backup newer than the one asked for. */
function isCalendarTime(text: string): boolean {
  const [, year, month, day, hour, minute, second = '0', offsetHours = '0', offsetMinutes = '0'] = ISO_INSTANT.exec(text) ?? [];
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m) && Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59 && Number(offsetHours) <= 23 && Number(offsetMinutes) <= 59;
}

/**
 * A directory target: absolute, without `.` or `..` segments and without NUL. `..` is refused, not
 * normalized: the kernel resolves `..` after following a symlink on the way, so a path that stays
 * inside the mount lexically can leave it on disk, and the checks below are lexical.
 */
const directoryTargetPath = z
  .string()
  .startsWith('/', 'must be an absolute path')
  .refine((p) => !p.includes('\0'), { message: 'must not contain a NUL byte' })
  .refine((p) => !p.split('/').some((s) => s === '..' || s === '.'), {
    message: 'must not contain "." or ".." segments (the kernel resolves ".." through symlinks, so the path could lead elsewhere than it reads); give the plain absolute path',
  });

export const restoreTargetSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('s3'), bucket: z.string().min(3).max(63), prefix: z.string().default('') }),
    z.strictObject({ type: z.literal('dynamodb'), table: z.string().min(3).max(255) }),
    z.strictObject({ type: z.literal('filesystem'), path: directoryTargetPath }),
  ],
  { error: 'must have "type" s3 (with "bucket"), dynamodb (with "table") or filesystem (with "path")' },
);
export type RestoreTarget = z.infer<typeof restoreTargetSchema>;

export const restoreRequestSchema = z
  .strictObject({
    source: z.string({ error: 'is required: the name of the protected source to restore' }).min(1),
    backupId: z.string().regex(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/, 'must be a backup id such as 20261124T100000Z-1a2b3c4d').optional(),
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
    /** Absent: the function's home vault (the primary's in the primary region, the DR vault in the DR region). */
    vault: z.enum(['primary', 'dr']).optional(),
    filter: z.strictObject({ prefix: z.string().min(1) }).optional(),
    /** Who asks, as the starter says (the CLI writes its caller identity): shown to the approver of an overwrite; not authenticated. */
    requestedBy: z.string().max(512).optional(),
  })
  .refine((r) => !(r.backupId && r.pointInTime), { message: 'give either backupId or pointInTime, not both', path: ['backupId'] });
export type RestoreRequest = Omit<z.infer<typeof restoreRequestSchema>, 'vault'> & { vault: 'primary' | 'dr' };


/**
 * Validates a restore request against the schema and against the environment's sources (`homeVault`:
 * the vault of the function's own region, the default of `vault`): the
 * source must exist, the target must be of its type, and restoring onto the source itself needs
 * `overwrite: true`.
 */
export function parseRestoreRequest(raw: unknown, sources: readonly SourceConfig[], homeVault: 'primary' | 'dr' = 'primary'): RestoreRequest & { sourceConfig: SourceConfig } {
  const parsed = restoreRequestSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(`Invalid restore request: ${describeInputIssues(parsed.error)}`);
  const request = { ...parsed.data, vault: parsed.data.vault ?? homeVault };
  if (homeVault === 'dr' && request.vault === 'primary') {
    throw new InvalidInputError(
      'Invalid restore request: vault: this is the DR region\'s restore runbook, which reads the DR vault only (so that it works with the primary region down); remove "vault" or set it to "dr", or start the primary region\'s restore runbook to restore from the primary vault',
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
  if (isOriginal(sourceConfig, request.target) && !request.overwrite) {
    throw new InvalidInputError(
      `Invalid restore request: target: this is the original ${describeSource(sourceConfig)}; restoring onto it replaces live data, so set "overwrite": true to confirm, or choose a new target`,
    );
  }
  return { ...request, sourceConfig };
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
