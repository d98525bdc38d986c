/**
 * The note said of what could not be set on the parents a `--include` restore made on the way to its path (their
 * extended attributes, ACLs, owner): not the include's entries, so not counted among what the restore lacks, and said
 * apart from it, once (review r59A F5: it was said nowhere). `include` and `lines` (`<path>: <what>`) as the caller
 * prints names.
 */
export function parentsLackNote(include: string, lines: readonly string[]): string {
  return `the parent directories made on the way to ${include} lack what could not be set on them (not counted above): ${lines.join('; ')}`;
}
