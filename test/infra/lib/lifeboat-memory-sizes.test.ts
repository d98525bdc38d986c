import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { Aspects, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { type IConstruct } from 'constructs';
import { InvalidLifeboatPropsError, LifeboatMemorySizes, LifeboatProtection, LifeboatSource } from '../../../lib';
import { LifeboatFunction } from '../../../lib/constructs/lifeboat-function';
import { LIFEBOAT_HANDLERS } from '../../../config/lifeboat-handlers';
import { templateOnlyApp } from '../../support/template-only-app';
import { FUNCTION_SIZING } from '../../../lib/lifeboat-defaults';
import { REPO_ROOT } from '../../support/repo-root';
import { synthesizeApp } from './synth-app';
import { USER_APP_ENV } from './user-app-fixture';

/** What a VaultIndexTooLargeError asks for: a user gives Lifeboat's functions more memory by handler name (docs/SCALE.md, "Index per shard"). */

type Resource = { Properties: { MemorySize: number; Environment: { Variables: Record<string, string> } } };

/** Each function's memory size in a template, by its handler. */
function memoryByHandler(template: Template): Map<string, number> {
  const fns = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: Match.anyValue() }) } } }) as Record<string, Resource>;
  return new Map(Object.values(fns).map((fn) => [fn.Properties.Environment.Variables.LIFEBOAT_HANDLER as string, fn.Properties.MemorySize]));
}

describe('LifeboatMemorySizes', () => {
  const s = synthesizeApp((app) => {
    const shop = new Stack(app, 'Shop', { env: USER_APP_ENV });
    const assets = s3.Bucket.fromBucketName(shop, 'Assets', 'shop-assets');
    const plans = [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental' as const, retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [LifeboatSource.s3Bucket('assets', assets)] }];
    const protection = new LifeboatProtection(shop, 'Lifeboat', { drRegion: 'eu-central-1', plans, functionMemory: { 'prune-vault': 6144, 'snapshot-shard': 4096, 'restore-shard': 3008 } });
    // A second protection in the same stack shares its DR stack: it keeps the defaults.
    const other = new LifeboatProtection(shop, 'Other', { drRegion: 'eu-central-1', plans });
    // An app that assembles its own: the aspect on a scope of its choosing.
    const own = new Stack(app, 'Own', { env: USER_APP_ENV });
    new LifeboatFunction(own, 'Prune', { handler: 'prune-vault' });
    new LifeboatFunction(own, 'Lock', { handler: 'backup-lock' });
    Aspects.of(own).add(new LifeboatMemorySizes({ 'prune-vault': 8192 }));
    return { shop, protection, other, own };
  });

  /** Each function's memory size under one construct (a protection, or its part of the DR stack), by handler. */
  function memoryUnder(scope: IConstruct): Map<string, number> {
    const fns = scope.node.findAll().filter((c): c is LifeboatFunction => c instanceof LifeboatFunction);
    return new Map(fns.map((fn) => [fn.handlerName, Stack.of(fn).resolve((fn.node.defaultChild as CfnFunction).memorySize) as number]));
  }

  it('sets the named functions\' memory in the protection and its part of the DR stack, and leaves every other function at its default', () => {
    expect(s.synthError).toBeUndefined();
    const primary = memoryUnder(s.built.protection);
    const dr = memoryUnder(s.built.protection.drStack.node.findChild('Lifeboat'));
    expect([primary.get('prune-vault'), primary.get('snapshot-shard'), primary.get('restore-shard')]).toEqual([6144, 4096, 3008]);
    // The DR stack's own prune and restore functions too (it has no backup shards).
    expect([dr.get('prune-vault'), dr.get('restore-shard')]).toEqual([6144, 3008]);
    for (const [handler, size] of [...primary, ...dr]) {
      if (['prune-vault', 'snapshot-shard', 'restore-shard'].includes(handler)) continue;
      expect([handler, size]).toEqual([handler, FUNCTION_SIZING[handler]?.memorySize ?? 1024]);
    }
    // The other protection, primary and DR: every function at its default.
    for (const [handler, size] of memoryUnder(s.built.other)) expect([handler, size]).toEqual([handler, FUNCTION_SIZING[handler]?.memorySize ?? 1024]);
    const drTemplate = memoryByHandler(Template.fromStack(s.built.protection.drStack));
    expect(drTemplate.size).toBeGreaterThan(0);
    // The template of the shared DR stack holds both: some prune-vault at 6,144 (this protection's), one at 2,048 (the other's).
    const drPrunes = Object.values(Template.fromStack(s.built.protection.drStack).findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ LIFEBOAT_HANDLER: 'prune-vault' }) } } }) as Record<string, Resource>).map((r) => r.Properties.MemorySize);
    expect(drPrunes.sort()).toEqual([2048, 6144]);
    // The aspect on an app's own scope.
    expect(memoryByHandler(Template.fromStack(s.built.own))).toEqual(new Map([['prune-vault', 8192], ['backup-lock', 256]]));
  });

  it('refuses a name that is no Lifeboat function and a size Lambda does not take, naming each', () => {
    const stack = new Stack(templateOnlyApp(), 'Bad', { env: USER_APP_ENV });
    const plans = [{ name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental' as const, retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, sources: [LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets'))] }];
    expect(() => new LifeboatProtection(stack, 'Lifeboat', { drRegion: 'eu-central-1', plans, functionMemory: { 'snapshot-shard': 64 } })).toThrow(
      'Invalid props of LifeboatProtection Bad/Lifeboat (functionMemory):\n  - snapshot-shard: 64 is not a Lambda memory size (whole MB from 128 to 10240)',
    );
    expect(() => new LifeboatMemorySizes({ 'prune-valt': 4096 })).toThrow(InvalidLifeboatPropsError);
    expect(() => new LifeboatMemorySizes({ 'prune-valt': 4096 })).toThrow(/"prune-valt" is no Lifeboat function; the functions are abandon-restore, backup-lock, .*prune-vault/);
    for (const bad of [64, 10_241, 2048.5]) {
      expect(() => new LifeboatMemorySizes({ 'snapshot-shard': bad })).toThrow(`snapshot-shard: ${bad} is not a Lambda memory size (whole MB from 128 to 10240)`);
    }
  });

  it('knows every handler of the repository by name', () => {
    const files = readdirSync(path.join(REPO_ROOT, 'lambdas', 'handlers')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
    expect([...LIFEBOAT_HANDLERS]).toEqual(files);
  });
});
