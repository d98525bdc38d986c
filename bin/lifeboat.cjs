#!/usr/bin/env node
// `npx lifeboat ...`. In the repository (bin/lifeboat.ts beside this file) it runs the TypeScript CLI
// through tsx, so a dist/ left over from `npm pack` never shadows the sources being edited. In the
// installed package (no TypeScript shipped) it runs the compiled CLI, dist/bin/lifeboat.js.
require('../scripts/require-node.cjs');
const { existsSync } = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, 'lifeboat.ts');
if (existsSync(source)) {
  const { spawnSync } = require('node:child_process');
  // npx puts node_modules/.bin (with Node 24) on PATH; tsx is a devDependency, present wherever the sources are.
  const result = spawnSync(process.execPath, ['--import', 'tsx', source, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
} else {
  require(path.join(__dirname, '..', 'dist', 'bin', 'lifeboat.js'));
}
