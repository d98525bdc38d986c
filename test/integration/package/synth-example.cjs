'use strict';
/*
 * Runs inside the temporary app that packed-example.test.ts assembles (copied next to the example's
 * compiled code), so every require resolves as in a user's project: aws-cdk-lib, constructs and
 * cdk-nag from its node_modules, lifeboat from the unpacked tarball. Runs the example's own
 * bin/app.js as `cdk synth` runs it (the test sets CDK_OUTDIR, CDK_DEFAULT_ACCOUNT/REGION and the
 * CLI's context in CDK_CONTEXT_JSON): its App synthesizes itself into CDK_OUTDIR as the process is
 * about to exit. The harness adds cdk-nag's AwsSolutions checks to that App as it is constructed
 * (the example adds none), so one synth serves both the entry point's checks and the nag checks;
 * after the App's synth it reads the cloud assembly from CDK_OUTDIR, as the CLI does, and writes
 * what the test asserts to the report file.
 * argv: <report file>
 */
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { Stack, Validations } = require('aws-cdk-lib');
const { CloudAssembly } = require('aws-cdk-lib/cx-api');
const { AwsSolutionsChecks } = require('cdk-nag');

const [reportFile] = process.argv.slice(2);
const outdir = process.env.CDK_OUTDIR;
if (!reportFile || !outdir) throw new Error('usage: CDK_OUTDIR=<outdir> node synth-example.cjs <report file>');
const lifeboatDir = path.dirname(require.resolve('lifeboat/package.json'));
let esbuildResolvable = true;
try {
  require.resolve('esbuild', { paths: [lifeboatDir] });
} catch {
  esbuildResolvable = false;
}

// aws-cdk-lib calls the function under this symbol with every App it constructs (its own test helpers use it):
// the way to reach the App of an entry point that neither exports it nor takes plugins.
const APP_INIT_HOOK = Symbol.for('@aws-cdk/core.App#initHook');
const apps = [];
globalThis[APP_INIT_HOOK] = (app) => {
  apps.push(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
};
require('./bin/app.js');
if (apps.length !== 1) {
  throw new Error(`Expected bin/app.js to construct one App, saw ${apps.length}: has aws-cdk-lib stopped calling ${String(APP_INIT_HOOK)}? Without it no cdk-nag check runs.`);
}
const shop = apps[0].node.findChild('Shop');

let written = false;
function writeReport(synthError) {
  if (written) return;
  written = true;
  let stacks = [];
  if (synthError === undefined) {
    try {
      const assembly = new CloudAssembly(outdir);
      stacks = assembly.stacks.map((s) => ({ stackName: s.stackName, templateFile: path.join(assembly.directory, s.templateFile) }));
    } catch (err) {
      synthError = `No cloud assembly in CDK_OUTDIR after bin/app.js exited: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  const logicalId = (construct) => Stack.of(construct).resolve(Stack.of(construct).getLogicalId(construct.node.defaultChild));
  writeFileSync(
    reportFile,
    JSON.stringify({
      synthError,
      esbuildResolvable,
      lifeboatDir,
      assemblyDir: outdir,
      stacks,
      shopStackName: shop.stackName,
      bucketLogicalId: logicalId(shop.assets),
      tableLogicalId: logicalId(shop.orders),
    }),
  );
}
// The App registered its synth on 'beforeExit' when constructed, so this listener runs after it;
// what that synth throws (cdk-nag's "Validation failed" among others) arrives here instead.
process.once('uncaughtException', (err) => writeReport(err instanceof Error ? err.message : String(err)));
process.once('beforeExit', () => writeReport(undefined));
