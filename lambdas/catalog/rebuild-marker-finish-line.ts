import { shellWord, shellWordsAfterSpaces } from '../runtime/shell-word';
import { catalogRebuildCommandLine } from './catalog-rebuild-command-line';
import { type MarkerReader, type RebuildMarker } from './catalog-rebuild-marker';
import { MARKER_OPTION_FLAGS, type MarkerOptions, markerOptionsMisfit, markerOptionsSchema, withMarkerOptions } from './catalog-rebuild-marker-options';

/**
 * The command a refused restore, failover or drill names to finish the rebuild of `marker`. Its stored line when it is
 * one the reader's own rebuild of that vault would write (writtenLineOptions); otherwise the generic line, the stored
 * one withheld: a function from 37fe8b09 until 02d495e6 stored the free text of the runbook's input, which whoever
 * could start the runbook chose, and its marker is read back after the update (review r58C F6: it was printed raw,
 * `;`, `$(…)`, line separators and bidi overrides included; review r58J F1: plain words naming another `--env`, another
 * account's `--vault-key` or another flag were shown). A marker read without its reader (`readBy`) shows none.
 */
export function markerFinishLine(marker: RebuildMarker): string {
  const generic = `lifeboat catalog rebuild --vault ${marker.vault}`;
  const stored = marker.finishWith;
  if (stored === undefined) return generic;
  const reader = marker.readBy;
  if (reader !== undefined && writtenLineOptions(stored, marker.vault, reader) !== undefined) return stored;
  if (reader?.region === 'dr' && marker.vault === 'primary') return otherRegionsVaultLine(reader);
  // The key the reader opens the primary vault with, which it knows where the pasted line would need it (review r58J F5).
  const key = reader?.aws === true && marker.vault === 'primary' && reader.vaultKeyArn !== undefined ? ` --vault-key ${shellWord(reader.vaultKeyArn)}` : '';
  return `${generic}${key} with the options that name this catalog (--region dr for the DR region's; --env; --aws, or --data-dir on a local cloud): the command the marker keeps is not shown, as it is not one a rebuild writes`;
}

/**
 * The line for a marker of the primary vault read in the DR region: the generic line there said `--vault primary` with
 * "--region dr for the DR region's", a pair the CLI refuses (exit 2: the DR catalog is rebuilt from the DR vault alone,
 * to work with the primary region down; review r59J F5). It says the marker is not of this region's vault and what each
 * region runs: the primary region finishes the rebuild the marker tells of, the DR region rebuilds its own catalog.
 */
function otherRegionsVaultLine(reader: MarkerReader): string {
  const side = (region: 'primary' | 'dr'): string => catalogRebuildCommandLine({ vault: region, region, environment: reader.environment, aws: reader.aws });
  const local = reader.aws ? '' : ' (and --data-dir of the local cloud)';
  const key = reader.aws ? ` (and --vault-key when the primary vault's key is not alias/lifeboat-${reader.environment}-vault)` : local;
  return `the marker is of a rebuild from the primary vault, not this (DR) region's, whose catalog is rebuilt from the DR vault alone: in the primary region run ${side('primary')}${key}; for this region's catalog, ${side('dr')}${local}`;
}

/**
 * The marker options `line` was written with, when it is exactly a line `reader`'s rebuild of `vault` writes: the
 * function's command of its region, environment and --aws (catalogRebuildCommandLine), then the options of
 * MARKER_OPTION_FLAGS, each at most once, each a shell word as shellWord writes it, in the order withMarkerOptions writes
 * them (the line written again from them must be `line`), and options that rebuild would take (markerOptionsMisfit: a
 * --vault-key only the reader's own key, in AWS, from the primary vault; a --data-dir only on a local cloud). Undefined
 * for any other line, and for any line of the primary vault read in the DR region. Read back from the writer's own parts, so the two cannot drift.
 */
export function writtenLineOptions(line: string, vault: RebuildMarker['vault'], reader: MarkerReader): MarkerOptions | undefined {
  // No rebuild writes it: the CLI refuses `--vault primary --region dr` (the DR catalog is rebuilt from the DR vault only,
  // to work with the primary region down), so the line would fail with exit 2 where it is pasted (review r59E F4).
  if (vault === 'primary' && reader.region === 'dr') return undefined;
  const command = catalogRebuildCommandLine({ vault, region: reader.region, environment: reader.environment, aws: reader.aws });
  if (!line.startsWith(command)) return undefined;
  const words = shellWordsAfterSpaces(line.slice(command.length));
  if (words === undefined || words.length % 2 !== 0) return undefined;
  const options: MarkerOptions = {};
  for (let i = 0; i < words.length; i += 2) {
    const field = MARKER_OPTION_FLAGS.find(([, flag]) => flag === words[i])?.[0];
    if (field === undefined || options[field] !== undefined) return undefined;
    options[field] = words[i + 1];
  }
  if (withMarkerOptions(command, options) !== line) return undefined;
  const parsed = markerOptionsSchema.safeParse(options);
  if (!parsed.success) return undefined;
  const misfit = markerOptionsMisfit(parsed.data, { aws: reader.aws, side: vault, vaultKeyArn: () => reader.vaultKeyArn });
  return misfit === undefined ? parsed.data : undefined;
}
