import { comparePaths } from './manifest-entry';
import { MANIFEST_FANOUT, type ManifestRoot, manifestNodeSchema, manifestRootSchema, type NodeRef, type PageRef } from './manifest-format';
import { DuplicateEntryError } from './manifest-pages';
import { decodeJson, encodeJson, getSealedObject, putSealedObject } from '../crypto/sealed-object';
import { VaultCorruptionError } from '../vault-errors';
import { type VaultKeys } from '../crypto/vault-keys';
import { manifestKey } from '../repository/vault-layout';
import { type VaultStore } from '../backend/vault-store';

/**
 * The top of a manifest (docs/FORMAT.md §7): a root that lists its pages (v1), or, for a manifest
 * of more than MANIFEST_FANOUT pages, a root that lists nodes which list the pages (v2). Two
 * levels reach a billion pages with a root of 1,000 node references; every reader goes through
 * rootPages, so none holds more than one node's references at a time.
 */

/** A range of consecutive references (pages or nodes) as a root or node lists them. */
type Span = Pick<PageRef, 'first' | 'last' | 'count' | 'bytes'>;

/** Refs in order and disjoint, and their counts summing to `entries`; else the reason. */
function spanProblem(refs: readonly Span[], entries: number, bytes: number, what: string): string | undefined {
  for (let i = 1; i < refs.length; i++) {
    if (comparePaths((refs[i - 1] as Span).last, (refs[i] as Span).first) >= 0) return `${what} ${i - 1} and ${i} overlap or are out of order`;
  }
  const counted = refs.reduce((n, r) => n + r.count, 0);
  if (counted !== entries) return `${what} hold ${counted} entries, the object says ${entries}`;
  const summed = refs.reduce((n, r) => n + r.bytes, 0);
  if (summed !== bytes) return `${what} hold ${summed} bytes, the object says ${bytes}`;
  return undefined;
}

export async function loadManifestRoot(store: VaultStore, keys: VaultKeys, rootId: string): Promise<ManifestRoot> {
  const key = manifestKey(rootId);
  const root = decodeJson(manifestRootSchema, await getSealedObject(store, keys, key, rootId, 'manifest'), { location: store.location, key });
  const problem = root.v === 1 ? spanProblem(root.pages, root.entries, root.bytes, 'pages') : spanProblem(root.nodes, root.entries, root.bytes, 'nodes');
  if (problem) throw new VaultCorruptionError(store.location, key, problem);
  return root;
}

/** Loads one node, checking its content address, its structure and that it matches its reference. */
export async function loadManifestNode(store: VaultStore, keys: VaultKeys, ref: NodeRef): Promise<PageRef[]> {
  const key = manifestKey(ref.id);
  const { pages } = decodeJson(manifestNodeSchema, await getSealedObject(store, keys, key, ref.id, 'manifest-node'), { location: store.location, key });
  const problem =
    pages.length !== ref.pages
      ? `node lists ${pages.length} pages, its reference says ${ref.pages}`
      : pages[0]?.first !== ref.first || pages[pages.length - 1]?.last !== ref.last
        ? 'node bounds differ from its reference'
        : spanProblem(pages, ref.count, ref.bytes, 'pages');
  if (problem) throw new VaultCorruptionError(store.location, key, problem);
  return pages;
}

/** The nodes a root lists (none for a v1 root). */
export function rootNodes(root: ManifestRoot): readonly NodeRef[] {
  return root.v === 2 ? root.nodes : [];
}

/** How a walk over a root gets a node's pages; undefined skips the node (a caller that reports it, or has seen it). */
export type NodeLoader = (ref: NodeRef) => Promise<readonly PageRef[] | undefined>;

function nodeLoader(store: VaultStore, keys: VaultKeys): NodeLoader {
  return (ref) => loadManifestNode(store, keys, ref);
}

/**
 * The page references of a manifest in order, from the first page whose last path is ≥ `from`
 * (all of them without it), loading one node at a time.
 */
export async function* rootPages(root: ManifestRoot, loadNode: NodeLoader, from?: string): AsyncGenerator<PageRef> {
  if (root.v === 1) {
    yield* root.pages.slice(from === undefined ? 0 : firstAtOrAfter(root.pages, from));
    return;
  }
  for (let n = from === undefined ? 0 : firstAtOrAfter(root.nodes, from); n < root.nodes.length; n++) {
    const pages = await loadNode(root.nodes[n] as NodeRef);
    if (!pages) continue;
    // Only the first node can hold pages before `from`: every later node starts after it.
    yield* from === undefined ? pages : pages.slice(firstAtOrAfter(pages, from));
    from = undefined;
  }
}

/** Index of the first ref whose last path is ≥ `path` (refs.length when none). */
function firstAtOrAfter(refs: readonly Span[], path: string): number {
  let lo = 0;
  let hi = refs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comparePaths((refs[mid] as Span).last, path) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Writes a manifest's root from its pages, given in manifest order: up to `fanout` pages make a v1
 * root; more are written as nodes of `fanout` pages each as they arrive (so at most one node's
 * references are held) under a v2 root.
 */
export class ManifestRootWriter {
  private pending: PageRef[] = [];
  private readonly nodes: NodeRef[] = [];
  private last: string | null = null;
  private entries = 0;
  private bytes = 0;

  constructor(
    private readonly store: VaultStore,
    private readonly keys: VaultKeys,
    private readonly fanout: number = MANIFEST_FANOUT,
  ) {
    if (!Number.isInteger(fanout) || fanout < 2) throw new RangeError(`a manifest fanout is an integer ≥ 2, got ${fanout}`);
  }

  async add(page: PageRef): Promise<void> {
    if (this.last !== null) {
      const c = comparePaths(this.last, page.first);
      if (c === 0) throw new DuplicateEntryError(page.first);
      if (c > 0) throw new Error(`manifest pages out of order: a page starting at ${JSON.stringify(page.first)} after one ending at ${JSON.stringify(this.last)}`);
    }
    this.last = page.last;
    if (this.pending.length === this.fanout) await this.flushNode();
    this.pending.push(page);
    this.entries += page.count;
    this.bytes += page.bytes;
  }

  /** Writes the root (and the last node); returns the root hash. */
  async finish(): Promise<{ rootId: string; entries: number; bytes: number }> {
    const { entries, bytes } = this;
    let root: ManifestRoot;
    if (this.nodes.length === 0) root = { v: 1, entries, bytes, pages: this.pending };
    else {
      await this.flushNode();
      root = { v: 2, entries, bytes, nodes: this.nodes };
    }
    const rootId = await putSealedObject(this.store, this.keys, manifestKey, 'manifest', encodeJson(root), 3);
    return { rootId, entries, bytes };
  }

  private async flushNode(): Promise<void> {
    const pages = this.pending;
    if (pages.length === 0) return;
    this.pending = [];
    const id = await putSealedObject(this.store, this.keys, manifestKey, 'manifest-node', encodeJson({ v: 1, pages }), 3);
    const first = pages[0] as PageRef;
    const last = pages[pages.length - 1] as PageRef;
    this.nodes.push({ id, first: first.first, last: last.last, count: pages.reduce((n, p) => n + p.count, 0), bytes: pages.reduce((n, p) => n + p.bytes, 0), pages: pages.length });
  }
}

/** The ids of every manifest object of a snapshot: its root, its nodes and its pages (what a copy or a lock of the snapshot must hold). */
export async function* manifestObjectIds(store: VaultStore, keys: VaultKeys, rootId: string): AsyncGenerator<string> {
  yield rootId;
  const root = await loadManifestRoot(store, keys, rootId);
  for (const node of rootNodes(root)) yield node.id;
  for await (const page of rootPages(root, nodeLoader(store, keys))) yield page.id;
}
