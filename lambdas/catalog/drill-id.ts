/**
 * A drill's id as a drill names itself (`20261130T101500Z-1a2b3c4d`: its start, then 8 hex digits): the only form
 * `lifeboat drills show` takes. Status and report print `drills show <id>` only for an id of this form; for another
 * (a forged or damaged record's) the command would be refused, its id echoed back (review r62M F2).
 */
export const DRILL_ID = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;

/** An example of DRILL_ID, for a message that says what an id must look like. */
export const DRILL_ID_EXAMPLE = '20261130T101500Z-1a2b3c4d';

export function isDrillId(text: string): boolean {
  return DRILL_ID.test(text);
}
