import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parsePruneSettings } from '../../../cli/commands/prune-to-end';
import { vaultBackup, vaultInit, vaultPrune, vaultVerify } from '../../../cli/commands/vault-commands';
import { capturedCliIo } from '../../support/captured-cli-io';
import { pseudoRandomBytes, removeDir, tempDir } from '../../support/vault-test-helpers';

describe('lifeboat vault prune', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('vault-prune-cli');
  });
  afterAll(async () => removeDir(dir));

  it('refuses a bad --grace or --repack-threshold, naming the option', () => {
    expect(parsePruneSettings({ grace: '-1' })).toBe('--grace must be a number of hours in digits, 0 or more (as 25 or 0.5), got -1');
    expect(parsePruneSettings({ repackThreshold: '1' })).toBe('--repack-threshold must be at least 0 and below 1, got 1');
    expect(parsePruneSettings({ grace: '1.5', repackThreshold: '0.3' })).toEqual({ graceMs: 5_400_000, repackThreshold: 0.3 });
  });

  it('with --dry-run changes nothing; with --grace 0 deletes a forgotten snapshot\'s data at once and prints the bytes freed', async () => {
    const vault = path.join(dir, 'vault');
    const keyFile = path.join(dir, 'key');
    const quiet = capturedCliIo();
    expect(await vaultInit({ vault, keyFile }, { io: quiet.io })).toBe(0);
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'gone.bin'), pseudoRandomBytes(200_000, 5));
    const first = capturedCliIo();
    expect(await vaultBackup(src, { vault, keyFile }, { io: first.io })).toBe(0);
    await fs.rm(path.join(src, 'gone.bin'));
    await fs.writeFile(path.join(src, 'kept.txt'), 'kept\n');
    expect(await vaultBackup(src, { vault, keyFile }, { io: quiet.io })).toBe(0);
    await fs.rm(path.join(vault, 'snapshots', (first.out[0] as string).trim()));

    const dry = capturedCliIo();
    expect(await vaultPrune({ vault, keyFile, dryRun: true }, { io: dry.io })).toBe(0);
    expect(dry.out[0]).toMatch(/^Dry run of the prune of /);
    expect(dry.out.join('\n')).toMatch(/Condemned: [1-9]\d* pack\(s\)/);
    expect(await fs.readdir(path.join(vault, 'prune')).catch(() => [])).toEqual([]);

    const pruned = capturedCliIo();
    expect(await vaultPrune({ vault, keyFile, grace: '0' }, { io: pruned.io })).toBe(0);
    expect(pruned.out.join('\n')).toMatch(/Deleted: [1-9]\d* pack\(s\), \d+ index object\(s\), \d+ manifest object\(s\); \d+\.\d KiB freed\./);
    expect(pruned.out.join('\n')).toMatch(/Condemned: [1-9]\d* pack\(s\) .* swept at once \(grace 0\): counted in Deleted above\./);
    const verify = capturedCliIo();
    expect(await vaultVerify({ vault, keyFile, readData: true }, { io: verify.io })).toBe(0);
    expect(verify.out.join('\n')).not.toMatch(/UNREFERENCED pack/);
  });
});
