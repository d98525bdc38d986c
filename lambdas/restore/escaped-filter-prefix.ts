/**
 * A file-system filter's path with each name escaped as a backup stores it (escapedPath), or undefined when that changes
 * nothing: the plan tries it when the typed path selects nothing (audit a58A F2). The same rule as `vault restore
 * --include`, and the same refusal when both forms select entries (ambiguousEscapedPrefixHint, review r59L F2).
 */
export { ambiguousEscapedPrefixHint, escapedPath as escapedFilterPrefix, escapedNamesHint } from '../../vault';
