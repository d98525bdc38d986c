import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type IReusableStackSynthesizer, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { withShallowStackTraces } from '../../support/shallow-stack-traces';

/**
 * Synthesizes an app built by `build` once, for the tests of one file. `nag`: with the AwsSolutions checks
 * our own app (bin/app.ts) runs, so synth fails on any unacknowledged finding (`violations` lists them).
 * `bundle`: bundle and stage the functions' code; off by default (TEMPLATES_ONLY), since the tests look at
 * templates only. The output directory is removed after the file's tests.
 */
/** Output directories of this test file's synths (this module is loaded once per test file), removed after its tests. */
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * What a template-only synth skips: bundling (context aws:cdk:bundling-stacks = []), and staging, the copy of
 * every function's code (the prebuilt bundles, 54 MB) into the output directory, which no test here reads: the
 * templates name each asset by the hash of its source either way (aws:cdk:disable-asset-staging).
 */
const TEMPLATES_ONLY = { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true };
/**
 * No creation stack trace on every CloudFormation element (aws:cdk:disable-creation-stack-traces): the trace goes
 * to metadata no test reads, and under jest each capture goes through its source-map stack formatter, about a
 * tenth of the CPU of a file that synthesizes LifeboatProtection.
 */
const FAST_SYNTH = { 'aws:cdk:disable-creation-stack-traces': true };

export function synthesizeApp<T>(
  build: (app: App) => T,
  options: { nag?: boolean; bundle?: boolean; context?: Record<string, unknown>; defaultStackSynthesizer?: IReusableStackSynthesizer } = {},
): SynthesizedApp<T> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'lifeboat-infra-'));
  outdirs.push(outdir);
  const context = { ...(options.bundle ? {} : TEMPLATES_ONLY), ...FAST_SYNTH, ...options.context };
  // No built-in CloudFormation template validation (aws-cdk-lib's wasm validator, seconds per synth): these tests assert
  // the templates themselves. No tree.json either (treeMetadata): no test reads it, cdk-nag's report names the constructs
  // from the construct tree itself, and writing it walks every construct's attributes (about 8 % of a file's CPU).
  // Built and synthesized with shallow stack traces (../../support/shallow-stack-traces.ts says why).
  const app = new App({ outdir, context, builtinCloudFormationValidation: false, treeMetadata: false, ...(options.defaultStackSynthesizer ? { defaultStackSynthesizer: options.defaultStackSynthesizer } : {}) });
  const built = withShallowStackTraces(() => build(app));
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  let synthError: unknown;
  let assemblyDir = outdir;
  try {
    assemblyDir = withShallowStackTraces(() => app.synth()).directory;
  } catch (err) {
    synthError = err;
  }
  return { app, built, outdir, assemblyDir, synthError, violations: () => (synthError ? violationsIn(outdir) : []) };
}

export type SynthesizedApp<T> = {
  app: App;
  built: T;
  outdir: string;
  assemblyDir: string;
  /** What synth threw: with `nag`, "Validation failed" when there is a finding. */
  synthError: unknown;
  /** Unacknowledged cdk-nag findings, as `<rule> at <construct path>`. */
  violations: () => string[];
};

type ValidationReport = { pluginReports?: { violations?: { ruleName: string; violatingConstructs?: { constructPath?: string }[] }[] }[] };

/** The findings in a synth's validation-report.json (written when a validation plugin reports any). */
export function violationsIn(dir: string): string[] {
  const report = JSON.parse(readFileSync(path.join(dir, 'validation-report.json'), 'utf8')) as ValidationReport;
  return (report.pluginReports ?? []).flatMap((r) => r.violations ?? []).flatMap((v) => (v.violatingConstructs ?? [{}]).map((c) => `${v.ruleName} at ${c.constructPath ?? '?'}`));
}
