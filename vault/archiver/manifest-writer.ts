import { comparePaths, type ManifestEntry } from '../manifest/manifest-entry';
import { type PageRef } from '../manifest/manifest-format';
import { DuplicateEntryError, PageRunWriter } from '../manifest/manifest-pages';
import { type VaultKeys } from '../crypto/vault-keys';
import { type VaultStore } from '../backend/vault-store';

export type ManifestWriterContext = {
  readonly store: VaultStore;
  readonly keys: VaultKeys;
  /** Entries held in memory before a sorted run of pages is written. */
  readonly runEntries: number;
  /** Called with the first error of a run written in the background; `finish` throws it too. */
  readonly onError: (err: unknown) => void;
};

/**
 * The manifest side of a snapshot writer: entries arrive in any order, are held until `runEntries`
 * of them are buffered, then sorted and written as one run of manifest pages (runs are written one
 * at a time, in the background). The runs are this writer's part of the snapshot; commit merges the
 * runs of every part into the manifest's sorted pages and root (Vault.commitSnapshot). A path
 * recorded twice in one run is a DuplicateEntryError.
 */
export class ManifestWriter {
  private entries: ManifestEntry[] = [];
  private readonly runs: PageRef[][] = [];
  private runWrite: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: ManifestWriterContext) {}

  record(entry: ManifestEntry): void {
    this.entries.push(entry);
    if (this.entries.length >= this.ctx.runEntries) this.flushRun();
  }

  /** Writes the buffered entries; resolves with every run's pages, in the order the runs were written. */
  async finish(): Promise<PageRef[][]> {
    this.flushRun();
    await this.runWrite;
    return this.runs;
  }

  /** Sorts the buffered entries and writes them as one run of pages (chained, so runs are written one at a time). */
  private flushRun(): void {
    if (this.entries.length === 0) return;
    const entries = this.entries.sort((a, b) => comparePaths(a.path, b.path));
    this.entries = [];
    this.runWrite = this.runWrite.then(async () => {
      const writer = new PageRunWriter(this.ctx.store, this.ctx.keys);
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i] as ManifestEntry;
        if (i > 0 && (entries[i - 1] as ManifestEntry).path === e.path) throw new DuplicateEntryError(e.path);
        await writer.add(e);
      }
      await writer.flush();
      this.runs.push(writer.pages);
    });
    this.runWrite.catch((err: unknown) => this.ctx.onError(err));
  }
}
