import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';

/** The package this CLI belongs to, as its package.json names it. */
const PACKAGE_NAME = 'lifeboat';

const packageSchema = z.object({ name: z.string(), version: z.string() });

/**
 * The version of the lifeboat package this CLI is part of (`lifeboat --version`): the first
 * package.json named lifeboat upward from this file. The CLI runs from the sources (cli/), from dist/cli/
 * of the installed package, and from bundles under the repository (the tests', the benchmark's), each a
 * different number of folders below it; a search, not a fixed relative path, finds it from all of them.
 */
export function packageVersion(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    let text: string | undefined;
    try {
      text = readFileSync(path.join(dir, 'package.json'), 'utf8');
    } catch {
      text = undefined;
    }
    const parsed = text === undefined ? undefined : packageSchema.safeParse(parseJson(text));
    if (parsed?.success && parsed.data.name === PACKAGE_NAME) return parsed.data.version;
    if (path.dirname(dir) === dir) throw new Error(`no package.json of ${PACKAGE_NAME} above ${start}: this CLI is not inside its package; reinstall it (npm install lifeboat)`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
