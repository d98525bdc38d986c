import { type CommandSpec } from './measure';

export type BackupOutput = { readonly snapshotId?: string; readonly stats?: unknown };

/**
 * What the bench needs from a backup program: the commands for each step (run and timed by the
 * bench, so both tools are measured identically) and where a restore puts the tree.
 */
export interface BackupTool {
  /** Column heading: 'Lifeboat' or 'restic'. */
  readonly name: string;
  readonly version: string;
  /** The vault or repository directory whose size is reported. */
  readonly vaultDir: string;
  /** Everything `init` and the backups leave on disk (vault, key file, cache): removed before a repetition starts afresh. */
  workPaths(): readonly string[];
  initCommand(): CommandSpec;
  backupCommand(sourceDir: string): CommandSpec;
  restoreCommand(targetDir: string): CommandSpec;
  /** Where, under the restore target, the backed-up source directory's contents end up. */
  restoredRoot(targetDir: string, sourceDir: string): string;
  /** Snapshot id and statistics from the backup command's --json output, when it has them. */
  parseBackupOutput(stdout: string): BackupOutput;
}

/** The last line of `stdout` that parses as a JSON object, or the whole output when it is one object. */
export function lastJsonObject(stdout: string): Record<string, unknown> | undefined {
  const candidates = [stdout.trim(), ...stdout.trim().split('\n').reverse()];
  for (const text of candidates) {
    if (!text.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(text);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // Not JSON (progress text or a partial line); try the next candidate.
    }
  }
  return undefined;
}
