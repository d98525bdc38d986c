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
  // then and a second Ctrl-C still reaches the CLI. SIGTERM and SIGHUP are passed on at once. A SIGINT may be
  // the terminal's Ctrl-C, which the whole foreground group got, the CLI included, or one sent to the wrapper
  // alone (`kill -INT`, `timeout -s INT`), which the CLI never learnt of until review r64M F2; the wrapper cannot
  // tell them apart. So it passes its SIGINT on after a pause unless the CLI has ended by then: one Node's
  // default ended (no listener) is gone, and one that listens (a run's stop, an AWS follow's) counts the same
  // signal within a second of the first as that one delivered twice (cli/stop-on-signals.ts), as it does the
  // copies of TERM and HUP a `timeout` or a closed terminal send to the group and the wrapper alike.
  const SIGINT_PASS_ON_MS = 100;
  process.on('SIGINT', () => {
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    }, SIGINT_PASS_ON_MS);
  });
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    console.error(`Could not start the Lifeboat CLI (${process.execPath} --import tsx ${source}): ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
} else {
  require(path.join(__dirname, '..', 'dist', 'bin', 'lifeboat.js'));
}
