import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type * as HandlerBundle from '../../../lib/constructs/handler-bundle';
import { HANDLER_BUNDLES_ENV, HandlerBundleNotFoundError, handlerBundleDir } from '../../../lib/constructs/handler-bundle';
import { REPO_ROOT } from '../../support/repo-root';

type HandlerBundleModule = typeof HandlerBundle;

/**
 * Where LifeboatFunction takes a handler's code from in the repository: LIFEBOAT_HANDLER_BUNDLES
 * when set (the test runs' globalSetup sets it), else a bundle built from lambdas/handlers into
 * .cache/handler-bundles. (The installed package's dist/handlers: packed-example.test.ts.)
 */
const saved = process.env[HANDLER_BUNDLES_ENV];
let tmp: string;

beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'lifeboat-handler-bundle-'));
  delete process.env[HANDLER_BUNDLES_ENV];
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (saved === undefined) delete process.env[HANDLER_BUNDLES_ENV];
  else process.env[HANDLER_BUNDLES_ENV] = saved;
});

it('bundles a handler from its source with the codec worker beside it, once per process', () => {
  const dir = handlerBundleDir('backup-lock');
  expect(path.relative(REPO_ROOT, dir).split(path.sep).slice(0, 3)).toEqual(['.cache', 'handler-bundles', 'backup-lock']);
  const bundle = readFileSync(path.join(dir, 'index.js'), 'utf8');
  expect(bundle).toContain('//# sourceMappingURL=index.js.map');
  // The AWS SDK stays external (the Lambda runtime has it); the vault's codec worker is its own file.
  expect(bundle).toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
  expect(readFileSync(path.join(dir, 'codec-worker.js'), 'utf8')).toContain('parentPort');
  expect(handlerBundleDir('backup-lock')).toBe(dir);
  // The same build made every other handler's bundle, each in its own directory.
  const other = handlerBundleDir('commit-backup');
  expect(path.relative(REPO_ROOT, other).split(path.sep).slice(0, 3)).toEqual(['.cache', 'handler-bundles', 'commit-backup']);
  expect(readFileSync(path.join(other, 'index.js'), 'utf8')).toContain('//# sourceMappingURL=index.js.map');
  expect(readdirSync(path.dirname(dir)).filter((entry) => entry.endsWith('.tmp'))).toEqual([]);
});

it('maps a bundled handler\'s stack trace to our TypeScript sources with --enable-source-maps, from a map without the sources\' text', () => {
  const dir = handlerBundleDir('backup-lock');
  const map = JSON.parse(readFileSync(path.join(dir, 'index.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
  expect(map.sourcesContent).toBeUndefined();
  expect(map.sources.some((s) => s.endsWith('lambdas/runtime/parse-input.ts'))).toBe(true);
  // An invalid request fails in parseInput, as Lambda would run the bundle (its runtime sets --enable-source-maps through NODE_OPTIONS).
  const script = `require(${JSON.stringify(path.join(dir, 'index.js'))}).handler({ action: 'nonsense' }, { getRemainingTimeInMillis: () => 1000, awsRequestId: 'r' }).catch((e) => { process.stdout.write(e.stack); });`;
  const run = spawnSync(process.execPath, ['--enable-source-maps', '-e', script], { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1' } });
  expect(run.stdout).toMatch(/^InvalidInputError: Invalid backup lock request/);
  expect(run.stdout).toMatch(/at parseInput \(.+\/lambdas\/runtime\/parse-input\.ts:\d+:\d+\)/);
  expect(run.stdout).toContain(`at parseInput (${path.join(REPO_ROOT, 'lambdas', 'runtime', 'parse-input.ts')}:`);
});

it('takes the bundles of LIFEBOAT_HANDLER_BUNDLES when it is set', () => {
  mkdirSync(path.join(tmp, 'backup-lock'));
  writeFileSync(path.join(tmp, 'backup-lock', 'index.js'), 'exports.handler = async () => null;\n');
  process.env[HANDLER_BUNDLES_ENV] = tmp;
  expect(handlerBundleDir('backup-lock')).toBe(path.join(tmp, 'backup-lock'));
});

it('names the missing bundle and the fix when LIFEBOAT_HANDLER_BUNDLES lacks one', () => {
  process.env[HANDLER_BUNDLES_ENV] = tmp;
  const missing = path.join(tmp, 'commit-backup', 'index.js');
  expect(() => handlerBundleDir('commit-backup')).toThrow(HandlerBundleNotFoundError);
  expect(() => handlerBundleDir('commit-backup')).toThrow(
    `No code for the Lifeboat handler "commit-backup": none of ${missing} exists. Build the bundles into ${tmp} (scripts/build-handler-bundles.ts) or unset LIFEBOAT_HANDLER_BUNDLES.`,
  );
});

it('refuses a handler that has no source', () => {
  expect(() => handlerBundleDir('no-such-handler')).toThrow(/^No code for the Lifeboat handler "no-such-handler": none of .*handlers\/no-such-handler\/index\.js, .*lambdas\/handlers\/no-such-handler\.ts exists\./);
});

it('lets a synth that skips bundling use the unbundled sources when nothing was bundled in the process', () => {
  // A fresh module registry: the tests above bundled every handler in this one.
  jest.isolateModules(() => {
    const fresh = jest.requireActual<HandlerBundleModule>('../../../lib/constructs/handler-bundle');
    expect(fresh.handlerBundleDir('commit-backup', { bundle: false })).toBe(path.join(REPO_ROOT, 'lambdas', 'handlers'));
  });
});
