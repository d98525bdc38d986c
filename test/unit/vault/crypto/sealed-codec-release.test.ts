import { randomBytes } from 'node:crypto';
import { open, openSync, seal, sealSync } from '../../../../vault/crypto/sealed-codec';
import { importVaultKeys } from '../../../../vault/crypto/vault-keys';

// The seal and open paths free their intermediate buffers at once (vault/platform/release-buffer.ts):
// what they hand back and what they were given must come through whole.
describe('sealed codec with its intermediate buffers released', () => {
  const MiB = 1024 * 1024;
  /** Half random, half a repeated phrase: zstd keeps the compressed form. */
  function compressible(size: number): Buffer {
    const b = randomBytes(size);
    b.fill('lifeboat vault ', size >> 1);
    return b;
  }

  it.each([
    ['compressible, 100 KiB', compressible(100 * 1024)],
    ['compressible, 1 MiB', compressible(MiB)],
    ['compressible, 3 MiB (over zstd window)', compressible(3 * MiB)],
    ['incompressible, 1 MiB', randomBytes(MiB)],
  ])('%s: round-trips byte for byte through both forms and leaves the plaintext and the stored form intact', async (_name, plain) => {
    const keys = await importVaultKeys(randomBytes(64));
    const id = randomBytes(32);
    const copy = Buffer.from(plain);
    const fromSync = sealSync(keys.encryptionKey, id, plain, 3);
    const fromAsync = await seal(keys, id, plain, { compressionLevel: 3 });
    expect(plain.equals(copy)).toBe(true);
    expect(fromSync.compressed).toBe(fromAsync.compressed);
    const limits = { maxPlaintext: plain.length, expectedLength: plain.length };
    for (const stored of [fromSync.stored, fromAsync.stored]) {
      const storedCopy = Buffer.from(stored);
      expect(openSync(keys.encryptionKey, id, stored, limits).equals(copy)).toBe(true);
      expect((await open(keys, id, stored, limits)).equals(copy)).toBe(true);
      expect(stored.equals(storedCopy)).toBe(true);
    }
  });
});
