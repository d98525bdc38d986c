#!/usr/bin/env node
// `npx lifeboat ...`: run the TypeScript CLI through tsx (npx puts node_modules/.bin, with Node 24, on PATH).
require('../scripts/require-node.cjs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'lifeboat.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
