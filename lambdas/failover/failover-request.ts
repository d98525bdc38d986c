import { z } from 'zod';
import { type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { backupIdSchema } from '../backup/backup-id';
import { InvalidInputError } from '../runtime/errors';
import { isoInstant } from '../restore/restore-request';
import { DEFAULT_FAILOVER_TARGET_SUFFIX, reservedSuffixEnding, S3_RESERVED_BUCKET_NAME_ENDS } from '../../config/failover-target-name';

/** The suffix of the failover targets when the input names none (one constant, shared with synth's name check). */
export { DEFAULT_FAILOVER_TARGET_SUFFIX };

/**
 * The failover runbook's input, as typed into the DR region's Step Functions console or sent by
 * `lifeboat failover` (docs/RUNBOOKS.md, "Failover"). Strict: a misspelt field ("backupID") is
 * refused rather than silently ignored, since a failover that restores the wrong backup is worse
 * than one that does not start.
 */
export const failoverRequestSchema = z
  .strictObject({
    plan: z.string({ error: 'must be the name of a protection plan' }).min(1, 'must be the name of a protection plan'),
    backupId: backupIdSchema.optional(),
    at: isoInstant.optional(),
    // Starts and ends with a letter or digit: it ends bucket names, which may not end in a dash.
    targetSuffix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$/, 'must be 1-20 lowercase letters, digits or dashes, starting and ending with a letter or digit')
      .default(DEFAULT_FAILOVER_TARGET_SUFFIX),
    overwrite: z.boolean({ error: 'must be true or false' }).default(false),
    /** Who asks, as the starter says (the CLI writes its caller identity): shown to the approver; not authenticated. */
    requestedBy: z.string().max(512).optional(),
    /**
     * Use a mirrored source's mirror when its last check is within the plan's RPO (docs/ARCHITECTURE.md, "Mirrors");
     * false restores every source from the vault. Default: true for the newest backup, false when backupId or at
     * names one (a mirror holds the source as it is now, not as that backup holds it); true with either is refused.
     */
    useMirrors: z.boolean({ error: 'must be true or false' }).optional(),
    /** Only these sources of the plan (a partial failover's `finish` names its failed ones); absent: every source. */
    sources: z
      .array(z.string({ error: 'must be source names' }).min(1, 'must be source names'), { error: 'must be a list of source names of the plan' })
      .min(1, 'must name at least one source (leave it out for every source of the plan)')
      .optional(),
  })
  .refine((r) => reservedSuffixEnding(r.targetSuffix) === undefined, {
    message: `must not make the bucket names end with one of S3's reserved endings (${S3_RESERVED_BUCKET_NAME_ENDS.join(', ')}), which CreateBucket refuses: choose another suffix`,
    path: ['targetSuffix'],
  })
  .refine((r) => !(r.backupId !== undefined && r.at !== undefined), { message: 'give either backupId or at, not both', path: ['backupId'] })
  .refine((r) => !(r.useMirrors === true && (r.backupId !== undefined || r.at !== undefined)), {
    message: 'a mirror holds its source as it is now, not as the backup named by backupId or at holds it: drop useMirrors to restore every source from that backup, or drop backupId and at to fail over to the newest backup and the mirrors',
    path: ['useMirrors'],
  });
/** `useMirrorsGiven`: the input said `"useMirrors": true` itself (not the default), which a mirror that keeps deleted objects needs (mirror-choice.ts). */
export type FailoverRequest = Omit<z.infer<typeof failoverRequestSchema>, 'useMirrors'> & { readonly useMirrors: boolean; readonly useMirrorsGiven: boolean };

// zod does not carry the offending value in its issues: whether a field was given is read from the input.
function given(raw: unknown, field: PropertyKey | undefined): boolean {
  return field !== undefined && typeof raw === 'object' && raw !== null && (raw as Record<PropertyKey, unknown>)[field] !== undefined;
}

function describe(error: z.ZodError, raw: unknown): string {
  return error.issues
    .map((i) => {
      const field = i.path.length ? i.path.join('.') : '(input)';
      if (i.code === 'unrecognized_keys') return `${i.keys.join(', ')}: unknown field; the fields are plan, backupId, at, targetSuffix, overwrite, requestedBy, useMirrors and sources`;
      return i.code === 'invalid_type' && i.path.length > 0 && !given(raw, i.path[0]) ? `${field}: is required` : `${field}: ${i.message}`;
    })
    .join('; ');
}

/** Validates the input against the schema and the environment's plans; every error names its field. `planConfig`: the plan, with only the `sources` named when given. */
export function parseFailoverRequest(raw: unknown, plans: readonly ProtectionPlanConfig[]): FailoverRequest & { planConfig: ProtectionPlanConfig } {
  const parsed = failoverRequestSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(`Invalid failover input: ${describe(parsed.error, raw)}`);
  const request = parsed.data;
  const planConfig = plans.find((p) => p.name === request.plan);
  if (!planConfig) {
    throw new InvalidInputError(`Invalid failover input: plan: unknown plan "${request.plan}"; known plans: ${plans.map((p) => p.name).join(', ') || '(none)'}`);
  }
  // A backup named (by id or time) is what the operator wants back: its copies, not the mirrors' present state.
  const useMirrors = request.useMirrors ?? (request.backupId === undefined && request.at === undefined);
  const useMirrorsGiven = request.useMirrors === true;
  if (request.sources === undefined) return { ...request, useMirrors, useMirrorsGiven, planConfig };
  const names = planConfig.sources.map((s) => s.name);
  const strangers = [...new Set(request.sources.filter((name) => !names.includes(name)))];
  if (strangers.length > 0) {
    throw new InvalidInputError(`Invalid failover input: sources: ${strangers.map((n) => `"${n}"`).join(', ')} ${strangers.length === 1 ? 'is not a source' : 'are not sources'} of plan "${planConfig.name}"; its sources are ${names.join(', ')}`);
  }
  return { ...request, useMirrors, useMirrorsGiven, planConfig: { ...planConfig, sources: planConfig.sources.filter((s) => request.sources?.includes(s.name)) } };
}
