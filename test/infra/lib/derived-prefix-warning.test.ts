import { type App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type LifeboatPlan, LifeboatProtection, LifeboatSource } from '../../../lib';
import { REPO_ROOT } from '../../support/repo-root';
import { templateOnlyApp } from '../../support/template-only-app';
import { buildExampleShopStack } from './example-shop-stack';
import { USER_APP_ENV } from './user-app-fixture';

/**
 * A protection without `prefix` derives it from its construct path, which a move or rename changes, and every
 * physical name with it (audit R19, F1): synth warns, naming the derived prefix and how to pin it. One with a
 * prefix says nothing, and the README's and the example's constructs pass one.
 */
const WARNING_ID = 'lifeboat:prefix-derived';

function plan(): LifeboatPlan {
  return { name: 'daily', schedule: 'rate(1 day)', strategy: 'incremental', retention: { keepLast: 7 }, objectives: { rpoMinutes: 1440, rtoMinutes: 60 }, maxConcurrency: 8, sources: [] };
}

function protect(options: { prefix?: string; wrapIn?: string }) {
  const app = templateOnlyApp();
  const stack = new Stack(app, 'Shop', { env: USER_APP_ENV });
  const source = LifeboatSource.s3Bucket('assets', s3.Bucket.fromBucketName(stack, 'Assets', 'shop-assets'));
  const scope = options.wrapIn !== undefined ? new Construct(stack, options.wrapIn) : stack;
  const protection = new LifeboatProtection(scope, 'Lifeboat', {
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    drRegion: 'us-west-2',
    plans: [{ ...plan(), sources: [source] }],
  });
  return { app, protection };
}

/** Every warning of the synthesized app, each with the construct path it is attached to. */
function warnings(app: App): { path: string; text: string }[] {
  const assembly = app.synth();
  return assembly.stacks.flatMap((s) => s.messages.filter((m) => m.level === 'warning').map((m) => ({ path: m.id, text: String(m.entry.data) })));
}
const derivedPrefixWarnings = (app: App) => warnings(app).filter((w) => w.text.includes(`[ack: ${WARNING_ID}]`));

describe('a LifeboatProtection without prefix', () => {
  it('warns once, on the protection, naming the derived prefix, how to pin it and what a change would deploy', () => {
    const { app, protection } = protect({});
    // Shop/Lifeboat: the readable part of the path and 8 hex digits of its hash (lifeboat-defaults.ts, defaultPrefix).
    expect(protection.prefix).toBe('shop-lifeboat-126e8bc6');
    const found = derivedPrefixWarnings(app);
    expect(found).toEqual([{ path: '/Shop/Lifeboat', text: expect.stringContaining('derived from this construct\'s path: "shop-lifeboat-126e8bc6"') }]);
    const [text] = found.map((w) => w.text);
    expect(text).toContain("Pin it with prefix: 'shop-lifeboat-126e8bc6' before the first deploy");
    expect(text).toContain('moving or renaming the construct, its stack or a scope above it changes a derived prefix');
    expect(text).toContain('deploys new, empty vaults and catalogs (the old ones are retained but no longer used)');
    expect(text).toContain('docs/DEPLOYMENT.md, "Settings that must not change after the first deploy"');
  });

  it('names the other prefix once the construct moves into another scope', () => {
    const { app, protection } = protect({ wrapIn: 'Backups' });
    expect(protection.prefix).toBe('shop-backups-b8569099');
    expect(derivedPrefixWarnings(app)).toEqual([{ path: '/Shop/Backups/Lifeboat', text: expect.stringContaining("Pin it with prefix: 'shop-backups-b8569099'") }]);
  });
});

it('a LifeboatProtection with prefix does not warn about it, in either stack', () => {
  const { app, protection } = protect({ prefix: 'shop' });
  expect(protection.prefix).toBe('shop');
  expect(derivedPrefixWarnings(app)).toEqual([]);
  expect(warnings(app).filter((w) => w.text.includes('prefix'))).toEqual([]);
});

describe('the construct that README.md and examples/protect-existing-stack show', () => {
  it('the example passes a prefix: its protection carries it, and synth gives no derived-prefix warning', () => {
    const app = templateOnlyApp();
    const shop = buildExampleShopStack(app);
    const protections = shop.node.findAll().filter((c): c is LifeboatProtection => c instanceof LifeboatProtection);
    expect(protections.map((p) => p.prefix)).toEqual(['shop']);
    expect(derivedPrefixWarnings(app)).toEqual([]);
  });

  it('README\'s "Use it in your own CDK app" passes the example\'s prefix, with the comment why', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use it in your own CDK app'));
    const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    expect(snippet).toContain("new LifeboatProtection(this, 'Lifeboat', {");
    expect(snippet).toContain("  prefix: 'shop',\n");
    expect(snippet).toContain('a derived one would change when this construct moves');
    const example = readFileSync(path.join(REPO_ROOT, 'examples', 'protect-existing-stack', 'lib', 'shop-stack.ts'), 'utf8');
    expect(example).toContain("      prefix: 'shop',\n");
  });
});
