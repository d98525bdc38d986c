import * as path from 'node:path';

/**
 * Source names inside an environment's drill scratch pattern (name-pattern-overlap.ts). A bucket, table or directory
 * (its first component under the file-system root) named `<prefix>-drill-*` is what the drill's cleanup takes for
 * scratch: once older than the drill's timeout and an hour (25 h, or 73 h with an archive tier, when no plan has more than 40 sources; a wave of restores longer for each further 40: lib/constructs/drill-timeouts.ts) it is emptied, every object version included, and deleted. No source may live there:
 * lifeboat.config.json (lifeboat-config.ts) and LifeboatProtection refuse it before anything is deployed.
 * `<prefix>-restore-*` is not reserved here, although any restore may write such a bucket or table without an approval
 * step: the failover restores into `<prefix>-restore-<source>-<suffix>`, and docs/RUNBOOKS.md tells operators to keep
 * running on those targets and make them the plan's sources. What makes such a source safe is the restore's own check
 * (checkNotAnotherSource, restore-target-policy.ts): a restore never writes into another source's bucket or table, so
 * the source is reached only by its own restore, as its original, with overwrite.
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

function why(pattern: string, noun: string): string {
  return `the drill's cleanup deletes every ${pattern} ${noun} older than the drill's timeout and an hour${noun === 'bucket' ? ', every object version with it' : ', with all it holds'}`;
}

/** The first component of `p` below `root`, or undefined when `p` is not below it. */
function firstComponentUnder(p: string, root: string): string | undefined {
  const relative = path.posix.relative(path.posix.normalize(root), path.posix.normalize(p));
  if (relative === '' || relative === '..' || relative.startsWith('../')) return undefined;
  return relative.split('/')[0];
}

/**
 * Every name of `source` that starts with `<prefix>-drill-` of one of `owners`: its bucket and inventory bucket, its
 * table, or for a directory its first component under `directoryRoot`, where drill functions make their scratch
 * directories, and under `/`, where they make them without a mount. `rename`: what else the user may rename
 * ("the environment", "the prefix").
 */
export function reservedSourceNameIssues(source: NamedSource, owners: readonly ReservedNameOwner[], directoryRoot: string, rename: string): ReservedNameIssue[] {
  const named: { field: string[]; noun: string; name: string; shown: string }[] = [];
  if (source.type === 's3') {
    named.push({ field: ['bucket'], noun: 'bucket', name: source.bucket, shown: `bucket "${source.bucket}"` });
    const inventory = source.inventory?.bucket;
    if (inventory !== undefined) named.push({ field: ['inventory', 'bucket'], noun: 'bucket', name: inventory, shown: `inventory bucket "${inventory}"` });
  } else if (source.type === 'dynamodb') {
    named.push({ field: ['table'], noun: 'table', name: source.table, shown: `table "${source.table}"` });
  } else {
    const components = new Set([firstComponentUnder(source.path, directoryRoot), firstComponentUnder(source.path, '/')]);
    for (const component of components) {
      if (component === undefined) continue;
      named.push({ field: ['path'], noun: 'directory', name: component, shown: `path "${source.path}" (its directory "${component}")` });
    }
  }
  const issues: ReservedNameIssue[] = [];
  for (const { field, noun, name, shown } of named) {
    const owner = owners.find((o) => name.startsWith(`${o.prefix}-drill-`));
    if (owner === undefined) continue;
    const pattern = `${owner.prefix}-drill-*`;
    issues.push({
      field,
      message: `source "${source.name}": ${shown} matches ${pattern}, the drill scratch targets of ${owner.describedAs}, a name pattern Lifeboat reserves: ${why(pattern, noun)}; rename the ${noun} or ${rename}`,
    });
  }
  return issues;
}
