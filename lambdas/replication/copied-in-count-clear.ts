import { type CopiedInNotListed } from '../catalog/scrub-record';

/**
 * Which count of copied-in snapshots an operator clears (`lifeboat scrub --clear-copied-in-count <until>`): the one whose
 * backups they verified, named by its `until` (the start of the latest run that counted some), or its `since` in a record
 * written before `until` was kept. A clear that named no count dropped whatever the record held when it ran, so entries a
 * scheduled scrub counted after the operator's check were dropped unchecked (review r57Z F1): a count whose end moved is
 * not the one verified.
 */
export function copiedInCountEnd(counted: CopiedInNotListed): string {
  return counted.until ?? counted.since;
}

/** Whether `until` names this count: the same instant as its end, however the timestamp is written. */
export function namesCopiedInCount(counted: CopiedInNotListed, until: string): boolean {
  const given = Date.parse(until);
  return !Number.isNaN(given) && given === Date.parse(copiedInCountEnd(counted));
}
