import { type RebuildMarker } from './catalog-rebuild-marker';

/** Characters no line printed to an operator may carry (catalog-rebuild-marker-options.ts says why), quoted or not. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * What follows the command's words in a line a rebuild writes: words separated by spaces, each made of plain characters,
 * single-quoted runs and `\'`, the forms shellWord writes (lambdas/runtime/shell-word.ts). Nothing a shell would read
 * as more than words: no `;`, `|`, `&`, `$(…)`, backticks, redirections or globs outside quotes.
 */
const SHELL_WORDS = /^(?:[\w@%+=:,./-]|'[^']*'|\\'| )*$/;

/**
 * The command a refused restore, failover or drill names to finish the rebuild of `marker`. Its stored line when it is
 * one a rebuild writes (`lifeboat catalog rebuild --vault <its vault>`, then shell words); otherwise the generic line, the
 * marker's stored one withheld: a function from 37fe8b09 until 02d495e6 stored the free text of the runbook's input,
 * which whoever could start the runbook chose, and its marker is read back after the update (review r58C F6: it was
 * printed raw, `;`, `$(…)`, line separators and bidi overrides included, to every operator told to paste it).
 */
export function markerFinishLine(marker: RebuildMarker): string {
  const generic = `lifeboat catalog rebuild --vault ${marker.vault}`;
  const stored = marker.finishWith;
  if (stored === undefined) return generic;
  const words = stored.startsWith(`${generic} `) ? stored.slice(generic.length) : stored === generic ? '' : undefined;
  if (words !== undefined && !UNPRINTABLE.test(stored) && SHELL_WORDS.test(words)) return stored;
  return `${generic} with the options that name this catalog (--region dr for the DR region's; --env; --aws, or --data-dir on a local cloud): the command the marker keeps is not shown, as it is not one a rebuild writes`;
}
