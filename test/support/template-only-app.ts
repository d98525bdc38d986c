import { App } from 'aws-cdk-lib';
import { tempOutdir } from './temp-outdir';

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
 */
export function templateOnlyApp(): App {
  return new App({ outdir: tempOutdir(), context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-creation-stack-traces': true }, builtinCloudFormationValidation: false });
}
