import * as z from 'zod/mini';
import { type ChunkerParams } from '../chunker/chunker';

/**
 * The `config` object (docs/FORMAT.md §2): sealed as kind `config` (so it is readable only with the
 * key and any change is detected), at the fixed key `config`.
 */
export const FORMAT_VERSION = 1;

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
  compressionLevel: z.nullable(z.int().check(z.gte(-7), z.lte(22))),
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
