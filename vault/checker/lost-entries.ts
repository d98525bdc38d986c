import { type PackEntry } from '../pack/pack-format';

/**
 * What damage to a vault costs its snapshots (verify.ts): which blobs are lost, and which manifest
 * entries reference them (or blobs no index lists). docs/ARCHITECTURE.md, "What damage costs, per snapshot".
 */
/** Entries that reference blobs of one kind of trouble: how many, which blobs, the first entry and blob met. */
type BlobFinding = { entries: number; readonly blobs: Set<string>; example: { path: string; blob: string } };

function noFinding(): BlobFinding {
  return { entries: 0, blobs: new Set(), example: { path: '', blob: '' } };
}

/** What a set of manifest entries (a page, a node's pages, a snapshot) references that no index lists (`absent`) or whose data is gone (`lost`). */
export class EntryFindings {
  readonly absent = noFinding();
  readonly lost = noFinding();

  entry(path: string, absent: readonly string[], lost: readonly string[]): void {
    record(this.absent, path, absent);
    record(this.lost, path, lost);
  }

  add(other: EntryFindings | undefined): void {
    if (!other) return;
    merge(this.absent, other.absent);
    merge(this.lost, other.lost);
  }

  any(): boolean {
    return this.absent.entries > 0 || this.lost.entries > 0;
  }
}

function record(f: BlobFinding, path: string, blobs: readonly string[]): void {
  if (blobs.length === 0) return;
  if (f.entries === 0) f.example = { path, blob: blobs[0] as string };
  f.entries++;
  for (const b of blobs) f.blobs.add(b);
}

function merge(into: BlobFinding, from: BlobFinding): void {
  if (from.entries === 0) return;
  if (into.entries === 0) into.example = from.example;
  into.entries += from.entries;
  for (const b of from.blobs) into.blobs.add(b);
}

/** Copies of blobs found gone, against the copies the indexes list; a blob is lost when every copy is. */
export class LostBlobs {
  private readonly gone = new Map<string, number>();

  constructor(private readonly packs: ReadonlyMap<string, { readonly entries: readonly PackEntry[] }>) {}

  lose(id: Uint8Array): void {
    const hex = Buffer.from(id).toString('hex');
    this.gone.set(hex, (this.gone.get(hex) ?? 0) + 1);
  }

  lost(): Set<string> {
    if (this.gone.size === 0) return new Set();
    const copies = new Map<string, number>();
    for (const { entries } of this.packs.values()) {
      for (const e of entries) {
        const hex = e.id.toString('hex');
        if (this.gone.has(hex)) copies.set(hex, (copies.get(hex) ?? 0) + 1);
      }
    }
    return new Set([...this.gone].filter(([hex, n]) => n >= (copies.get(hex) ?? 0)).map(([hex]) => hex));
  }
}
