import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit } from '../../cli/commands/vault-commands';
import { capturedCliIo } from './captured-cli-io';
import { pseudoRandomBytes } from './vault-test-helpers';

/**
 * A directory vault made through the CLI (`vault init`, two `vault backup`s of `<dir>/src`) whose first snapshot
 * object was deleted, as a forget leaves it: the `bytes` of `gone.bin` (random, `seed`), which only that snapshot
 * held, are what a prune then condemns; `kept.txt` stays referenced by the second.
 */
export async function vaultWithForgottenSnapshot(dir: string, bytes: number, seed: number): Promise<{ vault: string; keyFile: string }> {
  const vault = path.join(dir, 'vault');
  const keyFile = path.join(dir, 'key');
  const quiet = capturedCliIo();
  expect(await vaultInit({ vault, keyFile }, { io: quiet.io })).toBe(0);
  const src = path.join(dir, 'src');
  await fs.mkdir(src);
  await fs.writeFile(path.join(src, 'gone.bin'), pseudoRandomBytes(bytes, seed));
  const first = capturedCliIo();
  expect(await vaultBackup(src, { vault, keyFile }, { io: first.io })).toBe(0);
  await fs.rm(path.join(src, 'gone.bin'));
  await fs.writeFile(path.join(src, 'kept.txt'), 'kept\n');
  expect(await vaultBackup(src, { vault, keyFile }, { io: quiet.io })).toBe(0);
  await fs.rm(path.join(vault, 'snapshots', (first.out[0] as string).trim()));
  return { vault, keyFile };
}
