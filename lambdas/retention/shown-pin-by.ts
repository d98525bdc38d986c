import { shownItemKeyPart } from '../catalog/shown-item-key';
import { SAFE_RESTORE_ID } from '../restore/restore-id';

/** A restore's pin names it `restore <restoreId>` (restore-pin.ts), the id a safe restore id: built from restore-id.ts's pattern. */
const RESTORE_PIN_BY = new RegExp(`^restore ${SAFE_RESTORE_ID.source.replace(/^\^/, '')}`);

/**
 * Who pinned a backup, as a line shows it. A restore's own `restore <restoreId>` is shown whole: the CLI's restore ids
 * are 49 characters (`lifeboat-restore-<UTC>-<12 hex>`), which a cut at 40 left without the part that tells two
 * restores of one second apart (review r63AA F2), and a safe restore id holds no space, so it spells no command. Any
 * other `by` (a record's, any string) is cut at 40 as a damaged record's text is (shown-item-key.ts).
 */
export function shownPinBy(by: string): string {
  return RESTORE_PIN_BY.test(by) ? by : shownItemKeyPart(by);
}
