import { type App, type Stack } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import { transformSync } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../support/repo-root';
import { tempOutdir } from '../../support/temp-outdir';
import { USER_APP_ENV } from './user-app-fixture';

/**
 * The example's stack as its own code builds it: examples/protect-existing-stack/lib/shop-stack.ts compiled to CommonJS
 * beside a temporary output directory, with `lifeboat` (the package name a user's app imports) and every other module
 * it requires resolved from this repository, so it builds the same LifeboatProtection class the tests inspect.
 */
export function buildExampleShopStack(app: App): Stack {
  const source = path.join(REPO_ROOT, 'examples', 'protect-existing-stack', 'lib', 'shop-stack.ts');
  const { code } = transformSync(readFileSync(source, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node22', sourcefile: source });
  const resolved = code.replace(/require\("([^"]+)"\)/g, (_, name: string) => `require(${JSON.stringify(name === 'lifeboat' ? path.join(REPO_ROOT, 'lib', 'index.ts') : require.resolve(name))})`);
  const compiled = path.join(tempOutdir(), 'shop-stack.js');
  writeFileSync(compiled, resolved);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the example's compiled code, loaded as its app would load it
  const { ShopStack } = require(compiled) as { ShopStack: new (scope: Construct, id: string, props: { env: typeof USER_APP_ENV }) => Stack };
  return new ShopStack(app, 'Shop', { env: USER_APP_ENV });
}
