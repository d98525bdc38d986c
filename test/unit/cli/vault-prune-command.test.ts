import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parsePruneSettings } from '../../../cli/commands/prune-to-end';
import { vaultPrune, vaultVerify } from '../../../cli/commands/vault-commands';
import { capturedCliIo } from '../../support/captured-cli-io';
import { removeDir, tempDir } from '../../support/vault-test-helpers';
import { vaultWithForgottenSnapshot } from '../../support/vault-with-forgotten-snapshot';

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
    const { vault, keyFile } = await vaultWithForgottenSnapshot(dir, 200_000, 5);

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
