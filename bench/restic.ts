import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { type BackupOutput, type BackupTool, lastJsonObject } from './backup-tool';
import { type CommandSpec } from './measure';
import { aptInstall, commandWorks } from './system-package';

/** restic's password for the bench repository; the repository is thrown away after the run. */
const PASSWORD = 'lifeboat-bench';

/** The restic program: the one on PATH, else installed from the apt package `restic`. */
export function ensureRestic(): { bin: string; version: string } {
  if (!commandWorks('restic', ['version'])) aptInstall('restic', 'restic is not on PATH (the benchmark compares Lifeboat with it)');
  const result = spawnSync('restic', ['version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`restic does not run: ${result.error?.message ?? result.stderr}`);
  // "restic 0.14.0 compiled with go1.19.8 on linux/amd64" -> "0.14.0 (go1.19.8)".
  const match = /restic (\S+) compiled with (\S+)/.exec(result.stdout);
  return { bin: 'restic', version: match ? `${match[1]} (${match[2]})` : result.stdout.trim() };
}

/**
 * restic as users run it: defaults everywhere (repository format 2, so zstd "auto" compression,
 * 16 MiB packs, its local cache), password from the environment. The cache goes into the bench's
 * run directory so every run starts cold and nothing is left in the user's home.
 */
export class ResticTool implements BackupTool {
  readonly name = 'restic';

  constructor(
    private readonly bin: string,
    readonly version: string,
    readonly vaultDir: string,
    private readonly cacheDir: string,
  ) {}

  private spec(args: string[]): CommandSpec {
    return { command: this.bin, args, env: { ...process.env, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: this.cacheDir } };
  }

  workPaths(): readonly string[] {
    return [this.vaultDir, this.cacheDir];
  }

  initCommand(): CommandSpec {
    return this.spec(['init', '--repo', this.vaultDir]);
  }

  backupCommand(sourceDir: string): CommandSpec {
    // --json --quiet prints only the summary line: no progress output competing for the CPU.
    return this.spec(['backup', '--repo', this.vaultDir, '--json', '--quiet', sourceDir]);
  }

  restoreCommand(targetDir: string): CommandSpec {
    return this.spec(['restore', 'latest', '--repo', this.vaultDir, '--target', targetDir]);
  }

  /** Forgets the given snapshots and prunes (restic's default --max-unused 5 %); the prune section. */
  forgetPruneCommand(ids: readonly string[]): CommandSpec {
    return this.spec(['forget', '--repo', this.vaultDir, '--prune', ...ids]);
  }

  /** restic restores a snapshot of /a/b into <target>/a/b: the absolute source path is kept. */
  restoredRoot(targetDir: string, sourceDir: string): string {
    return path.join(targetDir, path.resolve(sourceDir));
  }

  parseBackupOutput(stdout: string): BackupOutput {
    const summary = lastJsonObject(stdout);
    if (!summary) return {};
    return { ...(typeof summary.snapshot_id === 'string' ? { snapshotId: summary.snapshot_id } : {}), stats: summary };
  }
}
