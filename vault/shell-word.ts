/**
 * A word as a POSIX shell reads it back: as is when it holds only plain path characters, else single-quoted. The CLI's
 * hints, the Lambdas' notes and the engine's refusals print command lines an operator pastes; all quote with this one
 * rule (lambdas/runtime/shell-word.ts reads such lines back). In the engine so that its refusals can use it too: a JSON
 * string pasted into a shell expands `$`, backquotes and `'` (review r60C F3).
 */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
