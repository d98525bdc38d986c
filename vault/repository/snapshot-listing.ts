import { type Snapshot } from '../manifest/snapshot-record';

/** A `snapshots/` object that could not be read (damaged, truncated, sealed under another key, not a snapshot). */
export type UnreadableSnapshot = { readonly key: string; readonly reason: string };

/**
 * The snapshots of a vault as listing finds them: the readable ones, oldest first, and the objects
 * that could not be read. One bad object must not hide every good snapshot (listing, `latest`, the
 * default parent of a backup go on without it), but it must not vanish silently either: callers
 * report `unreadable` (the CLI warns on stderr, verify counts it as a problem).
 */
export type SnapshotListing = { readonly snapshots: Snapshot[]; readonly unreadable: UnreadableSnapshot[] };

/** What to do about an unreadable snapshot object: said wherever one is reported. */
export function unreadableSnapshotAdvice(key: string): string {
  return `delete ${key} from the vault (no other object depends on it) or copy it again from the DR vault; \`lifeboat vault verify\` lists every damaged object`;
}

/** One line naming an unreadable snapshot object, why, and what to do. */
export function describeUnreadableSnapshot(u: UnreadableSnapshot): string {
  return `snapshot object ${u.key} cannot be read and is skipped: ${u.reason}; ${unreadableSnapshotAdvice(u.key)}`;
}
