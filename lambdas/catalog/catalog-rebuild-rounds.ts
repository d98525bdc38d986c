import { z } from 'zod';
import { type CatalogRebuildReport, HOLD_NOT_REBUILT, legalHoldTally, type LegalHoldTally, legalHoldWarnings, type RebuiltBackup } from './catalog-rebuild';
import { type CatalogRebuildSummary, LISTED_AT_MOST } from './catalog-rebuild-summary';

/**
 * The running totals of the catalog-rebuild runbook's rounds, kept in its state (`$.rebuild`). A round sees the records
 * the earlier ones created as already in the catalog (`unchanged`, with no note), so what only their creation says is
 * carried here: how many were created, their legal holds (none rebuilt, recovered from Object Lock, the reads refused)
 * and the entries a reader must see. Until review rH F1 the execution's output had the last round's warnings alone, so a
 * run whose earlier rounds created every record said nothing of the legal holds to give back before retention next runs.
 * Small on purpose (Step Functions' 256 KiB): counts, and the listed entries inside the round's summary (at most LISTED_AT_MOST).
 */

/** A refused GetObjectLegalHold's message is kept this long: it says why, and the state stays small. */
const REFUSAL_CHARS = 500;

const rebuiltBackupSchema = z.object({
  backupId: z.string(),
  plan: z.string().optional(),
  outcome: z.enum(['created', 'updated', 'unchanged', 'kept', 'skipped']),
  note: z.string().optional(),
  derived: z.array(z.string()).optional(),
  unrecovered: z.array(z.string()).optional(),
  rebuiltEarlier: z.literal(true).optional(),
});

/**
 * What the previous round's result (`$.rebuild`) holds of the totals; absent fields (a round of a runbook from before
 * them) count 0, but for `holds`: absent with records created, those records are counted as not held (review rL R4: read
 * as 0, the execution's output said nothing of the holds the earlier rounds did not rebuild).
 */
export const earlierRoundsShape = {
  created: z.number().int().nonnegative(),
  holds: z
    .object({ notRebuilt: z.number().int().nonnegative(), recovered: z.number().int().nonnegative(), refused: z.string().optional(), presumedNotRebuilt: z.number().int().nonnegative().optional() })
    .optional(),
  createdAttention: z.number().int().nonnegative().optional(),
  report: z.object({ attention: z.array(rebuiltBackupSchema) }).optional(),
};
export type EarlierRounds = z.infer<z.ZodObject<typeof earlierRoundsShape>>;

export type RoundsTotals = {
  /** Records created by this round and the earlier ones. */
  created: number;
  holds: LegalHoldTally;
  /** Records created by this round and the earlier ones with an entry a reader must see, listed or not. */
  createdAttention: number;
  /** This round's summary with the earlier rounds added: outcomes, warnings, attention and notListed over the whole run. */
  summary: CatalogRebuildSummary;
};

/** A created record with something to say besides its hold (as the summary's `attention` lists it). */
function createdWithNote(b: RebuiltBackup): boolean {
  return b.outcome === 'created' && (b.note !== undefined || b.derived !== undefined || (b.unrecovered ?? []).some((u) => u !== HOLD_NOT_REBUILT));
}

/** The legal holds of the records the earlier rounds created, as their state carries them (see earlierRoundsShape for an absent `holds`). */
export function earlierHolds(earlier: EarlierRounds | undefined): LegalHoldTally {
  const created = earlier?.created ?? 0;
  return earlier?.holds ?? { notRebuilt: created, recovered: 0, ...(created > 0 ? { presumedNotRebuilt: created } : {}) };
}

/** This round's report and summary, with what the earlier rounds carried added; `location`: the vault read (for the warnings). */
export function addUpRounds(report: CatalogRebuildReport, summary: CatalogRebuildSummary, earlier: EarlierRounds | undefined, location: string): RoundsTotals {
  const createdBefore = earlier?.created ?? 0;
  const created = createdBefore + summary.outcomes.created;
  // What earlier rounds created, this one finds in the catalog: counted as created, as the run did.
  const outcomes = { ...summary.outcomes, created, unchanged: Math.max(0, summary.outcomes.unchanged - createdBefore) };

  const before = earlierHolds(earlier);
  const now = legalHoldTally(report);
  const refused = before.refused ?? now.refused?.slice(0, REFUSAL_CHARS);
  const holds: LegalHoldTally = {
    notRebuilt: before.notRebuilt + now.notRebuilt,
    recovered: before.recovered + now.recovered,
    ...(refused !== undefined ? { refused } : {}),
    ...(before.presumedNotRebuilt !== undefined ? { presumedNotRebuilt: before.presumedNotRebuilt } : {}),
  };
  const warnings = legalHoldWarnings(holds, location);

  // The earlier rounds' created entries after this round's (which lists what was skipped and kept first), within the bound.
  const carried = (earlier?.report?.attention ?? []).filter((b) => b.outcome === 'created');
  const carriedIds = new Set(carried.map((b) => b.backupId));
  const own = summary.attention.filter((b) => !carriedIds.has(b.backupId));
  const room = Math.max(0, LISTED_AT_MOST - summary.missingFromVault.length - summary.unreadableSnapshots.length - own.length);
  const listedCarried = carried.slice(0, room);
  const createdAttentionBefore = earlier?.createdAttention ?? carried.length;
  const notListed = summary.notListed + (createdAttentionBefore - listedCarried.length) - (summary.attention.length - own.length);

  // The last round's warnings say what it created alone: replaced by the run's.
  const rest: CatalogRebuildSummary = { ...summary };
  delete rest.warnings;
  return {
    created,
    holds,
    createdAttention: createdAttentionBefore + report.backups.filter(createdWithNote).length,
    summary: { ...rest, outcomes, attention: [...own, ...listedCarried], notListed: Math.max(0, notListed), ...(warnings.length > 0 ? { warnings } : {}) },
  };
}
