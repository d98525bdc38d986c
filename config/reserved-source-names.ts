import * as path from 'node:path';

/**
 * Source names inside an environment's reserved name patterns (name-pattern-overlap.ts). A bucket, table or directory
 * (its first component under the file-system root) named `<prefix>-drill-*` is what the drill's cleanup takes for
 * scratch: once a day old it is emptied, every object version included, and deleted. A bucket or table named
 * `<prefix>-restore-*` is what a restore of ANY source may write without an approval step, so another source's data
 * could land in it, and in its next backup. A source may therefore live in neither: lifeboat.config.json
 * (lifeboat-config.ts) and LifeboatProtection refuse it before anything is deployed.
 * Directories are restored anywhere outside the sources (restore-target-policy.ts), never by the `-restore-` prefix,
 * so only `-drill-` is reserved for them.
 */

/** An environment whose patterns a source must avoid: its prefix (`lifeboat-<env>`) and how an error names it. */
export type ReservedNameOwner = { readonly prefix: string; readonly describedAs: string };

/** The names of one source that the patterns are matched against, as its config holds them. */
export type NamedSource =
  | { readonly type: 's3'; readonly name: string; readonly bucket: string; readonly inventory?: { readonly bucket: string } | undefined }
  | { readonly type: 'dynamodb'; readonly name: string; readonly table: string }
  | { readonly type: 'filesystem'; readonly name: string; readonly path: string };

/** One reserved name of a source: the field that holds it (`['bucket']`, `['inventory', 'bucket']`, ...) and why it is refused. */
export type ReservedNameIssue = { readonly field: readonly string[]; readonly message: string };

type Kind = 'drill' | 'restore';

const WHAT: Record<Kind, string> = { drill: 'drill scratch targets', restore: 'restore targets' };

function why(kind: Kind, pattern: string, noun: string): string {
  return kind === 'drill'
    ? `the drill's cleanup deletes every ${pattern} ${noun} older than a day${noun === 'bucket' ? ', every object version with it' : ', with all it holds'}`
    : `a restore of any other source may write into a ${pattern} ${noun} without an approval step, mixing that source's data into this one and its backups`;
}

/** The first component of `p` below `root`, or undefined when `p` is not below it. */
function firstComponentUnder(p: string, root: string): string | undefined {
  const relative = path.posix.relative(path.posix.normalize(root), path.posix.normalize(p));
  if (relative === '' || relative === '..' || relative.startsWith('../')) return undefined;
  return relative.split('/')[0];
}

/**
 * Every name of `source` that starts with `<prefix>-drill-` or `<prefix>-restore-` of one of `owners` (directories:
 * `-drill-` only, for the first component under `directoryRoot`, where drill functions make their scratch
 * directories, and under `/`, where they make them without a mount). `rename`: what else the user may rename
 * ("the environment", "the prefix").
 */
export function reservedSourceNameIssues(source: NamedSource, owners: readonly ReservedNameOwner[], directoryRoot: string, rename: string): ReservedNameIssue[] {
  const named: { field: string[]; noun: string; name: string; shown: string; kinds: readonly Kind[] }[] = [];
  if (source.type === 's3') {
    named.push({ field: ['bucket'], noun: 'bucket', name: source.bucket, shown: `bucket "${source.bucket}"`, kinds: ['drill', 'restore'] });
    const inventory = source.inventory?.bucket;
    if (inventory !== undefined) named.push({ field: ['inventory', 'bucket'], noun: 'bucket', name: inventory, shown: `inventory bucket "${inventory}"`, kinds: ['drill', 'restore'] });
  } else if (source.type === 'dynamodb') {
    named.push({ field: ['table'], noun: 'table', name: source.table, shown: `table "${source.table}"`, kinds: ['drill', 'restore'] });
  } else {
    const components = new Set([firstComponentUnder(source.path, directoryRoot), firstComponentUnder(source.path, '/')]);
    for (const component of components) {
      if (component === undefined) continue;
      named.push({ field: ['path'], noun: 'directory', name: component, shown: `path "${source.path}" (its directory "${component}")`, kinds: ['drill'] });
    }
  }
  const issues: ReservedNameIssue[] = [];
  for (const { field, noun, name, shown, kinds } of named) {
    for (const owner of owners) {
      const kind = kinds.find((k) => name.startsWith(`${owner.prefix}-${k}-`));
      if (kind === undefined) continue;
      const pattern = `${owner.prefix}-${kind}-*`;
      issues.push({
        field,
        message: `source "${source.name}": ${shown} matches ${pattern}, the ${WHAT[kind]} of ${owner.describedAs}, a name pattern Lifeboat reserves: ${why(kind, pattern, noun)}; rename the ${noun} or ${rename}`,
      });
      break;
    }
  }
  return issues;
}
