'use strict';
/*
 * Runs inside the temporary app that packed-example.test.ts assembles (copied next to the example's
 * compiled code), so every require resolves as in a user's project: aws-cdk-lib, constructs and
 * cdk-nag from its node_modules, lifeboat from the unpacked tarball. Synthesizes the example's
 * ShopStack with cdk-nag's AwsSolutions checks added here, by the harness (the example adds none),
 * and writes what the test asserts to the report file.
 * argv: <outdir> <report file>
 */
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { App, Stack, Validations } = require('aws-cdk-lib');
const { AwsSolutionsChecks } = require('cdk-nag');
const { ShopStack } = require('./lib/shop-stack.js');

const [outdir, reportFile] = process.argv.slice(2);
const lifeboatDir = path.dirname(require.resolve('lifeboat/package.json'));
let esbuildResolvable = true;
try {
  require.resolve('esbuild', { paths: [lifeboatDir] });
} catch {
  esbuildResolvable = false;
}

// Asset metadata as `cdk synth` adds it: each function's template entry names its asset directory.
const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
const shop = new ShopStack(app, 'Shop', { env: { account: '123456789012', region: 'us-east-1' } });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

let synthError;
let stacks = [];
try {
  const assembly = app.synth();
  stacks = assembly.stacks.map((s) => ({ stackName: s.stackName, templateFile: path.join(assembly.directory, s.templateFile) }));
} catch (err) {
  synthError = err instanceof Error ? err.message : String(err);
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
