import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit, vaultLs } from '../../../cli/commands/vault-commands';
import { vaultForget } from '../../../cli/commands/vault-forget-command';
import { EndpointThrottledError } from '../../../cli/endpoint-throttled-error';
import { FileVaultStore } from '../../../vault/backend/file/file-vault-store';
import { recordingCliIo } from '../../support/captured-cli-io';
import { removeDir, tempDir } from '../../support/vault-test-helpers';

type StoppedJson = { forgotten: string[]; notForgotten: string[]; error: string; decisions: Array<{ snapshotId: string; forgotten: boolean }> };

/**
 * `lifeboat vault forget <ids…>` stopped by an error after some deletes (review r64N F1): what it forgot is said (text
 * and --json), the snapshots left are named in a command that forgets them, then the error; the exit is non-zero. The
 * same command run again refuses (its first id is gone), so the command it names is what finishes the forget. A delete
 * applied whose answer was lost leaves its snapshot out of that command (review r64Y F1).
 */
describe('lifeboat vault forget stopped after some deletes', () => {
  let dir: string;
  let vault: string;
  let keyFile: string;
  let ids: string[];

  const snapshotIds = async (): Promise<string[]> => {
    const io = recordingCliIo();
    expect(await vaultLs(undefined, { vault, keyFile }, { io })).toBe(0);
    return io.lines.map((l) => l.split(/\s+/)[0] as string).filter((id) => /^[0-9a-f]+$/.test(id));
  };

  /** The 2nd snapshot delete is throttled, as S3 answers SlowDown; every other delete goes through. */
  const throttleSecondDelete = (): jest.SpyInstance => {
    const original = FileVaultStore.prototype.delete;
    let deletes = 0;
    return jest.spyOn(FileVaultStore.prototype, 'delete').mockImplementation(async function (this: FileVaultStore, key: string) {
      if (key.startsWith('snapshots/') && ++deletes === 2) {
        const sdk = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
        throw new EndpointThrottledError('S3 throttled DeleteObject (SlowDown (HTTP 503): Please reduce your request rate.); S3 may take the request in a minute', sdk);
      }
      return original.call(this, key);
    });
  };

  beforeEach(async () => {
    dir = await tempDir('vault-forget-stopped');
    vault = path.join(dir, 'vault');
    keyFile = path.join(dir, 'key');
    const src = path.join(dir, 'src');
    await fs.mkdir(src);
    expect(await vaultInit({ vault, keyFile }, { io: recordingCliIo() })).toBe(0);
    ids = [];
    for (let i = 0; i < 3; i++) {
      await fs.writeFile(path.join(src, `f${i}`), `v${i}`);
      const out = recordingCliIo();
      expect(await vaultBackup(src, { vault, keyFile }, { io: out })).toBe(0);
      ids.push((out.lines[0] as string).trim().slice(0, 12));
    }
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await removeDir(dir);
  });

  it('says what it forgot, names the snapshots left in a command that forgets them, then the error', async () => {
    const spy = throttleSecondDelete();
    const io = recordingCliIo();
    expect(await vaultForget([ids[0] as string, ids[1] as string, ids[2] as string], { vault, keyFile }, { io })).toBe(1);
    spy.mockRestore();

    expect(io.lines).toEqual([expect.stringMatching(new RegExp(`^forgot +${ids[0]} `)), expect.stringMatching(/^Forgot 1 snapshot\(s\)\./)]);
    expect(io.errors).toEqual([
      `lifeboat vault: the forget stopped after forgetting 1 snapshot(s) (listed above); 2 snapshot(s) were not forgotten. Once the error below is resolved, forget them with \`lifeboat vault forget ${ids[1]} ${ids[2]}\`.`,
      expect.stringMatching(/^lifeboat vault: S3 throttled DeleteObject \(SlowDown/),
    ]);
    expect((await snapshotIds()).map((id) => id.slice(0, 12)).sort()).toEqual([ids[1], ids[2]].sort());

    // The command it names finishes the forget.
    const again = recordingCliIo();
    expect(await vaultForget([ids[1] as string, ids[2] as string], { vault, keyFile }, { io: again })).toBe(0);
    expect(await snapshotIds()).toEqual([]);
  });

  it('--json writes forgotten, notForgotten and the error on stdout', async () => {
    throttleSecondDelete();
    const io = recordingCliIo();
    expect(await vaultForget([ids[0] as string, ids[1] as string], { vault, keyFile, json: true }, { io })).toBe(1);
    expect(io.lines).toHaveLength(1);
    const json = JSON.parse(io.lines[0] as string) as StoppedJson;
    expect(json.forgotten.map((id) => id.slice(0, 12))).toEqual([ids[0]]);
    expect(json.notForgotten.map((id) => id.slice(0, 12))).toEqual([ids[1]]);
    expect(json.error).toMatch(/^S3 throttled DeleteObject/);
    expect(json.decisions.map((d) => [d.snapshotId.slice(0, 12), d.forgotten])).toEqual([[ids[0], true], [ids[1], false]]);
    expect(io.errors[0]).toBe(`lifeboat vault: the forget stopped after forgetting 1 snapshot(s) (\`forgotten\` on stdout); 1 snapshot(s) were not forgotten. Once the error below is resolved, forget them with \`lifeboat vault forget ${ids[1]}\`.`);
  });

  it('an error before any delete names what is left and the command that forgets it, then the error', async () => {
    let deletes = 0;
    jest.spyOn(FileVaultStore.prototype, 'delete').mockImplementation(async () => {
      deletes++;
      throw new Error('S3 throttled DeleteObject');
    });
    const io = recordingCliIo();
    expect(await vaultForget([ids[0] as string], { vault, keyFile }, { io })).toBe(1);
    expect(deletes).toBe(1);
    expect(io.lines).toEqual([expect.stringMatching(/^Forgot 0 snapshot\(s\)\./)]);
    expect(io.errors).toEqual([
      `lifeboat vault: the forget stopped before it forgot any snapshot; 1 snapshot(s) were not forgotten. Once the error below is resolved, forget them with \`lifeboat vault forget ${ids[0]}\`.`,
      'lifeboat vault: S3 throttled DeleteObject',
    ]);
  });

  /** The n-th snapshot delete is applied, then its answer is lost (a reset on the last try): the error reaches the command. */
  const loseAnswerOfDelete = (n: number): void => {
    const original = FileVaultStore.prototype.delete;
    let deletes = 0;
    jest.spyOn(FileVaultStore.prototype, 'delete').mockImplementation(async function (this: FileVaultStore, key: string) {
      await original.call(this, key);
      if (key.startsWith('snapshots/') && ++deletes === n) throw Object.assign(new Error('S3 DeleteObject: socket hang up (ECONNRESET)'), { code: 'ECONNRESET' });
    });
  };

  /** The command the stopped forget names, run as pasted: it must resolve every id it names (review r64Y F1). */
  const namedRest = (errors: readonly string[]): string[] => {
    const m = /`lifeboat vault forget ([0-9a-f ]+)`/.exec(errors.join('\n'));
    if (!m) throw new Error(`no command named in ${JSON.stringify(errors)}`);
    return (m[1] as string).split(' ');
  };

  it.each([
    ['the first', 1],
    ['the second', 2],
  ])('a delete applied whose answer was lost (%s): the command named leaves it out and forgets the rest', async (_which, n) => {
    loseAnswerOfDelete(n);
    const io = recordingCliIo();
    expect(await vaultForget([ids[0] as string, ids[1] as string, ids[2] as string], { vault, keyFile }, { io })).toBe(1);
    jest.restoreAllMocks();
    const lost = ids[n - 1] as string;
    const rest = ids.slice(n);
    expect(io.errors[0]).toContain(`; ${rest.length} snapshot(s) were not forgotten; ${lost} may have been deleted: its delete failed, and it is no longer in the vault.`);
    expect(io.errors[1]).toBe('lifeboat vault: S3 DeleteObject: socket hang up (ECONNRESET)');
    expect(namedRest(io.errors)).toEqual(rest);

    const again = recordingCliIo();
    expect(await vaultForget(namedRest(io.errors), { vault, keyFile }, { io: again })).toBe(0);
    expect(await snapshotIds()).toEqual([]);
  });

  it('--json: notForgotten holds only the snapshots still there, the lost answer is mayBeForgotten', async () => {
    loseAnswerOfDelete(2);
    const io = recordingCliIo();
    expect(await vaultForget([ids[0] as string, ids[1] as string, ids[2] as string], { vault, keyFile, json: true }, { io })).toBe(1);
    const json = JSON.parse(io.lines[0] as string) as StoppedJson & { mayBeForgotten: string[] };
    expect(json.forgotten.map((id) => id.slice(0, 12))).toEqual([ids[0]]);
    expect(json.notForgotten.map((id) => id.slice(0, 12))).toEqual([ids[2]]);
    expect(json.mayBeForgotten.map((id) => id.slice(0, 12))).toEqual([ids[1]]);
    expect((await snapshotIds()).map((id) => id.slice(0, 12))).toEqual([ids[2]]);
  });

  it('a --keep-* forget stopped so says to run the same command again, which finishes it', async () => {
    loseAnswerOfDelete(1);
    const io = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1' }, { io })).toBe(1);
    jest.restoreAllMocks();
    expect(io.errors[0]).toContain('run the same `lifeboat vault forget --keep-…` command again: its rules decide from the snapshots that are there.');
    expect(io.errors[0]).not.toMatch(/`lifeboat vault forget [0-9a-f]/);

    const again = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1' }, { io: again })).toBe(0);
    expect((await snapshotIds()).map((id) => id.slice(0, 12))).toEqual([ids[2]]);
  });
});
