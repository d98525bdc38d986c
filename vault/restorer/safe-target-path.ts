import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import { escapedNameBytes, hasEscapedName } from '../manifest/escaped-name';
import { refusedEntryPath, TARGET_ITSELF } from '../manifest/refused-entry-path';
import { type FsPath } from '../platform/posix-calls';

/** What an UnsafeEntryPathError means to a whole restore (restoreSnapshot), which it stops. */
const RESTORE_STOPPED =
  'Nothing was written for it, and the restore stopped there: entries after it were not restored, and the directories restored so far lack their final modes and times.';

/** What an UnsafeRecordedPathError says of the snapshot. */
const RECORDED = 'The snapshot records this path, which Lifeboat never records: the snapshot is damaged or was crafted.';

/** An entry of a backup cannot be restored where asked: its path would escape the target, or the target holds something in its way. */
export class UnsafeEntryPathError extends Error {
  override readonly name: string = 'UnsafeEntryPathError';
  constructor(
    readonly entryPath: string,
    readonly reason: string,
    consequence = 'Nothing was written for it.',
  ) {
    super(`Refusing to restore entry ${JSON.stringify(entryPath)}: ${reason}. ${consequence}`);
  }

  /** The same refusal said of another entry (a hard link whose first name is refused), of the same kind. */
  about(entryPath: string, reason: string): UnsafeEntryPathError {
    return new UnsafeEntryPathError(entryPath, reason);
  }

  /** The same refusal said as what stopped a whole restore: the target is in the way, and clearing it is what to do. */
  stoppingRestore(): UnsafeEntryPathError {
    return new UnsafeEntryPathError(this.entryPath, this.reason, `${RESTORE_STOPPED} Clear the conflict (or restore into another directory) and run the restore again.`);
  }
}

/**
 * The path as the snapshot records it is one no restore writes (refusedEntryPath: NUL, absolute, `..`, an empty or `.`
 * segment, a bad escaped name): the snapshot is damaged or was crafted, since Lifeboat's backups record none. Nothing in
 * the target is in the way, so "clear the conflict" is no advice: `lifeboat vault verify` names every such entry, and what
 * lies elsewhere restores with --include. Its name stays UnsafeEntryPathError, which callers match.
 */
export class UnsafeRecordedPathError extends UnsafeEntryPathError {
  constructor(entryPath: string, reason: string, consequence = `${RECORDED} Nothing was written for it.`) {
    super(entryPath, reason, consequence);
  }

  override about(entryPath: string, reason: string): UnsafeRecordedPathError {
    return new UnsafeRecordedPathError(entryPath, reason);
  }

  override stoppingRestore(): UnsafeRecordedPathError {
    return new UnsafeRecordedPathError(
      this.entryPath,
      this.reason,
      `${RECORDED} ${RESTORE_STOPPED} \`lifeboat vault verify\` names every such entry of the snapshot: restore what lies elsewhere with --include, or restore another snapshot.`,
    );
  }
}

/**
 * The absolute path under `targetDir` where a backed-up entry goes. A path the manifest may not hold (refusedEntryPath:
 * `../`, absolute, NUL, an empty or `.` segment, a bad escaped name) is refused (UnsafeRecordedPathError) rather than
 * normalized into somewhere unexpected; '', '.' and './' name the target itself. A segment holding an escaped file name
 * (one that is not UTF-8, vault/manifest/escaped-name.ts) becomes the name's exact bytes: the result is then a Buffer (a
 * string whenever it is valid UTF-8).
 */
export function resolveInsideTarget(targetDir: string, entryPath: string): FsPath {
  const refused = refusedEntryPath(entryPath);
  if (refused !== null) throw new UnsafeRecordedPathError(entryPath, refused);
  const root = path.resolve(targetDir);
  if (TARGET_ITSELF.has(entryPath)) return root;
  const segments = entryPath.split('/');
  const resolved = path.resolve(root, ...segments);
  if (resolved !== root && !resolved.startsWith(root + path.sep)) throw new UnsafeRecordedPathError(entryPath, `it resolves outside ${root}`);
  if (!hasEscapedName(entryPath)) return resolved;
  const parts: Buffer[] = [Buffer.from(root, 'utf8')];
  // Every escaped segment was checked by refusedEntryPath.
  for (const segment of segments) parts.push(SEPARATOR, escapedNameBytes(segment) ?? Buffer.from(segment, 'utf8'));
  const bytes = Buffer.concat(parts);
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes;
}

const SEPARATOR = Buffer.from('/');
