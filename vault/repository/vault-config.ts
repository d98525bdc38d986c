import * as z from 'zod/mini';
import { type ChunkerParams } from '../chunker/chunker';
import { VaultError } from '../vault-errors';

/**
 * The `config` object (docs/FORMAT.md §2): sealed as kind `config` (so it is readable only with the
 * key and any change is detected), at the fixed key `config`.
 */
export const FORMAT_VERSION = 1;

/**
 * The zstd levels a vault's config may record (null: no compression). One rule for the writer and
 * the reader: a config `initVault` wrote with another level would be refused by every later open,
 * and the config is write-once, so such a vault could never be used or created again.
 */
export const COMPRESSION_LEVEL_MIN = -7;
export const COMPRESSION_LEVEL_MAX = 22;

/** Whether `level` is a compression level a vault's config may record. */
export function isCompressionLevel(level: number | null): boolean {
  return level === null || (Number.isInteger(level) && level >= COMPRESSION_LEVEL_MIN && level <= COMPRESSION_LEVEL_MAX);
}

/** Throws VaultError naming the range when `level` is no compression level a vault may record. */
export function checkCompressionLevel(level: number | null): void {
  if (!isCompressionLevel(level)) throw new VaultError(`compression level must be null (off) or a whole zstd level from ${COMPRESSION_LEVEL_MIN} to ${COMPRESSION_LEVEL_MAX}, got ${String(level)}`);
}

export const vaultConfigSchema = z.object({
  v: z.literal(FORMAT_VERSION),
  id: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  created: z.string(),
  chunker: z.object({
    minSize: z.int().check(z.nonnegative()),
    avgSize: z.int().check(z.positive()),
    maxSize: z.int().check(z.positive()),
  }),
  packSize: z.int().check(z.positive()),
  compressionLevel: z.nullable(z.int().check(z.gte(COMPRESSION_LEVEL_MIN), z.lte(COMPRESSION_LEVEL_MAX))),
});
export type VaultConfig = z.infer<typeof vaultConfigSchema>;

export type VaultTuning = {
  /** @default 512 KiB / 1 MiB / 8 MiB */
  readonly chunker?: ChunkerParams;
  /** @default 16 MiB */
  readonly packSize?: number;
  /** zstd level, null for none. @default 3 */
  readonly compressionLevel?: number | null;
};

/** The wrapped master key object at `keys/<sha256>`: plain JSON, since its ciphertext is already protected by the provider. */
export const keyObjectSchema = z.object({
  v: z.literal(FORMAT_VERSION),
  created: z.string(),
  wrapped: z.object({
    kind: z.enum(['kms', 'key-file', 'passphrase']),
    ciphertext: z.string().check(z.minLength(1)),
    params: z.record(z.string(), z.union([z.string(), z.number()])),
  }),
});
