import { type Vault } from '../../vault';
import { computeBlobId } from '../../vault';

/**
 * The blob ids a vault would give this content: the vault's own chunker and keyed hash over the
 * bytes read back from a restored target. Equal to a manifest entry's `content` exactly when the
 * restored bytes equal the backed-up ones — a content check that needs no second copy of the data.
 */
export async function contentIds(vault: Vault, body: AsyncIterable<Uint8Array>): Promise<{ ids: string[]; size: number }> {
  const ids: string[] = [];
  let size = 0;
  async function* buffers(): AsyncGenerator<Buffer> {
    for await (const piece of body) yield Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
  }
  for await (const chunk of vault.chunker.chunkStream(buffers())) {
    size += chunk.length;
    ids.push((await computeBlobId(vault.keys, chunk)).toString('hex'));
  }
  return { ids, size };
}

export function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
