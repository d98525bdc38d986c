import { type BigIntStats } from 'node:fs';
import { type RecordedContent } from './snapshot-writer';

/**
 * What the archiver does with a regular file that has other names (nlink > 1):
 * - `first`: the first name of its group met in this walk; back it up as usual and `settle` the group
 *   with what it was recorded with (or null when it could not be backed up);
 * - `later`: another name of a file met before; record it with `meta.hardlink` = `firstPath` and the
 *   first name's content (`content`, null when the first name was not backed up: then read it itself).
 */
export type HardLinkMember =
  | { readonly role: 'first'; settle(recorded: Promise<RecordedContent> | null): void }
  | { readonly role: 'later'; readonly firstPath: string; readonly content: Promise<RecordedContent | null> };

type Group = { readonly path: string; readonly content: Promise<RecordedContent | null>; remaining: bigint };

/**
 * A group still open when a walk was cut short (a resumable shard stopping at its deadline), as
 * plain JSON: its (device, inode) key, first name, names not met yet (a decimal string: nlink is a
 * bigint) and what the first name was recorded with (null: it could not be backed up). The walk that
 * resumes starts from these, so its later names still point at the first one.
 */
export type OpenHardLinkGroup = { readonly key: string; readonly path: string; readonly remaining: string; readonly recorded: { size: number; content: string[] } | null };

/**
 * The hard-link groups of one walk, by (device, inode). The walk meets names in manifest order, so a
 * group's first name precedes its later names in the manifest, which the restorer relies on. A group
 * is forgotten once all its names were met (memory stays with the groups still open). Names outside
 * the walked tree keep their groups open until the walk ends; shards of the backup workflow walk
 * separately, so a group split across shards is stored as one file per shard.
 */
export class HardLinkGroups {
  private readonly groups = new Map<string, Group>();

  /** `open`: the groups a cut walk left open (see `open()`), for the walk that resumes it. */
  constructor(open: readonly OpenHardLinkGroup[] = []) {
    for (const g of open) this.groups.set(g.key, { path: g.path, content: Promise.resolve(g.recorded), remaining: BigInt(g.remaining) });
  }

  /** The groups still open, once every first name has settled (call it after the writer has taken every entry). */
  async open(): Promise<OpenHardLinkGroup[]> {
    const out: OpenHardLinkGroup[] = [];
    for (const [key, g] of this.groups) {
      const recorded = await g.content.catch(() => null);
      out.push({ key, path: g.path, remaining: g.remaining.toString(), recorded: recorded ? { size: recorded.size, content: [...recorded.content] } : null });
    }
    return out;
  }

  /** The role of a walked regular file; null when it has one name only. */
  join(stat: BigIntStats, path: string): HardLinkMember | null {
    if (stat.nlink <= 1n) return null;
    const key = `${stat.dev}:${stat.ino}`;
    const group = this.groups.get(key);
    if (group) {
      if (--group.remaining <= 0n) this.groups.delete(key);
      return { role: 'later', firstPath: group.path, content: group.content };
    }
    let resolve: (recorded: Promise<RecordedContent> | RecordedContent | null) => void = () => undefined;
    const content = new Promise<RecordedContent | null>((r) => (resolve = r));
    // Awaited by the later names, if any come; a failure reaches the backup through the writer too.
    content.catch(() => undefined);
    this.groups.set(key, { path, content, remaining: stat.nlink - 1n });
    let settled = false;
    return {
      role: 'first',
      settle: (recorded) => {
        if (settled) return;
        settled = true;
        resolve(recorded);
      },
    };
  }
}
