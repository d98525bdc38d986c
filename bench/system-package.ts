import { spawnSync } from 'node:child_process';

/** True when `command args` runs and exits 0 (used to probe for restic and GNU time). */
export function commandWorks(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

/**
 * Installs a Debian package with apt-get, saying so on stderr first: the bench changes the machine
 * only to get a tool it needs, and never silently. Throws with apt's output when that fails.
 */
export function aptInstall(pkg: string, why: string): void {
  process.stderr.write(`bench: ${why}; installing it: apt-get update && apt-get install -y ${pkg}\n`);
  for (const args of [['update'], ['install', '-y', pkg]]) {
    const result = spawnSync('apt-get', args, {
      encoding: 'utf8',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 << 20,
    });
    if (result.error || result.status !== 0) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
      throw new Error(`apt-get ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`);
    }
  }
}
