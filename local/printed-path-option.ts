import { resolve } from 'node:path';
import { shellWord } from '../lambdas/runtime/shell-word';

/**
 * The one rule for a path option (`--data-dir`, `--config`) that a printed command line or a kept line carries: none
 * when the user gave none or gave the literal default (`.lifeboat`, `lifeboat.config.json`), which the pasted line then
 * takes, as the printing command did, in the directory it runs in; any other, absolute. Until review r58E F3 a relative
 * one was printed as given, and pasted in another directory named another cloud or config, and an absolute one equal to
 * <cwd>/.lifeboat was left out as the default, which it is only in that directory (review r58C F2 found the same in the
 * catalog rebuild's marker, whose rule this is).
 */
export function givenPath(given: string | undefined, literalDefault: string): string | undefined {
  return given === undefined || given === literalDefault ? undefined : resolve(given);
}

/** ` <flag> <path>` by givenPath, one shell word, or nothing. */
export function givenPathOption(flag: '--data-dir' | '--config', given: string | undefined, literalDefault: string): string {
  const path = givenPath(given, literalDefault);
  return path === undefined ? '' : ` ${flag} ${shellWord(path)}`;
}
