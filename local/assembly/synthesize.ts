import { createHash } from 'node:crypto';
import type * as cdk from 'aws-cdk-lib';
import { type LifeboatConfig } from '../../config/lifeboat-config';
import type * as lifeboatApp from '../../lib/lifeboat-app';
import { findEnvironment } from '../../config/load-config';
import { cachedSynthesis, SYNTH_CACHE_ENV } from './synthesis-cache';
import { type SynthesizedStack, synthesizedStackOf } from './synthesized-stack';

/**
 * Synthesizes the CDK app as `cdk synth` does (same constructs, same bundled handlers; the cdk-nag
 * check is bin/app.ts's) into `outdir`, and returns the stacks of one environment. The local cloud
 * provisions from these templates and the local executor runs their state machines, so local runs
 * and `cdk deploy` share one definition.
 *
 * With LIFEBOAT_SYNTH_CACHE set (test runs, see synthesis-cache.ts) an environment synthesized
 * before is reused from the cache, whose assembly the stacks then point at; `outdir` is not written.
 */
export async function synthesizeEnvironment(options: { config: LifeboatConfig; envName: string; outdir: string }): Promise<SynthesizedStack[]> {
  const cacheDir = process.env[SYNTH_CACHE_ENV];
  if (!cacheDir) return synthesizeInto(options.config, options.envName, options.outdir);
  // The app is built from the one environment alone (buildLifeboatApp gets `environments: [env]`), so that is the key.
  const env = findEnvironment(options.config, options.envName);
  const key = createHash('sha256').update(JSON.stringify(env)).digest('hex').slice(0, 24);
  return cachedSynthesis(cacheDir, key, (outdir) => synthesizeInto(options.config, options.envName, outdir));
}

async function synthesizeInto(config: LifeboatConfig, envName: string, outdir: string): Promise<SynthesizedStack[]> {
  const env = findEnvironment(config, envName);
  // Loaded here, not at the top: a synthesis found in the cache needs neither the constructs nor the CDK.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App } = require('aws-cdk-lib') as typeof cdk;
  const { buildLifeboatApp } = require('../../lib/lifeboat-app') as typeof lifeboatApp;
  /* eslint-enable @typescript-eslint/no-require-imports */
  // Asset metadata (as `cdk synth` adds it) tells the local executor where each function was bundled.
  // The CDK's built-in CloudFormation validation (seconds of CPU per synth, in WebAssembly) is left
  // to `cdk synth` and to the packed-example test, which synthesizes a whole LifeboatProtection with
  // it on: a local run executes the templates, it does not deploy them. No creation stack trace on every
  // element (aws:cdk:disable-creation-stack-traces): the templates are the same without it, nothing local
  // reads it, and under jest each capture goes through its source-map formatter (about 1 of a synth's 8 CPU-s).
  const app = new App({
    outdir,
    context: { 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:disable-creation-stack-traces': true },
    builtinCloudFormationValidation: false,
  });
  const stacks = buildLifeboatApp(app, { environments: [env] });
  const assembly = app.synth();
  const built = stacks.get(env.name);
  if (!built) throw new Error(`Synthesis produced no stacks for environment ${env.name}.`);
  return [
    { stack: built.primary, role: 'primary' as const },
    { stack: built.dr, role: 'dr' as const },
  ].map(({ stack, role }) => synthesizedStackOf(assembly.directory, stack, role));
}
