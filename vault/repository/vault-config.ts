import { z } from 'zod';
import { type ChunkerParams } from '../chunker/chunker';

/**
 * The `config` object (docs/FORMAT.md §2): sealed as kind `config` (so it is readable only with the
 * key and any change is detected), at the fixed key `config`.
 */
export const FORMAT_VERSION = 1;

export const vaultConfigSchema = z.object({
  v: z.literal(FORMAT_VERSION),
  id: z.string().regex(/^[0-9a-f]{32}$/),
  created: z.string(),
  chunker: z.object({
    minSize: z.number().int().nonnegative(),
    avgSize: z.number().int().positive(),
    maxSize: z.number().int().positive(),
  }),
  packSize: z.number().int().positive(),
  compressionLevel: z.number().int().min(-7).max(22).nullable(),
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
    ciphertext: z.string().min(1),
    params: z.record(z.string(), z.union([z.string(), z.number()])),
  }),
});
