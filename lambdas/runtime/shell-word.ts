/**
 * A word as a POSIX shell reads it back: as is when it holds only plain path characters, else single-quoted. The CLI's
 * hints and the Lambdas' notes print command lines an operator pastes; both quote with this one rule.
 */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
