import { cut } from '../runtime/cut-text';
import { unseenEscaped } from '../runtime/quoted-service-words';

/** Characters (code points) of a vault key a line shows: the engine's keys are under 80. */
const VAULT_KEY_SHOWN = 200;

/**
 * A vault object's key as a line shows it: a vault's keys are the engine's own (hex ids), but a line on a terminal or in
 * a log is not where a newline or ESC of a key put there by hand gets to forge or colour a line (unseenEscaped), nor a
 * page-long one its room (cut at VAULT_KEY_SHOWN characters, as a catalog name is). Reports and records (--json, the
 * repaired objects) keep the key whole.
 */
export function shownVaultKey(key: string): string {
  return cut(key, VAULT_KEY_SHOWN, unseenEscaped);
}
