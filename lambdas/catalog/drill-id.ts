/**
 * A drill's id as a drill names itself (`20261130T101500Z-1a2b3c4d`: its start, then 8 hex digits): the only form
 * `lifeboat drills show` takes. Status and report print `drills show <id>` only for an id of this form; for another
 * (a forged or damaged record's) the command would be refused, its id echoed back (review r62M F2).
 */
export const DRILL_ID = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;

/** An example of DRILL_ID, for a message that says what an id must look like. */
export const DRILL_ID_EXAMPLE = '20261130T101500Z-1a2b3c4d';

/**
 * The key of a drill's report object in its vault bucket (`drills/<id>.json`, drill-record.ts's drillReportKey), the
 * id captured: built from DRILL_ID, so a key the record, the period listing and `drills evidence` take holds an id
 * `drills show` takes too (review r63G F6: each held its own copy of the pattern).
 */
export const DRILL_REPORT_KEY = new RegExp(`^drills/(${DRILL_ID.source.replace(/^\^|\$$/g, '')})\\.json$`);

/** An example of DRILL_REPORT_KEY, for a message that says what a key must look like. */
export const DRILL_REPORT_KEY_EXAMPLE = `drills/${DRILL_ID_EXAMPLE}.json`;

export function isDrillId(text: string): boolean {
  return DRILL_ID.test(text);
}
