import { type EnvironmentConfig, mirrorOf, type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { DEFAULT_MIRROR_CHECK_SCHEDULE } from '../../lib/lifeboat-defaults';
import { environmentPrefix } from '../../lib/stacks/resource-names';
import { type MirrorRecord } from '../../lambdas/mirror/mirror-record';
import { type MirrorStatusInput, type SourceMirrorStatus, sourceMirrorStatus } from './mirror-status';

/** The mirror check's schedule a check's age is judged by: its expression and its name (`<prefix>-mirror-check`). */
export function mirrorCheckSchedule(environment: Pick<EnvironmentConfig, 'name' | 'mirrorCheck'>): MirrorStatusInput['schedule'] {
  return { expression: environment.mirrorCheck?.schedule ?? DEFAULT_MIRROR_CHECK_SCHEDULE, name: `${environmentPrefix(environment)}-mirror-check` };
}

/** The mirror buckets' prefix (`<prefix>-mirror-`, lib/lifeboat-names.ts): a check of another S3 mirror is told apart with it. */
export function mirrorBucketPrefixOf(environment: Pick<EnvironmentConfig, 'name'>): string {
  return `${environmentPrefix(environment)}-mirror-`;
}

export type PlanMirrors = {
  /** Each mirrored source of the plan, in config order, judged (mirror-status.ts). */
  mirrors: SourceMirrorStatus[];
  /** The sources whose last check could not be read, with why (their mirrors are judged `unreadable`). */
  unreadable: { source: string; error: string }[];
};

/**
 * The mirrored sources of a plan (only `source` when given) with their last checks, read from the DR
 * catalog and judged: what `lifeboat status` and `lifeboat backups list` show, read the same way. Every
 * source's check is read whatever its type: a file system's records EFS's replication state
 * (lambdas/mirror/mirror-check.ts), and a broken replication must show as one (audit R40 F1); a file
 * system without a record is `not-compared` (the local cloud, which has no EFS).
 */
export async function planMirrors(input: {
  plan: Pick<ProtectionPlanConfig, 'name' | 'objectives' | 'sources'>;
  source?: string;
  mirrorCheck: (source: string) => Promise<MirrorRecord | undefined>;
  schedule: MirrorStatusInput['schedule'];
  /** The mirror buckets' prefix (mirrorBucketPrefixOf): an S3 check of another mirror is then told apart too. */
  mirrorBucketPrefix?: string;
  now: Date;
  /** The target options of the command that shows them, for the command lines their reasons name (MirrorStatusInput). */
  commandOptions?: string;
}): Promise<PlanMirrors> {
  const { plan } = input;
  const result: PlanMirrors = { mirrors: [], unreadable: [] };
  for (const source of plan.sources.filter((s) => mirrorOf(s) !== undefined && (input.source === undefined || s.name === input.source))) {
    let check: MirrorStatusInput['check'];
    try {
      check = await input.mirrorCheck(source.name);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      check = { unreadable: error };
      result.unreadable.push({ source: source.name, error });
    }
    // The failover compares the check with the source as configured (mirror-choice.ts): status does the same, so they agree.
    const configured = { source, ...(input.mirrorBucketPrefix !== undefined ? { mirrorBucketPrefix: input.mirrorBucketPrefix } : {}) };
    result.mirrors.push(sourceMirrorStatus({ plan: plan.name, source, configured, check, rpoSeconds: plan.objectives.rpoMinutes * 60, schedule: input.schedule, now: input.now, ...(input.commandOptions !== undefined ? { commandOptions: input.commandOptions } : {}) }));
  }
  return result;
}
