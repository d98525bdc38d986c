import { MemoryVaultStore, type ManifestPart, PassphraseKeyProvider, initVault, loadManifestRoot, MANIFEST_PREFIX, summarizePart } from '../../vault';
import { vmHwmBytes } from './measured-child';

/**
 * The commit side of the plan-scale section, in a process of its own so that its peak RSS is the
 * commit's (VmHWM): Vault.commitSnapshot over the parts of LIFEBOAT_COMMIT_SCALE_SHARDS shards holding
 * LIFEBOAT_COMMIT_SCALE_ENTRIES entries between them, as the backup workflow's commit hands them over
 * (summaries held, each run's page references read again when the merge reaches it). The parts are
 * generated, not stored: reading one again regenerates it, as a GET of the part object would return
 * it. The pages they reference are not written (a merge of disjoint runs reads none); the nodes and
 * the root are, to a store in memory. Prints one JSON line of results on stdout.
 */

const PAGE_ENTRIES = 2000;

function partOf(shard: number, shards: number, entries: number): ManifestPart {
  const per = Math.ceil(entries / shards);
  const end = Math.min(entries, (shard + 1) * per);
  const key = (i: number): string => `logs/${String(Math.floor(i / 1e6)).padStart(6, '0')}/object-${String(i).padStart(10, '0')}.json.gz`;
  const hex = (n: number): string => n.toString(16).padStart(64, '0');
  const run = [];
  for (let at = shard * per, page = 0; at < end; at += PAGE_ENTRIES, page++) {
    const last = Math.min(at + PAGE_ENTRIES, end) - 1;
    run.push({ id: hex(shard * 1e4 + page), first: key(at), last: key(last), count: last - at + 1, bytes: (last - at + 1) * 100_000 });
  }
  return { v: 1, runs: [run], indexes: [hex(1e15 + shard)], stats: { entries: end - shard * per, bytesScanned: 0, bytesNew: 0, bytesStored: 0, blobsNew: 0, bytesReused: 0 } };
}

async function main(): Promise<void> {
  const shards = Number(process.env.LIFEBOAT_COMMIT_SCALE_SHARDS);
  const entries = Number(process.env.LIFEBOAT_COMMIT_SCALE_ENTRIES);
  const store = new MemoryVaultStore('commit-scale');
  const vault = await initVault(store, new PassphraseKeyProvider('commit scale', { N: 1024, r: 8, p: 1 }));
  const rssAtStart = process.memoryUsage.rss();
  const started = performance.now();
  const summaries = Array.from({ length: shards }, (_, shard) => summarizePart(partOf(shard, shards, entries)));
  const snapshot = await vault.commitSnapshot({
    source: { kind: 's3', id: 'commit-scale' },
    parts: { summaries, runPages: (part, run) => Promise.resolve(partOf(part, shards, entries).runs[run] ?? []) },
  });
  const seconds = (performance.now() - started) / 1000;
  const root = await loadManifestRoot(store, vault.keys, snapshot.manifest);
  let manifestBytes = 0;
  for await (const key of store.list(MANIFEST_PREFIX)) manifestBytes += (await store.get(key)).length;
  process.stdout.write(
    `${JSON.stringify({
      entries: root.entries,
      pages: root.v === 1 ? root.pages.length : root.nodes.reduce((n, node) => n + node.pages, 0),
      nodes: root.v === 2 ? root.nodes.length : 0,
      rootBytes: (await store.get(`${MANIFEST_PREFIX}${snapshot.manifest}`)).length,
      manifestBytes,
      snapshotBytes: (await store.get(`snapshots/${snapshot.id}`)).length,
      seconds,
      rssAtStartBytes: rssAtStart,
      vmHwmBytes: vmHwmBytes(),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
