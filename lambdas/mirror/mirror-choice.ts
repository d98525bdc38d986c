import { z } from 'zod';
import { mirrorOf, type SourceConfig } from '../../config/lifeboat-config';
import { mirrorDataAge, type MirrorRecord, vouchedCleanPass } from './mirror-record';
import { otherDataChecked, s3MirrorOf } from './pass-source';
import { passProgressText } from './pass-progress';
import { differingKeyText } from './reported-difference';

/** Where a failover takes a source from, and why (the failover report says it per source). */
export const mirrorChoiceSchema = z.object({
  source: z.string().min(1),
  use: z.enum(['mirror', 'vault']),
  reason: z.string(),
  /** With `mirror`: the mirror as the report names targets (`s3://bucket/prefix`, `dynamodb table <name>`). */
  target: z.string().optional(),
  type: z.enum(['s3', 'dynamodb', 'filesystem']),
  /** With `mirror`: how old its data may be at the failover's start (time since its last clean complete pass started + the largest lag measured since). */
  dataAgeSeconds: z.number().nonnegative().optional(),
});
export type MirrorChoice = z.infer<typeof mirrorChoiceSchema>;

const secs = (s: number): string => `${Math.round(s * 10) / 10} s`;

/**
 * Mirror or vault for one source of a failover: the mirror when the source is mirrored, its last check
 * passed with no difference left unresolved (a difference an earlier window found and no run has seen
 * equal since: mirror-verdict.ts), and the data it holds is within the plan's RPO. A check compares one
 * window of the source, so its lag says nothing of the entries no window has reached yet: the data age is
 * the time since the last clean complete pass started (a pass over the whole source that found no
 * difference: every entry was seen equal after that time) plus the largest lag measured since (an
 * unmeasured lag counts as none, and the reason says so). Without such a pass (a record of an earlier
 * version included; a pass that ended with keys in flight counts once they are seen replicated, one with keys in flight it
 * could not follow never does), how old
 * the mirror's data is is unknown. A record of other data (the source's bucket, prefix or table changed
 * since: MirrorRecord.passOver) says nothing of this source. Otherwise the vault, with the reason.
 * An S3 mirror with `{ deleteMarkers: false }` keeps the objects deleted from the source, so the applications would see
 * them back: it is not a faithful copy, and is taken only when the failover's input gave `useMirrors` true itself
 * (`useMirrorsGiven`), its reason then saying so; by default (useMirrors not given) the vault, saying how to use it anyway.
 */
export function chooseSourceCopy(
  source: SourceConfig,
  check: MirrorRecord | undefined,
  options: { rpoMinutes: number; startedAt: number; mirrorBucketPrefix: string | undefined; useMirrors: boolean; useMirrorsGiven?: boolean },
): MirrorChoice {
  const vault = (reason: string): MirrorChoice => ({ source: source.name, type: source.type, use: 'vault', reason });
  const mirror = mirrorOf(source);
  if (!mirror) return vault('not mirrored: restored from the DR vault');
  if (!options.useMirrors) return vault('mirror not used: the failover was started with "useMirrors": false, or names a backup (backupId or at), which the mirror does not hold');
  const keepsDeleted = mirror.deleteMarkers === false;
  if (keepsDeleted && options.useMirrorsGiven !== true) {
    return vault('this mirror keeps objects deleted from the source (deleteMarkers false): give useMirrors true (lifeboat failover --use-mirrors) to use it anyway; restored from the DR vault');
  }
  if (source.type === 'filesystem') return vault('file-system mirrors are not compared by the mirror check, so their freshness is unknown: restored from the DR vault');
  if (source.type === 's3' && options.mirrorBucketPrefix === undefined) return vault('this function does not know the mirror buckets (LIFEBOAT_MIRROR_BUCKET_PREFIX): restored from the DR vault');
  if (!check) return vault('no mirror check is recorded yet: restored from the DR vault');
  // The configuration changed since the last check (another bucket, prefix or table): that check was about other data.
  const other = otherDataChecked(source, check, options.mirrorBucketPrefix);
  if (other) {
    return vault(`the last mirror check (${check.checkedAt}) compared ${other.compared}, not ${other.configured}: the source changed since, and the next check starts a new pass over it; restored from the DR vault`);
  }
  // A difference still open means the mirror lacks data, whatever the last window's lag says (also in a record marked passed, which no check writes).
  const open = check.unresolvedSince !== undefined || (check.unresolved?.length ?? 0) > 0 || check.untracked !== undefined;
  if (!check.passed || open) {
    // The reason is in the failover's output and report: a DynamoDB key by its names and digest, never its values
    // (a table's key is named so whichever of the source and its record says it is one).
    const keyType = source.type === 'dynamodb' ? source.type : check.type;
    const first = check.firstDifference
      ? `first differing ${differingKeyText(keyType, check.firstDifference.key)} (${check.firstDifference.reason})`
      : check.differences > 0
        ? `${check.differences} difference(s) not listed by key`
        : (check.note ?? 'not compared');
    const since = check.unresolvedSince !== undefined && check.unresolvedSince !== check.checkedAt ? `, a difference unresolved since ${check.unresolvedSince}` : '';
    return vault(`the last mirror check (${check.checkedAt}) failed${since}: ${first}; restored from the DR vault`);
  }
  const cleanPassStartedAt = vouchedCleanPass(check);
  if (cleanPassStartedAt === undefined) {
    return vault(
      `no pass of the mirror check over the whole source has ended without a difference yet${passProgressText(check)}: each check compares one window, so how old the mirror's data is is unknown; restored from the DR vault`,
    );
  }
  const { sinceCheckSeconds: sinceCheck, sincePassSeconds: sincePass, lagSeconds: lag, dataAgeSeconds: dataAge } = mirrorDataAge(check, cleanPassStartedAt, options.startedAt);
  const rpo = options.rpoMinutes * 60;
  // A last window may hold only keys the mirror alone has (the tail of an S3 pass, a DynamoDB replica's window): "0 entries
  // equal" would read as a mirror found empty (review R2-F2), so the count is left out then.
  const equal = check.compared > 0 ? ` (${check.compared} entries equal)` : '';
  const measured =
    `checked ${secs(sinceCheck)} before the failover${equal}, lag ${lag === undefined ? 'not measured' : secs(lag)}, ` +
    `its last clean pass over the whole source started ${secs(sincePass)} before`;
  if (dataAge > rpo) {
    // A later pass held by keys in flight would bring the data age down once it counts: say what it waits for (review r1 F3 on 33caacf).
    const held = check.candidatePass ? passProgressText(check) : '';
    return vault(`the mirror was ${measured}: its data may be ${secs(dataAge)} old, beyond the plan's RPO of ${secs(rpo)}${held}; restored from the DR vault`);
  }
  const kept = keepsDeleted ? '; it keeps objects deleted from the source (deleteMarkers false), used because the failover was started with "useMirrors": true' : '';
  const target = source.type === 's3' ? s3MirrorOf(source, options.mirrorBucketPrefix ?? '') : `dynamodb table ${source.table}`;
  return { source: source.name, type: source.type, use: 'mirror', reason: `the mirror was ${measured}: data at most ${secs(dataAge)} old, within the plan's RPO of ${secs(rpo)}${kept}`, target, dataAgeSeconds: dataAge };
}
