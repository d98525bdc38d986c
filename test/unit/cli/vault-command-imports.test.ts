import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { build, type Metafile } from 'esbuild';

// `lifeboat vault ...` is the restic-like path: every command pays what its module graph loads
// before any work. A static import of the environment access once pulled the CDK and the local
// cloud into it (1.9 s and 316 MiB before `vault --help` printed; 0.2 s and 64 MiB without them).
// The bench measures the time; this test keeps the graph honest, without timing anything.

const repoRoot = path.resolve(__dirname, '../../..');
const ENTRY = 'cli/commands/vault-commands.ts';

/** The inputs reachable from the entry through static imports (dynamic `import()` loads on demand). */
async function staticallyLoaded(entry: string): Promise<Map<string, string | undefined>> {
  const result = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent', outdir: 'out', absWorkingDir: repoRoot });
  const inputs: Metafile['inputs'] = result.metafile.inputs;
  const parent = new Map<string, string | undefined>([[entry, undefined]]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const imported of inputs[file]?.imports ?? []) {
      if (imported.external || imported.kind === 'dynamic-import' || parent.has(imported.path)) continue;
      parent.set(imported.path, file);
      queue.push(imported.path);
    }
  }
  return parent;
}

function chainTo(parent: Map<string, string | undefined>, file: string): string {
  const chain: string[] = [];
  for (let at: string | undefined = file; at !== undefined; at = parent.get(at)) chain.unshift(at);
  return chain.join(' -> ');
}

describe('the vault command group', () => {
  it('loads neither the CDK, the AWS SDK, the local cloud nor the environment access statically', async () => {
    const loaded = await staticallyLoaded(ENTRY);
    expect(loaded.size).toBeGreaterThan(20); // the vault engine itself is there: the walk did run
    const heavy = [...loaded.keys()].filter((file) => /node_modules\/(aws-cdk-lib|constructs|@aws-sdk|@smithy)\/|^local\/cloud\/|^cli\/environment-access\.ts$|^lib\//.test(file));
    expect(heavy.slice(0, 3).map((file) => chainTo(loaded, file))).toEqual([]);
  }, 60_000);
});
