import { App } from 'aws-cdk-lib';
import { shallowStackTracesInThisFile } from './shallow-stack-traces';
import { tempOutdir } from './temp-outdir';

// A file that builds its apps with this one runs its tests with shallow stack traces (./shallow-stack-traces.ts:
// aws-cdk-lib records a trace with every cdk-nag acknowledgement our constructs make, whatever the context says).
shallowStackTracesInThisFile();

/**
 * A CDK App for a test that looks at the construct tree or the templates, not at the functions'
 * code: bundling is off (context `aws:cdk:bundling-stacks` = [], as test/infra/lib/synth-app.ts
 * does), and its output goes to a temporary directory removed after the file. The unit tier sets
 * no LIFEBOAT_HANDLER_BUNDLES, so an App that bundles makes every file that builds a
 * LifeboatProtection bundle each handler with esbuild: about 15 s of CPU a file on the 2-core machine.
 * Without aws-cdk-lib's built-in CloudFormation validation, as every test app (docs/TESTING.md, "Test
 * apps synthesize without the CloudFormation validator"): the tests check the templates themselves.
 * No creation stack trace on every element (aws:cdk:disable-creation-stack-traces): nothing reads it, and
 * under jest each capture goes through its source-map formatter (about a tenth of a synth's CPU).
 * No staging of the functions' code (aws:cdk:disable-asset-staging): a synth copied every prebuilt bundle
 * (54 MB in the tiers whose setup sets LIFEBOAT_HANDLER_BUNDLES) into the output directory, which the file
 * then removed; the templates name each asset by the same hash either way. No tree.json (treeMetadata):
 * nothing reads it, and writing it walks every construct's attributes.
 */
export function templateOnlyApp(): App {
  return new App({
    outdir: tempOutdir(),
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true, 'aws:cdk:disable-creation-stack-traces': true },
    builtinCloudFormationValidation: false,
    treeMetadata: false,
  });
}
