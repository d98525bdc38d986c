import { cutShards, selectionTotals, type ShardBudget } from '../../../../lambdas/restore/restore-shard-cuts';
import { SHARD_WRITE_SECONDS, shardSeconds } from '../../../../lambdas/restore/shard-write-time';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { PassphraseKeyProvider } from '../../../../vault/keys/passphrase-key-provider';
import { type ManifestEntry } from '../../../../vault/manifest/manifest-entry';
import { initVault } from '../../../../vault/repository/vault';

/**
 * Review 42g: past exactPages, pages join the open shard whole; a page just under the heavy limit (two shares) after a
 * nearly full shard made a shard of about three shares, which one restore invocation must finish (no resume). A shard now
 * holds at most two shares: such a page starts a new shard.
 */
const PER_ENTRY = 64 * 1024;
const UNIT = 10_000_000;

it('past exactPages no shard holds more than two shares when a page of almost two follows a nearly full shard', async () => {
  const vault = await initVault(new MemoryVaultStore('balance'), new PassphraseKeyProvider('balance', { N: 1024, r: 8, p: 1 }), { compressionLevel: null });
  const filler = 'x'.repeat(50_000);
  const key = (i: number) => `k${String(i).padStart(5, '0')}`;
  const probe = await vault.commitSnapshot({ source: { kind: 's3', id: 's', bucket: 'b', prefix: '' }, parts: [], entries: Array.from({ length: 100 }, (_, i) => ({ path: key(i), kind: 'object' as const, size: 1, meta: { key: key(i), f: filler }, content: [] })) });
  let perPage = 0;
  for await (const ref of (await vault.manifest(probe)).pageRefs()) {
    perPage = ref.count;
    break;
  }
  // Pages weighing 99, 199, then 50.5 units four times: with 5 shards a share is 100 units.
  const entries: ManifestEntry[] = [];
  let i = 0;
  for (const units of [99, 199, 50.5, 50.5, 50.5, 50.5]) {
    const size = Math.floor((units * UNIT - perPage * PER_ENTRY) / perPage);
    for (let j = 0; j < perPage; j++, i++) entries.push({ path: key(i), kind: 'object', size, meta: { key: key(i), f: filler }, content: [] });
  }
  const reader = await vault.manifest(await vault.commitSnapshot({ source: { kind: 's3', id: 's', bucket: 'b', prefix: '' }, parts: [], entries }));
  const restore = { prefix: '', source: { name: 's', type: 's3' as const }, target: { type: 's3' as const, bucket: 't', prefix: '' } };
  const budget: ShardBudget = { maxShards: 5, entriesPerShard: 1, bytesPerShard: 1, basePieceBytes: 1024 * 1024 * 1024, exactPages: 0 };
  const totals = await selectionTotals(reader, restore as never, budget);
  const { shards } = await cutShards(reader, restore as never, totals, budget);
  const share = (totals.wholeBytes + totals.wholeEntries * PER_ENTRY) / 5;
  const shares = shards.map((s) => (s.bytes + s.entries * PER_ENTRY) / share);
  expect(Math.max(...shares)).toBeLessThanOrEqual(2);
  // Every entry in exactly one shard, in order.
  expect(shards.reduce((n, s) => n + s.entries, 0)).toBe(entries.length);
  for (const [a, b] of shards.slice(1).map((s, k) => [shards[k], s] as const)) expect((a?.last ?? '') < b.first).toBe(true);
});

/**
 * Review r8-F1: a DynamoDB shard's time goes by its items (a unit each, whatever their size), which a
 * page reference does not give. Pages the plan read count the items their entries record; past
 * exactPages, pages not read count the most their bytes can hold, never fewer than they have.
 */
it('counts the items of DynamoDB pages: as recorded where read, at most what their bytes hold where not', async () => {
  const vault = await initVault(new MemoryVaultStore('items'), new PassphraseKeyProvider('items', { N: 1024, r: 8, p: 1 }), { compressionLevel: null });
  // 300 backed-up pages of 8 to 400 tiny items (16 to 20 bytes a line).
  const entries: ManifestEntry[] = Array.from({ length: 300 }, (_, i) => {
    const items = 8 + ((i * 37) % 393);
    return { path: `segment-0000/page-${String(i).padStart(6, '0')}`, kind: 'page', size: items * 18, meta: { items }, content: [] };
  });
  const reader = await vault.manifest(await vault.commitSnapshot({ source: { kind: 'dynamodb', id: 't', table: 't' }, parts: [], entries }));
  const restore = { prefix: '', source: { name: 't', type: 'dynamodb' as const }, target: { type: 'dynamodb' as const, table: 'u' } };
  const real = entries.reduce((n, e) => n + Number(e.meta['items']), 0);
  const rates = { writeUnitsPerSecond: 1, readUnitsPerSecond: 1 };
  for (const exactPages of [1000, 0]) {
    const budget: ShardBudget = { maxShards: 1000, entriesPerShard: 100, bytesPerShard: 256 * 1024 * 1024, basePieceBytes: 1024 * 1024 * 1024, exactPages, shardRates: rates };
    const totals = await selectionTotals(reader, restore as never, budget);
    const { shards, items, fewestItems } = await cutShards(reader, restore as never, totals, budget);
    expect(shards.reduce((n, s) => n + s.entries, 0)).toBe(entries.length);
    // Cut by time at these rates (the real items take well over 100 shards of SHARD_WRITE_SECONDS / 2), not by the 100 entries a shard.
    expect(shards.length).toBeGreaterThan(Math.ceil((2 * shardSeconds({ bytes: totals.wholeBytes, items: real }, rates)) / SHARD_WRITE_SECONDS) / 2);
    if (exactPages > 0) expect(totals.wholeItems).toBe(real);
    else expect(totals.wholeItems).toBeGreaterThanOrEqual(real);
    // Each shard's items at least those its pages hold (exactly, where they were read), which its time is judged by (plan-restore.ts).
    for (const [k, shard] of shards.entries()) {
      const held = entries.filter((e) => e.path >= shard.first && e.path <= shard.last).reduce((n, e) => n + Number(e.meta['items']), 0);
      expect(items[k]).toBeGreaterThanOrEqual(held);
      if (exactPages > 0) expect(items[k]).toBe(held);
      // And at most those its pages hold, one a backed-up page not read: what alone may refuse a plan (task F33).
      expect(fewestItems[k]).toBeLessThanOrEqual(held);
      expect(fewestItems[k]).toBeGreaterThanOrEqual(shard.entries);
      if (exactPages > 0) expect(fewestItems[k]).toBe(held);
    }
  }
});
