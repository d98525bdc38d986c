import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { shellWord } from '../runtime/shell-word';
import { markerVaultKeyMisfit } from './catalog-rebuild-marker-vault-key';

/**
 * Characters a line printed to every operator of a catalog must not carry: controls (a newline, ESC), format characters
 * (bidi overrides, zero-width spaces: what a terminal shows is not what a shell runs), the line and paragraph separators
 * some terminals and editors break at, and lone surrogates (review r58A F1).
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** The longest data directory taken: a bound on the marker's line, far above any real path. */
export const MARKER_DATA_DIR_MAX = 1024;

/**
 * What KMS names a key by (the forms `--vault-key` documents): a key id (a UUID, or mrk- and 32 hex digits for a
 * multi-Region key), a key ARN, an alias name (alias/ then letters, digits, '/', '_', '-', 256 characters at most in
 * all) or an alias ARN. Nothing a shell reads apart, so the quoting never has work to do.
 */
const KEY_ID = '(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})';
const ALIAS = 'alias/[A-Za-z0-9/_-]{1,250}';
const ARN_PREFIX = 'arn:aws[a-z-]{0,20}:kms:[a-z0-9-]{1,30}:[0-9]{12}:';
const KMS_KEY = new RegExp(`^(?:${KEY_ID}|${ALIAS}|${ARN_PREFIX}key/${KEY_ID}|${ARN_PREFIX}${ALIAS})$`);

/**
 * The options the catalog's marker line carries besides the function's own (catalogRebuildCommandLine: the environment
 * and --aws), which the function cannot know: on a local cloud its --data-dir (the only place that catalog's marker is
 * read from), in AWS the primary vault's --vault-key (a rebuild from the DR vault never opens it). Fields, not a line: the
 * runbook's input can be written by anyone who may start it, and the line it makes is printed to every operator who
 * later hits a refused restore by point in time, failover or drill (review r58A F1: a free-text line could carry `;`,
 * `$(…)`, bidi overrides or another environment).
 */
export const markerOptionsSchema = z
  .object({
    dataDir: z
      .string()
      .min(1, { message: 'must not be empty' })
      .max(MARKER_DATA_DIR_MAX, { message: `must be at most ${MARKER_DATA_DIR_MAX} characters` })
      .refine((dir) => !UNPRINTABLE.test(dir), { message: 'must have no control, format or line-separator characters' })
      .refine((dir) => isAbsolute(dir), { message: 'must be an absolute path (the marker is read from anywhere)' })
      .optional(),
    vaultKey: z
      .string()
      .max(512, { message: 'must be at most 512 characters' })
      .regex(KMS_KEY, { message: 'must be a KMS key id, key ARN, alias name (alias/…) or alias ARN' })
      .optional(),
  })
  .strict();
export type MarkerOptions = z.infer<typeof markerOptionsSchema>;

/**
 * The flags of the marker's options, in the order withMarkerOptions writes them: the one list the line is written from
 * and read back by (rebuild-marker-finish-line.ts), so the two never disagree on a flag.
 */
export const MARKER_OPTION_FLAGS = [
  ['dataDir', '--data-dir'],
  ['vaultKey', '--vault-key'],
] as const satisfies readonly (readonly [keyof MarkerOptions, string])[];

/** `command` with the marker's options, each a single shell word (shell-word.ts): the line every advice of one rebuild names. */
export function withMarkerOptions(command: string, options: MarkerOptions): string {
  return (
    command +
    MARKER_OPTION_FLAGS.map(([field, flag]) => {
      const value = options[field];
      return value !== undefined ? ` ${flag} ${shellWord(value)}` : '';
    }).join('')
  );
}

/**
 * Why `options` do not fit the rebuild they came with, or undefined: each belongs to one kind of run, and one that
 * cannot be meant is refused rather than printed (a --data-dir in AWS, a --vault-key on a local cloud, which has no KMS
 * key, or with the DR vault, whose rebuild never opens the primary vault's key: cli/environment-access.ts, openVault),
 * and so is a vault key that is not the one the function opens the primary vault with, `vaultKeyArn` (its VAULT_KEY_ARN;
 * catalog-rebuild-marker-vault-key.ts).
 */
export function markerOptionsMisfit(options: MarkerOptions, run: { aws: boolean; side: 'primary' | 'dr'; vaultKeyArn: () => string | undefined }): string | undefined {
  if (options.dataDir !== undefined && run.aws) return 'markerOptions.dataDir: is a local cloud\'s option, and this function runs in AWS';
  if (options.vaultKey === undefined) return undefined;
  if (!run.aws) return 'markerOptions.vaultKey: is an option of AWS, and this function runs on a local cloud (its vault has a key file)';
  if (run.side === 'dr') return 'markerOptions.vaultKey: names the primary vault\'s key, which a rebuild from the dr vault never opens';
  return markerVaultKeyMisfit(options.vaultKey, run.vaultKeyArn());
}
