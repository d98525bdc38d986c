import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { type EntryAttributes } from '../../../../vault/restorer/entry-attributes';
import { RestoreTarget } from '../../../../vault/restorer/restore-target';

/** Which per-file calls a restore target makes (vault/platform/file-calls.ts), and that each writes the same file. */
let dir: string;
beforeEach(() => {
  // tmpfs: a local file system on every Linux machine the tests run on.
  dir = mkdtempSync(path.join('/dev/shm', 'lifeboat-target-calls-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const attributes: EntryAttributes = { mode: 0o640, mtimeNs: 1_700_000_000_123_456_789n, uid: null, gid: null, xattrs: null };

async function writeOne(target: RestoreTarget): Promise<void> {
  const bytes = Buffer.from('content of the restored file');
  await target.writeFile('d/f.txt', attributes, bytes.length, async (fh) => (await fh.write(bytes, 0, bytes.length, 0)).bytesWritten);
}

it.each([
  ['on a local file system, by default: on the calling thread', {}, 'calling-thread'],
  ['forced onto the thread pool', { fileCalls: 'thread-pool' as const }, 'thread-pool'],
  ['forced onto the calling thread', { fileCalls: 'calling-thread' as const }, 'calling-thread'],
])('writes a file with its content, mode and time %s', async (_name, options, expected) => {
  const target = new RestoreTarget(path.join(dir, 't'), { owner: 'never', ...options });
  await writeOne(target);
  expect(target.fileCallsName).toBe(expected);
  const file = path.join(dir, 't', 'd', 'f.txt');
  const stats = statSync(file, { bigint: true });
  expect({ text: readFileSync(file, 'utf8'), mode: stats.mode & 0o7777n, mtimeMs: stats.mtimeNs / 1_000_000n }).toEqual({ text: 'content of the restored file', mode: 0o640n, mtimeMs: 1_700_000_000_123n });
});
