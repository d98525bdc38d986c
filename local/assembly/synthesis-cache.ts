import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type SynthesizedStack } from './synthesized-stack';

/**
 * `LIFEBOAT_SYNTH_CACHE=<dir>`: synthesized environments are kept in `<dir>` and reused by every
 * later synthesis of the same environment configuration, in this process or another. A test run
 * sets it (test/support/jest-global-setup.ts) because a dozen suites synthesize the same two
 * environments; the code of the app must not change while the directory is in use, which is why
 * nothing but a test run sets it.
 */
export const SYNTH_CACHE_ENV = 'LIFEBOAT_SYNTH_CACHE';

const STACKS_FILE = 'stacks.json';

/**
 * The stacks of the synthesis cached in `cacheDir` under `key`, synthesizing them with
 * `synthesize(outdir)` first when absent. A synthesis is written to a temporary sibling and renamed
 * into place, so concurrent processes (jest workers) never see half of one; when two synthesize the
 * same key at once, the first rename wins and the other's copy is dropped. The returned stacks'
 * `assemblyDir` is the cached assembly (read-only for its users: templates and bundled handlers; the local
 * executor only adds its records of validated definitions there, empty files named by a hash of each).
 */
export async function cachedSynthesis(cacheDir: string, key: string, synthesize: (outdir: string) => Promise<SynthesizedStack[]>): Promise<SynthesizedStack[]> {
  const entry = path.join(path.resolve(cacheDir), key);
  const cached = readEntry(entry);
  if (cached) return cached;

  const staging = `${entry}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  mkdirSync(staging, { recursive: true });
  try {
    const stacks = await synthesize(path.join(staging, 'cdk.out'));
    // Relocate: the assembly's asset paths are relative to it, so only assemblyDir changes.
    const relocated = stacks.map((stack) => ({ ...stack, assemblyDir: path.join(entry, path.relative(staging, stack.assemblyDir)) }));
    writeFileSync(path.join(staging, STACKS_FILE), JSON.stringify(relocated));
    try {
      renameSync(staging, entry);
    } catch (err) {
      // Another process renamed the same synthesis into place first: use that one.
      const theirs = readEntry(entry);
      if (!theirs) throw err;
      return theirs;
    }
    return relocated;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function readEntry(entry: string): SynthesizedStack[] | undefined {
  const file = path.join(entry, STACKS_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as SynthesizedStack[];
}
