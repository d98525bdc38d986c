#!/usr/bin/env node
// `npx lifeboat ...`. In the repository (bin/lifeboat.ts beside this file) it runs the TypeScript CLI
// through tsx, so a dist/ left over from `npm pack` never shadows the sources being edited. In the
// installed package (no TypeScript shipped) it runs the compiled CLI, dist/bin/lifeboat.js.
require('../scripts/require-node.cjs');
const { existsSync } = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, 'lifeboat.ts');
if (existsSync(source)) {
  const { spawn } = require('node:child_process');
  const { constants } = require('node:os');
  // npx puts node_modules/.bin (with Node 24) on PATH; tsx is a devDependency, present wherever the sources are.
  const child = spawn(process.execPath, ['--import', 'tsx', source, ...process.argv.slice(2)], { stdio: 'inherit' });
  // The wrapper stays until the CLI has finished its clean-up, so the shell gives the prompt back only
  // then and a second Ctrl-C still reaches the CLI. The terminal's Ctrl-C goes to the whole foreground
  // group, the CLI included, so the wrapper ignores its own copy; signals sent to the wrapper alone are passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    console.error(`Could not start the Lifeboat CLI (${process.execPath} --import tsx ${source}): ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
} else {
  require(path.join(__dirname, '..', 'dist', 'bin', 'lifeboat.js'));
}
