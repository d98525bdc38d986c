import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { type BackupOutput, type BackupTool, lastJsonObject } from './backup-tool';
import { type CommandSpec } from './measure';

export type LifeboatBundle = {
  readonly script: string;
  /** 'self-contained', or 'npm-packages-external' when bundling every package failed. */
  readonly mode: 'self-contained' | 'npm-packages-external';
  readonly bundleBytes: number;
  /** Wall time of `lifeboat vault --help`: what every command pays before doing any work. */
  readonly startupSeconds: number;
};

export type LifeboatPreparation = { ok: true; bundle: LifeboatBundle } | { ok: false; error: string };

const VAULT_COMMANDS = path.join('cli', 'commands', 'vault-commands.ts');

/**
 * The top of an ESM bundle of CommonJS-era packages: `require`, `__filename` and `__dirname` as
 * those packages expect them.
 */
export const ESM_REQUIRE_BANNER = [
  "import { createRequire as __lbRequire } from 'node:module';",
  "import { fileURLToPath as __lbPath } from 'node:url';",
  'const require = __lbRequire(import.meta.url);',
  'const __filename = __lbPath(import.meta.url);',
  "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
].join(' ');

/** Builds the vault's codec worker thread into `bundleDir`, where bundled vault code looks for it (vault/workers/codec-worker-location.ts). */
export async function buildCodecWorkerBeside(repoRoot: string, bundleDir: string): Promise<void> {
  const worker = path.join(repoRoot, 'vault', 'workers', 'codec-worker.ts');
  await build({ entryPoints: [worker], bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'silent', outfile: path.join(bundleDir, 'codec-worker.js') });
}

/**
 * Bundles bin/lifeboat.ts (ESM, a chunk per command group) and checks that it has the `vault` commands.
 * The bench runs that file with the bench's own Node, so each timed command pays a shipped CLI's
 * start-up (one file to load), not tsx's on-the-fly TypeScript compilation.
 */
export async function prepareLifeboatCli(repoRoot: string, outDir: string): Promise<LifeboatPreparation> {
  if (!fs.existsSync(path.join(repoRoot, VAULT_COMMANDS))) return { ok: false, error: `${VAULT_COMMANDS} does not exist` };
  const bundleDir = path.join(outDir, 'lifeboat-cli');
  fs.rmSync(bundleDir, { recursive: true, force: true });
  const script = path.join(bundleDir, 'lifeboat.mjs');
  let mode: LifeboatBundle['mode'] = 'self-contained';
  const options: BuildOptions = {
    entryPoints: [path.join(repoRoot, 'bin', 'lifeboat.ts')],
    bundle: true,
    platform: 'node',
    // ESM with code splitting: each command group is its own chunk, loaded when that command runs, so
    // `lifeboat vault` starts in ~0.25 s / 80 MiB instead of parsing the CDK (1.6 s / 250 MiB as one CJS file).
    format: 'esm',
    splitting: true,
    outdir: bundleDir,
    outExtension: { '.js': '.mjs' },
    banner: { js: ESM_REQUIRE_BANNER },
    target: 'node22',
    logLevel: 'silent',
    absWorkingDir: repoRoot,
  };
  try {
    await build(options);
  } catch (first) {
    // Some packages cannot be bundled (native addons, files read beside their sources). The
    // bundle lives inside the repository, so with packages external they resolve from its
    // node_modules, exactly as for an npm-installed CLI.
    try {
      await build({ ...options, packages: 'external' });
      mode = 'npm-packages-external';
    } catch {
      return { ok: false, error: `esbuild could not bundle bin/lifeboat.ts: ${firstLine(first)}` };
    }
  }
  // The codec worker threads start from codec-worker.js beside the bundle (vault/workers/codec-worker-location.ts);
  // without it the CLI falls back to the slower in-thread codec.
  try {
    await buildCodecWorkerBeside(repoRoot, bundleDir);
  } catch (err) {
    return { ok: false, error: `esbuild could not bundle the codec worker: ${firstLine(err)}` };
  }
  const started = process.hrtime.bigint();
  const probe = spawnSync(process.execPath, [script, 'vault', '--help'], { encoding: 'utf8', env: childEnv() });
  const startupSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const help = `${probe.stdout ?? ''}`;
  if (probe.error || probe.status !== 0 || !/backup/.test(help) || !/restore/.test(help)) {
    const why = probe.error?.message ?? (`${probe.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ') || `exit ${probe.status}`);
    return { ok: false, error: `\`lifeboat vault --help\` does not list backup and restore: ${why}` };
  }
  return { ok: true, bundle: { script, mode, bundleBytes: fs.readdirSync(bundleDir).reduce((sum, f) => sum + fs.statSync(path.join(bundleDir, f)).size, 0), startupSeconds } };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 3).join(' | ');
}

/** The bench's environment minus NODE_OPTIONS, which tsx may use for its loader: the CLI runs plain. */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

/** The Lifeboat vault CLI (`lifeboat vault init|backup|restore`) on a local directory vault. */
export class LifeboatTool implements BackupTool {
  readonly name = 'Lifeboat';

  constructor(
    private readonly script: string,
    readonly version: string,
    readonly vaultDir: string,
    private readonly keyFile: string,
  ) {}

  private spec(args: string[]): CommandSpec {
    return { command: process.execPath, args: [this.script, 'vault', ...args], env: childEnv() };
  }

  private vaultArgs(): string[] {
    return ['--vault', this.vaultDir, '--key-file', this.keyFile];
  }

  workPaths(): readonly string[] {
    return [this.vaultDir, this.keyFile];
  }

  initCommand(): CommandSpec {
    return this.spec(['init', ...this.vaultArgs()]);
  }

  backupCommand(sourceDir: string): CommandSpec {
    return this.spec(['backup', ...this.vaultArgs(), '--json', sourceDir]);
  }

  restoreCommand(targetDir: string): CommandSpec {
    return this.spec(['restore', ...this.vaultArgs(), '--target', targetDir, 'latest']);
  }

  /** A prune that deletes at once (grace 0: condemn and sweep in one command), as restic's does; the prune section. */
  pruneCommand(): CommandSpec {
    return this.spec(['prune', ...this.vaultArgs(), '--grace', '0']);
  }

  verifyCommand(): CommandSpec {
    return this.spec(['verify', ...this.vaultArgs(), '--read-data']);
  }

  /** Lifeboat restores the tree's contents directly into the target. */
  restoredRoot(targetDir: string): string {
    return targetDir;
  }

  parseBackupOutput(stdout: string): BackupOutput {
    const out = lastJsonObject(stdout);
    if (!out) return {};
    return { ...(typeof out.snapshotId === 'string' ? { snapshotId: out.snapshotId } : {}), stats: out.stats };
  }
}

/** "0.1.0 (git abc1234, with uncommitted changes)": which Lifeboat the figures belong to. */
export function lifeboatVersion(repoRoot: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version?: string };
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: repoRoot, encoding: 'utf8' });
  const commit = head.status === 0 ? head.stdout.trim() : 'unknown';
  return `${pkg.version ?? '?'} (git ${commit}${dirty.status === 0 && dirty.stdout.trim() ? ', with uncommitted changes' : ''})`;
}
