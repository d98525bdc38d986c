import { MemoryVaultStore } from '../../vault/backend/memory/memory-vault-store';
import { type ByteRange } from '../../vault/backend/vault-store';
import { MANIFEST_PREFIX } from '../../vault/repository/vault-layout';

/** A memory store that counts the GETs of manifest objects (roots, nodes and pages). */
export class ManifestCountingStore extends MemoryVaultStore {
  manifestGets = 0;
  override async get(key: string, range?: ByteRange): Promise<Buffer> {
    if (key.startsWith(MANIFEST_PREFIX)) this.manifestGets++;
    return super.get(key, range);
  }
}
