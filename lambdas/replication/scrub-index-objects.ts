import { indexKey, loadIndexObject, type LoadedIndexObject, mapBounded, type VaultKeys, type VaultStore } from '../../vault';
import { type VaultSide } from '../runtime/runtime-config';
import { ReadsStoppedError } from './reads-until-vault';

/** Index objects read at once by one pass, as each phase read them before it shared them. */
const INDEX_READS_IN_FLIGHT = 8;

/** When a phase's reads stop (the time its reads-until views were given), and the clock they go by. */
export type ReadsUntil = { readonly time: number; readonly now: () => number };

/**
 * One phase's reads of index objects (ScrubIndexObjects.pass). Each object is counted once against the phase's bound
 * however many times the phase asks for it (a look after copies asks again after its wait for a prune), and whichever
 * vault gave it.
 */
export type IndexObjectPass = {
  /** The object `id` as `side`'s own copy gives it, read from `store` (that vault, or a view of it) only if the run has not read that copy. */
  load(side: VaultSide, store: VaultStore, keys: VaultKeys, id: string): Promise<LoadedIndexObject>;
  /** load of each of `ids`, read in id order a few at a time, returned in the order asked. */
  loadAll(side: VaultSide, store: VaultStore, keys: VaultKeys, ids: readonly string[]): Promise<LoadedIndexObject[]>;
  /** The object `id` read from `store`, a view whose copy is no one vault's own (read through to the other): counted, kept by no vault. */
  loadUncached(store: VaultStore, keys: VaultKeys, id: string): Promise<LoadedIndexObject>;
};

/** A loaded index object, the vaults whose own copy it was read from, and the last pass that used it. */
type Held = { readonly object: LoadedIndexObject; readonly records: number; readonly sides: Set<VaultSide>; pass: number };

/** The blob records an index object holds (44 bytes each as loaded): what every bound on index objects counts. */
function recordsOf(object: LoadedIndexObject): number {
  return object.packs.reduce((n, p) => n + p.count, 0);
}

/**
 * The index objects one scrub run has read, kept for its later phases: the checks before copying snapshots into a vault
 * (lookFits), the work-out of what a vault lacking objects needs, the looks after the copies (lookAfterPrunes) and the
 * mapping of lost objects to their backups each read every index object of the vault again, up to six GETs of one
 * object in one vault besides the slice's (review rR F3). Each vault's copy is read at most once a run now, the slice's
 * verification and a repair's own reads (the copy, and its check where it lands) apart.
 *
 * Kept by id, once whichever vault it was read from (index objects are content-addressed: the same bytes in both), with
 * the vaults whose own copy read: a phase reading one vault is served only what that vault's own copy gave, so a copy
 * missing or damaged there still fails as it did. Phases read through a pass (`pass`), one at a time, each with the
 * blob-record bound it had (the function's memory less the listings and findings: scrubNeedsBlobLimit) and its
 * reads' cutoff, both kept as they were.
 *
 * Bounded by that same memory: a pass starts by dropping the least recently used objects down to its bound, and while
 * it reads it drops those it has not used to keep what is held (its own and the others) within the bound. So the index
 * records held never pass the bound of the phase under way (the last one's between phases), where each phase held its
 * own up to that bound and dropped them; a phase's own past the bound fail it as before (and the run then holds none
 * past it). Without a memory size (a machine) every phase was unbounded, and so is this.
 */
export class ScrubIndexObjects {
  /** In the order of last use, the least recent first. */
  private readonly held = new Map<string, Held>();
  private records = 0;
  private passes = 0;

  /**
   * A phase's reads: every index object it loads counted against `limit` blob records (past it, `tooLarge()` is thrown,
   * checked before each read and after it, as each phase checked its own), and none served once `until` has passed.
   * Drops the least recently used objects down to `limit` first. A later pass ends this one's claim on what it used.
   */
  pass(limit: number, tooLarge: () => Error, until?: ReadsUntil): IndexObjectPass {
    this.trim(limit);
    const pass = ++this.passes;
    /** What this pass has loaded, by id: the phase holds it till it ends. */
    const loaded = new Map<string, LoadedIndexObject>();
    let records = 0;
    // Past the bound the phase stops and drops what it loaded: the run keeps no more than the bound of it either.
    const fail = (): Error => {
      this.trim(limit);
      return tooLarge();
    };
    const counted = async (id: string, read: () => Promise<LoadedIndexObject>): Promise<LoadedIndexObject> => {
      const known = loaded.get(id);
      if (known) return known;
      // Checked before each read too, so that the reads under way beside the one that passed the bound start no other.
      if (records > limit) throw fail();
      const object = await read();
      if (!loaded.has(id)) {
        loaded.set(id, object);
        records += recordsOf(object);
      }
      if (records > limit) throw fail();
      return object;
    };
    const load = (side: VaultSide, store: VaultStore, keys: VaultKeys, id: string): Promise<LoadedIndexObject> => counted(id, () => this.read(pass, limit, side, store, keys, id, until));
    return {
      load,
      loadAll: async (side, store, keys, ids) => {
        const read = new Map<string, LoadedIndexObject>();
        await mapBounded([...ids].sort(), INDEX_READS_IN_FLIGHT, async (id) => read.set(id, await load(side, store, keys, id)));
        return ids.map((id) => read.get(id) as LoadedIndexObject);
      },
      loadUncached: (store, keys, id) => counted(id, async () => (await loadIndexObject(store, keys, id)).object),
    };
  }

  /**
   * Takes out the object `id` if any vault's own copy was read (the mapping of lost objects reads each index object of
   * either vault once, from whichever copy reads: the same bytes), so that what it holds goes as it is used.
   */
  take(id: string): LoadedIndexObject | undefined {
    const held = this.held.get(id);
    if (held === undefined) return undefined;
    this.drop(id, held);
    return held.object;
  }

  /**
   * The object `id` as `side`'s own copy gave it, if the run holds it: nothing read, counted or reordered (a repair's look
   * at which packs an index object lists before it copies it, scrub-repairs.ts, which keeps only their ids).
   */
  heldFrom(id: string, side: VaultSide): LoadedIndexObject | undefined {
    const held = this.held.get(id);
    return held?.sides.has(side) ? held.object : undefined;
  }

  /** Drops the least recently used objects until those held are within `limit` blob records. */
  trim(limit: number): void {
    for (const [id, held] of this.held) {
      if (this.records <= limit) return;
      this.drop(id, held);
    }
  }

  /**
   * The object `id` as `side`'s own copy gave it (read from `store` with `keys`), read only if this run has not read
   * that copy; kept within `limit`, dropping the objects pass `pass` has not used, the least recently used first.
   */
  private async read(pass: number, limit: number, side: VaultSide, store: VaultStore, keys: VaultKeys, id: string, until: ReadsUntil | undefined): Promise<LoadedIndexObject> {
    const known = this.held.get(id);
    if (known?.sides.has(side)) {
      // Served where a read would have been started: none once the phase's reads-until views would start none.
      if (until !== undefined && until.now() >= until.time) throw new ReadsStoppedError(store.location, indexKey(id));
      this.use(id, known, pass);
      return known.object;
    }
    const { object } = await loadIndexObject(store, keys, id);
    // Read from the other vault already: the same bytes, held once.
    const held = this.held.get(id) ?? { object, records: recordsOf(object), sides: new Set<VaultSide>(), pass };
    if (!this.held.has(id)) this.records += held.records;
    held.sides.add(side);
    this.use(id, held, pass);
    for (const [oldest, was] of this.held) {
      if (this.records <= limit || was.pass === pass) break;
      this.drop(oldest, was);
    }
    return held.object;
  }

  /** Marks `held` used by `pass`: last in the order of use. */
  private use(id: string, held: Held, pass: number): void {
    held.pass = pass;
    this.held.delete(id);
    this.held.set(id, held);
  }

  private drop(id: string, held: Held): void {
    this.held.delete(id);
    this.records -= held.records;
  }
}
