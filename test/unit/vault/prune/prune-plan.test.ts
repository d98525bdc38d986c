import { BlobIdSet } from '../../../../vault/blob-index/blob-id-set';
import { type IndexedPack } from '../../../../vault/blob-index/index-object';
import { LoadedPack } from '../../../../vault/prune/index-objects';
import { planPrune } from '../../../../vault/prune/prune-plan';

/** A blob id from a name (32 bytes, the name's bytes padded). */
const blobId = (name: string): Buffer => Buffer.concat([Buffer.from(name), Buffer.alloc(32 - name.length)]);
const hex = (name: string): string => blobId(name).toString('hex');

/** A pack of 100-byte blobs named as given. */
function pack(packId: string, blobs: readonly string[]): IndexedPack {
  return { packId, length: blobs.length * 100 + 64, entries: blobs.map((b, i) => ({ id: blobId(b), offset: i * 100, storedLength: 100, rawLength: 100 })) };
}

function plan(packs: readonly IndexedPack[], referenced: readonly string[], damagedCopies?: ReadonlyMap<string, ReadonlySet<string>>, archivedPacks?: ReadonlySet<string>) {
  const blobs = new BlobIdSet();
  for (const name of referenced) blobs.addHex(hex(name));
  return planPrune({
    mark: { snapshots: 1, manifests: new Set(), blobs },
    indexObjects: [{ id: 'index-1', packs: packs.map((p) => LoadedPack.of(p)) }],
    storedPacks: new Set(packs.map((p) => p.packId)),
    storedManifests: new Set(),
    pending: { packs: new Set(), indexes: new Set(), manifests: new Set() },
    repackThreshold: 0.2,
    ...(damagedCopies ? { damagedCopies } : {}),
    ...(archivedPacks ? { archivedPacks } : {}),
  });
}

/** Where each referenced blob ends up: in a pack that stays (all its copies but one are garbage) or moved by a repack. */
function keptCopies(packs: readonly IndexedPack[], result: ReturnType<typeof planPrune>): Map<string, number> {
  const repacked = new Map(result.repack.map((r) => [r.id, r.live]));
  const deleted = new Set(result.garbagePacks.map((g) => g.id));
  const copies = new Map<string, number>();
  for (const p of packs) {
    if (deleted.has(p.packId)) continue;
    const kept = repacked.get(p.packId) ?? p.entries;
    for (const e of kept) copies.set(e.id.toString('hex'), (copies.get(e.id.toString('hex')) ?? 0) + 1);
  }
  return copies;
}

describe('planPrune: which copy of a duplicated blob is kept (duplicates of parallel shards)', () => {
  const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  // Pack "a" (the smallest id) shares two blobs with each of b, c and d: 60 % of it is copies, 20 % of each of the others.
  const packs = [
    pack('a', [...range('a', 4), 'ab0', 'ab1', 'ac0', 'ac1', 'ad0', 'ad1']),
    pack('b', [...range('b', 8), 'ab0', 'ab1']),
    pack('c', [...range('c', 8), 'ac0', 'ac1']),
    pack('d', [...range('d', 8), 'ad0', 'ad1']),
  ];
  const referenced = packs.flatMap((p) => p.entries.map((e) => e.id.toString('utf8').replace(/\0+$/, '')));

  it('gives the copies away from the pack made mostly of them, which is repacked: no copy is left in a pack that stays', () => {
    const result = plan(packs, referenced);
    // Keeping them in "a" (it has the smallest id) would leave b, c and d each 20 % garbage, none past the threshold.
    expect(result.repack.map((r) => [r.id, r.live.map((e) => e.id.toString('utf8').replace(/\0+$/, ''))])).toEqual([['a', range('a', 4)]]);
    expect(result.garbagePacks).toEqual([]);
    const copies = keptCopies(packs, result);
    expect([...copies.keys()].sort()).toEqual(referenced.map(hex).sort().filter((id, i, all) => all.indexOf(id) === i));
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
  });

  it('keeps a blob that only donors hold in one of them (it moves with the repack), never in none', () => {
    // Every copy of "x" is in a pack that is mostly unreferenced: one of them must still keep it.
    const lonely = [pack('p', ['x', 'p0', 'p1', 'p2', 'p3']), pack('q', ['x', 'q0', 'q1', 'q2', 'q3'])];
    const result = plan(lonely, ['x', 'p0']);
    const live = result.repack.flatMap((r) => r.live.map((e) => e.id.toString('utf8').replace(/\0+$/, ''))).sort();
    expect(live).toEqual(['p0', 'x']);
    expect(result.garbagePacks.map((g) => g.id)).toEqual(['q']);
  });

  const name = (id: Buffer): string => id.toString('utf8').replace(/\0+$/, '');
  const twins = [pack('m', ['x', 'y', 'z']), pack('n', ['x', 'y', 'z'])];

  it('lists the kept copies a dropped pack relies on, for the caller to authenticate before it goes', () => {
    const result = plan(twins, ['x', 'y', 'z']);
    expect(result.garbagePacks.map((g) => g.id)).toEqual(['m']);
    expect(result.reliedOn.map((c) => [c.packId, name(c.entry.id), c.dependents])).toEqual([
      ['n', 'x', ['m']],
      ['n', 'y', ['m']],
      ['n', 'z', ['m']],
    ]);
  });

  it('keeps the copy that is not known damaged, and repacks the pack of the damaged one without it (its copy leaves the index)', () => {
    const result = plan(twins, ['x', 'y', 'z'], new Map([['n', new Set([hex('x')])]]));
    expect(result.garbagePacks).toEqual([]);
    expect(result.repack.map((r) => [r.id, r.live.map((e) => name(e.id))])).toEqual([
      ['m', ['x']],
      ['n', ['y', 'z']],
    ]);
    expect(result.reliedOn.map((c) => [c.packId, name(c.entry.id), c.dependents])).toEqual([
      ['n', 'y', ['m']],
      ['n', 'z', ['m']],
      ['m', 'x', ['n']],
    ]);
  });

  it('keeps the readable copy before an archived one (which cannot be checked), and drops the archived pack unread', () => {
    const result = plan(twins, ['x', 'y', 'z'], undefined, new Set(['n']));
    expect(result.garbagePacks.map((g) => g.id)).toEqual(['n']);
    expect(result.repack).toEqual([]);
    expect(result.reliedOn.map((c) => [c.packId, name(c.entry.id), c.dependents])).toEqual([
      ['m', 'x', ['n']],
      ['m', 'y', ['n']],
      ['m', 'z', ['n']],
    ]);
  });

  it('keeps an archived copy before a damaged one, and one archived copy when every copy is archived', () => {
    const damagedReadable = plan(twins, ['x'], new Map([['m', new Set([hex('x')])]]), new Set(['n']));
    expect(damagedReadable.reliedOn.map((c) => [c.packId, name(c.entry.id), c.dependents])).toEqual([['n', 'x', ['m']]]);
    const allArchived = plan(twins, ['x', 'y', 'z'], undefined, new Set(['m', 'n']));
    expect(allArchived.garbagePacks.map((g) => g.id)).toEqual(['m']);
  });

  it('keeps every copy of a blob all of whose copies are damaged: no pack is dropped for it', () => {
    const result = plan(twins, ['x'], new Map([['m', new Set([hex('x')])], ['n', new Set([hex('x')])]]));
    expect(result.garbagePacks).toEqual([]);
    expect(result.reliedOn).toEqual([]);
  });
});

describe('planPrune over random packs with copies', () => {
  /** A small deterministic generator (xorshift32), so a failure reproduces. */
  const random = (seed: number): (() => number) => {
    let x = seed >>> 0 || 1;
    return () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
  };

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('keeps every referenced blob exactly once and nothing unreferenced (seed %i)', (seed) => {
    const next = random(seed);
    const names = Array.from({ length: 300 }, (_, i) => `r${seed}-${i}`);
    // 40 packs of 5–15 blobs; a blob may sit in several packs, and twice in one.
    const packs = Array.from({ length: 40 }, (_, p) => pack(`pack-${String(p).padStart(2, '0')}`, Array.from({ length: 5 + Math.floor(next() * 11) }, () => names[Math.floor(next() * names.length)] as string)));
    const referenced = names.filter(() => next() < 0.6);
    const result = plan(packs, referenced);

    const inSomePack = new Set(packs.flatMap((p) => p.entries.map((e) => e.id.toString('hex'))));
    const expected = referenced.map(hex).filter((id) => inSomePack.has(id));
    const copies = keptCopies(packs, result);
    // What stays: whole packs neither deleted nor repacked, and the repacked packs' live blobs.
    const staysWhole = packs.filter((p) => !result.garbagePacks.some((g) => g.id === p.packId) && !result.repack.some((r) => r.id === p.packId));
    const keptByRepack = result.repack.flatMap((r) => r.live.map((e) => e.id.toString('hex')));
    for (const id of expected) expect(copies.get(id) ?? 0).toBeGreaterThanOrEqual(1);
    // A repack moves each referenced blob once and nothing unreferenced; a copy in a pack that stays whole makes a moved one superfluous, which the plan must not do.
    expect(new Set(keptByRepack).size).toBe(keptByRepack.length);
    const referencedHex = new Set(referenced.map(hex));
    for (const id of keptByRepack) expect(referencedHex.has(id)).toBe(true);
    const wholeIds = new Set(staysWhole.flatMap((p) => p.entries.map((e) => e.id.toString('hex'))));
    for (const id of keptByRepack) expect(wholeIds.has(id)).toBe(false);
    // A deleted pack holds no referenced blob that no surviving place keeps.
    for (const g of result.garbagePacks) {
      const p = packs.find((x) => x.packId === g.id) as IndexedPack;
      for (const e of p.entries) if (referencedHex.has(e.id.toString('hex'))) expect(copies.get(e.id.toString('hex')) ?? 0).toBeGreaterThanOrEqual(1);
    }
    expect(result.awaitingSweep).toBe(referenced.length - expected.length);
  });
});
