import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KeyFileKeyProvider, openLocalVaultStore, openVault, type Vault } from '../vault';
import { type LifeboatTool } from './lifeboat-tool';
import { failureOf, runMeasured } from './measure';

/**
 * The vault the drill and scrub sections work on: one `lifeboat vault backup` of the generated data
 * set into a fresh directory vault, made with the bundled CLI (untimed set-up), so it is the vault a
 * user of `lifeboat vault` has. It holds exactly one snapshot.
 */
export type BenchVault = {
  readonly tool: LifeboatTool;
  readonly vaultDir: string;
  readonly keyFile: string;
  /** The directory that was backed up (the cached data set, read only). */
  readonly sourceDir: string;
  readonly snapshotId: string;
  readonly backupSeconds: number;
  /** Opens the vault in this process, as a restore function's cold container does (new store, key read, config and index loaded). */
  open(): Promise<Vault>;
};

export async function makeBenchVault(tool: LifeboatTool, keyFile: string, sourceDir: string, log: (line: string) => void): Promise<BenchVault> {
  fs.rmSync(tool.vaultDir, { recursive: true, force: true });
  fs.rmSync(keyFile, { force: true });
  const run = async (what: string, spec: ReturnType<LifeboatTool['initCommand']>): Promise<{ stdout: string; seconds: number }> => {
    const m = await runMeasured(spec, undefined);
    const failure = failureOf(m);
    if (failure) throw new Error(`making the bench vault: ${what} failed: ${failure}`);
    return { stdout: m.stdout, seconds: m.wallSeconds };
  };
  log(`bench vault: lifeboat vault init + backup of ${sourceDir} into ${tool.vaultDir} (set-up, untimed)`);
  await run('vault init', tool.initCommand());
  const backup = await run('vault backup', tool.backupCommand(sourceDir));
  const snapshotId = tool.parseBackupOutput(backup.stdout).snapshotId;
  if (!snapshotId || !/^[0-9a-f]{64}$/.test(snapshotId)) throw new Error(`making the bench vault: vault backup --json printed no snapshot id: ${backup.stdout.slice(0, 200)}`);
  // The drill and scrub time reads of this vault: its pages are flushed now, not inside their timings.
  spawnSync('sync', { stdio: 'ignore' });
  log(`bench vault: snapshot ${snapshotId.slice(0, 12)} in ${backup.seconds.toFixed(1)} s`);
  return {
    tool,
    vaultDir: tool.vaultDir,
    keyFile,
    sourceDir,
    snapshotId,
    backupSeconds: backup.seconds,
    open: async () => openVault(openLocalVaultStore(tool.vaultDir), await KeyFileKeyProvider.load(keyFile)),
  };
}

/** Every file under the vault directory with its size (the packs and the rest), for byte counts. */
export function vaultFiles(vaultDir: string, under = ''): { file: string; bytes: number }[] {
  const files: { file: string; bytes: number }[] = [];
  const walk = (dir: string): void => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) walk(full);
      else if (d.isFile()) files.push({ file: full, bytes: fs.statSync(full).size });
    }
  };
  const root = path.join(vaultDir, under);
  if (fs.existsSync(root)) walk(root);
  return files;
}
