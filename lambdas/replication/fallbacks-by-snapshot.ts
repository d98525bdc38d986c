import { loadManifestNode, loadManifestRoot, manifestKey, type NodeRef, snapshotKey, type Vault } from '../../vault';
import { type FellBack, fellBackOf } from './read-through-vault';

/**
 * Whose each of `stoodIn` is (the objects a read-through view read from the other vault: ReadThroughVault.stoodIn):
 * for a snapshot id, those its own tree reaches (its snapshot object, root, nodes and pages), in that order. The check
 * in the target vault marks its snapshots together, several walked at once (review r57S F1: one at a time, each walk
 * waited for the one before), and neither the view nor the mark can say whose a read was. This says it again from the
 * snapshot objects, roots and nodes, no page read (a page's id is in the reference to it): a few objects against the
 * mark's thousands of pages, and only when the view fell back at all. A root or node is read once however many
 * snapshots reach it (a backup writes its own, docs/FORMAT.md §11, but nothing here counts on that). Each call reads through `view`, so a bound on it (readsUntilVault) bounds this too, and a
 * call that fails (its snapshot's or a shared root's or node's read) fails alone: other calls go on.
 */
export function fallbacksBySnapshot(view: Vault, stoodIn: ReadonlySet<string>): (id: string) => Promise<FellBack> {
  // Per root and node, the keys of `stoodIn` it and what it references are: a promise, so that walks under way at once
  // share one read.
  const underRoot = new Map<string, Promise<readonly string[]>>();
  const underNode = new Map<string, Promise<readonly string[]>>();
  const fell = (refs: readonly { readonly id: string }[]): string[] => refs.map((ref) => manifestKey(ref.id)).filter((key) => stoodIn.has(key));
  const once = (known: Map<string, Promise<readonly string[]>>, id: string, walk: () => Promise<readonly string[]>): Promise<readonly string[]> => {
    const found = known.get(id) ?? walk();
    known.set(id, found);
    return found;
  };
  const nodeKeys = (ref: NodeRef): Promise<readonly string[]> => once(underNode, ref.id, async () => [...fell([ref]), ...fell(await loadManifestNode(view.store, view.keys, ref))]);
  const rootKeys = (rootId: string): Promise<readonly string[]> =>
    once(underRoot, rootId, async () => {
      const root = await loadManifestRoot(view.store, view.keys, rootId);
      const keys = fell([{ id: rootId }]);
      if (root.v === 1) return [...keys, ...fell(root.pages)];
      // One node's page references held at a time, as the mark holds them (rootPages).
      for (const node of root.nodes) keys.push(...(await nodeKeys(node)));
      return keys;
    });
  return async (id) => {
    const snapshot = await view.loadSnapshot(id);
    const own = stoodIn.has(snapshotKey(id)) ? [snapshotKey(id)] : [];
    // Distinct: two nodes of one tree may reference one page.
    return fellBackOf([...new Set([...own, ...(await rootKeys(snapshot.manifest))])]);
  };
}
