import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { vaultBackup, vaultInit, vaultLs, vaultPrune, vaultRestore, vaultVerify } from '../../../cli/commands/vault-commands';
import { vaultForget } from '../../../cli/commands/vault-forget-command';
import { backupDirectory } from '../../../vault/archiver/directory-source';
import { KeyFileKeyProvider } from '../../../vault/keys/key-file-key-provider';
import { openLocalVaultStore } from '../../../vault/backend/open-local-vault-store';
import { openVault, Vault } from '../../../vault/repository/vault';
import { type Snapshot } from '../../../vault/manifest/snapshot-record';
import { FileVaultStore } from '../../../vault/backend/file/file-vault-store';
import { snapshotKey } from '../../../vault/repository/vault-layout';
import { ObjectLockedError } from '../../../vault/vault-errors';
import { recordingCliIo } from '../../support/captured-cli-io';
import { pseudoRandomBytes, readTree, removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * `lifeboat vault forget`: snapshots named, or those the --keep-* rules (the plans' retention rules,
 * per backed-up directory) do not keep; a prune then reclaims their data.
 */
describe('lifeboat vault forget', () => {
  let dir: string;
  let vault: string;
  let keyFile: string;
  let a: string;
  let b: string;
  /** Snapshot ids of directory a, oldest first, and of b. */
  let ofA: string[];
  let ofB: string;

  const snapshotIds = async (): Promise<string[]> => {
    const io = recordingCliIo();
    expect(await vaultLs(undefined, { vault, keyFile }, { io })).toBe(0);
    return io.lines.map((l) => l.split(/\s+/)[0] as string).filter((id) => /^[0-9a-f]+$/.test(id));
  };

  /**
   * The vault every test starts from (an init and four backups, about half a second of CPU), made once and copied
   * back before each test to the same paths, so that its snapshots' directories are this test's a and b.
   */
  let template: string;
  beforeAll(async () => {
    dir = await tempDir('vault-forget');
    template = await tempDir('vault-forget-template');
    vault = path.join(dir, 'vault');
    keyFile = path.join(dir, 'key');
    a = path.join(dir, 'a');
    b = path.join(dir, 'b');
    await fs.mkdir(a);
    await fs.mkdir(b);
    const io = recordingCliIo();
    expect(await vaultInit({ vault, keyFile }, { io })).toBe(0);
    ofA = [];
    for (let i = 0; i < 3; i++) {
      await fs.writeFile(path.join(a, `v${i}.bin`), pseudoRandomBytes(50_000, 10 + i));
      const out = recordingCliIo();
      expect(await vaultBackup(a, { vault, keyFile }, { io: out })).toBe(0);
      ofA.push(out.lines[0] as string);
    }
    await fs.writeFile(path.join(b, 'only.bin'), pseudoRandomBytes(40_000, 99));
    const out = recordingCliIo();
    expect(await vaultBackup(b, { vault, keyFile }, { io: out })).toBe(0);
    ofB = out.lines[0] as string;
    await fs.cp(dir, template, { recursive: true });
  });
  beforeEach(async () => {
    await removeDir(dir);
    await fs.cp(template, dir, { recursive: true });
  });
  afterAll(async () => {
    await removeDir(dir);
    await removeDir(template);
  });

  it('forgets what --keep-last does not keep, per directory; a dry run changes nothing; a prune then reclaims the data and the vault verifies', async () => {
    const dry = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1', dryRun: true }, { io: dry })).toBe(0);
    expect(dry.lines.filter((l) => l.startsWith('would forget')).map((l) => l.split(/\s+/)[2])).toEqual([ofA[1], ofA[0]].map((id) => (id as string).slice(0, 12)));
    expect(dry.lines.at(-1)).toBe('Would forget 2 of 4 snapshot(s); nothing was changed.');
    expect((await snapshotIds()).length).toBe(4);

    const io = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1' }, { io })).toBe(0);
    const kept = io.lines.filter((l) => l.startsWith('keep'));
    expect(kept.map((l) => l.split(/\s+/)[1]).sort()).toEqual([ofA[2], ofB].map((id) => (id as string).slice(0, 12)).sort());
    for (const line of kept) expect(line).toMatch(/\(last 1|\(newest/);
    expect(io.lines.at(-1)).toBe('Forgot 2 snapshot(s). Their data stays until `lifeboat vault prune` reclaims what no snapshot references.');
    expect((await snapshotIds()).sort()).toEqual([ofA[2], ofB].map((id) => (id as string).slice(0, 16)).sort());

    expect(await vaultPrune({ vault, keyFile, grace: '0' }, { io: recordingCliIo() })).toBe(0);
    expect(await vaultVerify({ vault, keyFile, readData: true }, { io: recordingCliIo() })).toBe(0);
    const target = path.join(dir, 'restored');
    expect(await vaultRestore(ofA[2] as string, { vault, keyFile, target }, { io: recordingCliIo() })).toBe(0);
    expect(await readTree(target)).toEqual(await readTree(a));
  });

  it('with --prune prunes after forgetting; its dry run reports what that prune would reclaim, as if the forget had run', async () => {
    const json = (io: { lines: string[] }): { forgotten: string[]; prune: { snapshots: number; packsCondemned: number; bytesCondemned: number; packsDeleted: number; bytesFreed: number; dryRun: boolean } } =>
      JSON.parse(io.lines.join('\n')) as ReturnType<typeof json>;
    // a's files so far only in its older snapshots: the prune has data to reclaim.
    await fs.rm(path.join(a, 'v0.bin'));
    await fs.rm(path.join(a, 'v1.bin'));
    const last = recordingCliIo();
    expect(await vaultBackup(a, { vault, keyFile }, { io: last })).toBe(0);
    const dry = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1', prune: true, grace: '0', dryRun: true, json: true }, { io: dry })).toBe(0);
    const would = json(dry);
    expect(would.forgotten).toEqual([]);
    expect(would.prune).toMatchObject({ dryRun: true, snapshots: 2 });
    expect(would.prune.packsCondemned).toBeGreaterThan(0);
    expect((await snapshotIds()).length).toBe(5);

    const io = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1', prune: true, grace: '0', json: true }, { io })).toBe(0);
    const done = json(io);
    expect(done.forgotten.sort()).toEqual([ofA[0], ofA[1], ofA[2]].sort());
    // With a grace of 0 what is condemned is deleted in the same command: the dry run's condemned figures are the real run's.
    expect(done.prune).toMatchObject({ dryRun: false, snapshots: 2, packsCondemned: would.prune.packsCondemned, bytesCondemned: would.prune.bytesCondemned });
    expect(done.prune.packsDeleted).toBe(would.prune.packsCondemned);
    expect(done.prune.bytesFreed).toBeGreaterThan(0);
    expect(await vaultVerify({ vault, keyFile, readData: true }, { io: recordingCliIo() })).toBe(0);
    for (const [id, source] of [[last.lines[0], a], [ofB, b]] as const) {
      const target = path.join(dir, `restored-${id as string}`);
      expect(await vaultRestore(id as string, { vault, keyFile, target }, { io: recordingCliIo() })).toBe(0);
      expect(await readTree(target)).toEqual(await readTree(source));
    }
  });

  it('prints the prune report after the decisions, and keeps the data for the grace period by default', async () => {
    const io = recordingCliIo();
    expect(await vaultForget([ofB.slice(0, 12)], { vault, keyFile, prune: true }, { io })).toBe(0);
    expect(io.lines[1]).toBe('Forgot 1 snapshot(s).');
    expect(io.lines[2]).toMatch(/^Pruned .*: 3 snapshot\(s\) kept\.$/);
    expect(io.lines.find((l) => l.startsWith('Deleted'))).toMatch(/^Deleted: 0 pack\(s\)/);
    expect(io.lines.find((l) => l.startsWith('Condemned'))).toMatch(/^Condemned: [1-9]\d* pack\(s\) .* deleted by a run after the grace period\.$/);
  });

  it('with --prune also deletes the .tmp-* files killed writers left that are older than the grace, keeps younger ones, and says so as vault prune does', async () => {
    const tempFile = async (key: string, bytes: number, ageMs: number): Promise<string> => {
      const file = path.join(vault, ...key.split('/'));
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, Buffer.alloc(bytes, 1));
      const at = new Date(Date.now() - ageMs);
      await fs.utimes(file, at, at);
      return file;
    };
    const HOUR = 3_600_000;
    const old = await tempFile('data/ab/.tmp-00112233aabbccdd', 700, 30 * HOUR);
    const fresh = await tempFile('index/.tmp-ffeeddccbbaa9988', 300, 0);

    const dry = recordingCliIo();
    expect(await vaultForget([ofB.slice(0, 12)], { vault, keyFile, prune: true, dryRun: true, json: true }, { io: dry })).toBe(0);
    expect((JSON.parse(dry.lines.join('\n')) as { prune: { temporaryFiles: unknown } }).prune.temporaryFiles).toEqual({ files: 1, bytes: 700, kept: 1, olderThanMs: 25 * HOUR });
    expect((await fs.stat(old)).size).toBe(700);

    const io = recordingCliIo();
    expect(await vaultForget([ofB.slice(0, 12)], { vault, keyFile, prune: true }, { io })).toBe(0);
    expect(io.lines.at(-1)).toBe('Temporary files: 1 .tmp-* file(s) of killed writers older than 25 h deleted (700 bytes); 1 younger one(s) kept (a running write may own them).');
    await expect(fs.stat(old)).rejects.toThrow(/ENOENT/);
    expect((await fs.stat(fresh)).size).toBe(300);
  });

  it('forgets the snapshots named by unique prefix, and nothing when one name matches none', async () => {
    const missing = recordingCliIo();
    expect(await vaultForget([(ofA[0] as string).slice(0, 10), 'ffffffffffff'], { vault, keyFile }, { io: missing })).toBe(1);
    expect(missing.errors).toEqual([expect.stringMatching(/^lifeboat vault: no snapshot in .* starts with ffffffffffff$/)]);
    expect((await snapshotIds()).length).toBe(4);

    const io = recordingCliIo();
    expect(await vaultForget([(ofA[0] as string).slice(0, 10), ofB.slice(0, 12)], { vault, keyFile }, { io })).toBe(0);
    expect(io.lines.filter((l) => l.startsWith('forget')).length).toBe(2);
    expect((await snapshotIds()).sort()).toEqual([ofA[1], ofA[2]].map((id) => (id as string).slice(0, 16)).sort());
  });

  it('refuses a snapshot named twice (as "latest" and by its id too), naming it and its names, and forgets nothing', async () => {
    const newest = ofB.slice(0, 12);
    for (const refs of [['latest', 'latest'], ['latest', newest, (ofA[0] as string).slice(0, 12)]]) {
      const io = recordingCliIo();
      expect(await vaultForget(refs, { vault, keyFile }, { io })).toBe(1);
      const names = refs.filter((r) => r === 'latest' || r === newest).map((r) => JSON.stringify(r)).join(', ');
      expect(io.errors).toEqual([`lifeboat vault: snapshot ${newest} is named 2 times (${names}): name each snapshot once (\`lifeboat vault ls\` lists them); nothing was forgotten`]);
      expect(io.lines).toEqual([]);
      expect((await snapshotIds()).length).toBe(4);
    }
  });

  it('refuses usage it cannot act on, before opening the vault', async () => {
    for (const [options, refs, message] of [
      [{}, [], /^lifeboat vault: name the snapshots to forget, or give --keep-last/],
      [{ keepLast: '1' }, ['latest'], /^lifeboat vault: name the snapshots to forget or give --keep-\* rules, not both$/],
      [{ keepDaily: 'x' }, [], /^lifeboat vault: --keep-daily must be a whole number, got "x"$/],
      [{ keepWithin: 'soon' }, [], /^lifeboat vault: --keep-within .*"soon" is not a duration/],
      // Rules that parse but keep nothing are named as given, with the flags that keep something (not the config's fields).
      [{ keepWithin: '0d', dryRun: true }, [], /^lifeboat vault: the rules given \(--keep-within 0d\) keep nothing: give --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly or --keep-within with a value above 0$/],
      [{ keepWithin: '0h', timeZone: 'Europe/Berlin' }, [], /^lifeboat vault: the rules given \(--keep-within 0h\) keep nothing: give --keep-last, .* or --keep-within with a value above 0$/],
      [{ timeZone: 'UTC' }, [], /^lifeboat vault: no --keep-\* rule given \(--time-zone only sets the zone the rules count in\): give --keep-last, .* with a value above 0$/],
      [{ keepLast: '1', grace: '0' }, [], /^lifeboat vault: --grace is for the prune: add --prune, or run `lifeboat vault prune` with it$/],
      [{ keepLast: '1', grace: '0', repackThreshold: '0.5' }, [], /^lifeboat vault: --grace and --repack-threshold are for the prune: add --prune/],
      [{ keepLast: '1', prune: true, grace: 'soon' }, [], /^lifeboat vault: --grace must be a number of hours in digits, 0 or more \(as 25 or 0.5\), got soon$/],
      [{ keepLast: '1', prune: true, repackThreshold: '1' }, [], /^lifeboat vault: --repack-threshold must be at least 0 and below 1, got 1$/],
    ] as const) {
      const io = recordingCliIo();
      expect(await vaultForget(refs, { vault: path.join(dir, 'no-vault-here'), keyFile, ...options }, { io })).toBe(1);
      expect(io.errors).toEqual([expect.stringMatching(message)]);
    }
  });

  it('goes on past a snapshot S3 Object Lock retains, names it, and exits 3', async () => {
    const locked = ofA[0] as string;
    const del = FileVaultStore.prototype.delete;
    const spy = jest.spyOn(FileVaultStore.prototype, 'delete').mockImplementation(async function (this: FileVaultStore, key: string) {
      if (key === snapshotKey(locked)) throw new ObjectLockedError(this.location, key, 'COMPLIANCE retention until 2027-01-01');
      return del.call(this, key);
    });
    try {
      const io = recordingCliIo();
      expect(await vaultForget([], { vault, keyFile, keepLast: '1' }, { io })).toBe(3);
      expect(io.lines.at(-1)).toBe('Forgot 1 snapshot(s). Their data stays until `lifeboat vault prune` reclaims what no snapshot references.');
      expect(io.errors[0]).toBe('lifeboat vault: 1 snapshot(s) were not forgotten: S3 Object Lock retains them (a later forget deletes them once their retention ends):');
      expect(io.errors[1]).toMatch(new RegExp(`^ {2}${locked.slice(0, 12)}: .* is locked \\(COMPLIANCE retention until 2027-01-01\\)`));
    } finally {
      spy.mockRestore();
    }
    expect((await snapshotIds()).sort()).toEqual([locked, ofA[2], ofB].map((id) => (id as string).slice(0, 16)).sort());
  });

  it('keeps the snapshots the backup workflow wrote: their catalog forgets them', async () => {
    const managed = await backupDirectory(await openVault(openLocalVaultStore(vault), await KeyFileKeyProvider.load(keyFile)), b, { tags: ['backupId:20261204T100000Z-1a2b3c4d', 'plan:files'] });
    const io = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1' }, { io })).toBe(0);
    const line = io.lines.find((l) => l.includes(managed.snapshot.id.slice(0, 12)));
    expect(line).toMatch(/^keep {9}[0-9a-f]{12} .*\(written by the backup workflow \(backup 20261204T100000Z-1a2b3c4d\): its plan's retention forgets it/);
    const named = recordingCliIo();
    expect(await vaultForget([managed.snapshot.id], { vault, keyFile }, { io: named })).toBe(1);
    expect(named.errors[0]).toMatch(/written by the backup workflow/);
    expect(await snapshotIds()).toContain(managed.snapshot.id.slice(0, 16));
  });

  // Review r64F F2: a named forget's refusal of a workflow-written snapshot put the tag's backup id in its VaultError raw
  // and whole (an ESC, a newline that forged a line, a U+202E, a CSI); the keep line escaped it once more than needed.
  it('refuses to forget a workflow-written snapshot by name with its backup id escaped and cut, and says it once escaped on the keep line', async () => {
    const backupId = `id\u001b[31mRED\nforged line\u202e\u009b${'x'.repeat(40)}END`;
    const managed = (await backupDirectory(await openVault(openLocalVaultStore(vault), await KeyFileKeyProvider.load(keyFile)), b, { tags: [`backupId:${backupId}`, 'plan:files'] })).snapshot.id;
    const named = recordingCliIo();
    expect(await vaultForget([managed.slice(0, 16)], { vault, keyFile }, { io: named })).toBe(1);
    expect(named.errors).toHaveLength(1);
    const refusal = named.errors[0] as string;
    // eslint-disable-next-line no-control-regex -- no control character of the tag may reach the terminal
    expect(refusal).not.toMatch(/[\u0000-\u001f\u0080-\u009f\u202e]/);
    expect(refusal).toContain(`(backup id\\x1b[31mRED\\nforged line\\u{202e}\\x9bxxxx…xxxxxxxxxEND (cut from ${[...backupId].length} characters, sha256 `);
    expect(await snapshotIds()).toContain(managed.slice(0, 16));
    const io = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1', dryRun: true }, { io })).toBe(0);
    const line = io.lines.find((l) => l.includes(managed.slice(0, 12))) ?? '';
    // The same text as the refusal: escaped once, not `\\x1b`.
    expect(line).toContain(`(backup id\\x1b[31mRED\\nforged line\\u{202e}\\x9bxxxx…xxxxxxxxxEND (cut from ${[...backupId].length} characters, sha256 `);
  });

  // Review r63V F4: the hostname was printed through JSON.stringify, which leaves C1 controls (U+0085, U+009B: CSI) and
  // bidi overrides (U+202E reverses the rest of the line) raw; a tag's backup id in the reason was printed raw.
  it('prints a snapshot\'s hostname and a reason\'s backup id with control and bidi characters escaped', async () => {
    const managed = (await backupDirectory(await openVault(openLocalVaultStore(vault), await KeyFileKeyProvider.load(keyFile)), b, { tags: ['backupId:id\u009b31m\u202e', 'plan:files'] })).snapshot.id;
    // The hostname a snapshot records is os.hostname() of the machine that wrote it: any text its owner set.
    const list = Vault.prototype.listSnapshots;
    const spy = jest.spyOn(Vault.prototype, 'listSnapshots').mockImplementation(async function (this: Vault) {
      return (await list.call(this)).map((s) => ({ ...s, hostname: 'host\u202eevil\u0085x' }));
    });
    try {
      const io = recordingCliIo();
      expect(await vaultForget([], { vault, keyFile, keepLast: '1', dryRun: true }, { io })).toBe(0);
      const line = io.lines.find((l) => l.includes(managed.slice(0, 12))) ?? '';
      expect(line).toContain('(host "host\\u202eevil\\u0085x")');
      expect(line).toContain('(backup id\\x9b31m\\u{202e})');
      // No control or bidi character of the records reaches the terminal.
      expect(io.lines.join('\n')).not.toMatch(/[\u0085\u009b\u202e]/);
      expect(io.lines.filter((l) => l.includes('(host "host\\u202eevil\\u0085x")'))).toHaveLength(5);
    } finally {
      spy.mockRestore();
    }
  });

  // Review r64F F5: a bare hostname could spell a reason (`vm)  (kept: a legal hold names it`), and a snapshot's time was
  // printed raw. Review r64F F4: `vault forget --json` left C1/bidi/U+2028 raw on stdout.
  it('quotes the hostname, escapes the time, and writes no unseen character raw in --json', async () => {
    const hostname = 'vm)  (kept: a legal hold names it\u2028\u009b';
    const time = (s: Snapshot): string => `${s.time}\u001b[2K\u202e`;
    // The keep rules read the time (a time that is none is another matter): only the named forget sees it.
    const list = Vault.prototype.listSnapshots;
    const listed = jest.spyOn(Vault.prototype, 'listSnapshots').mockImplementation(async function (this: Vault) {
      return (await list.call(this)).map((s) => ({ ...s, hostname }));
    });
    const resolve = Vault.prototype.resolveSnapshot;
    const resolved = jest.spyOn(Vault.prototype, 'resolveSnapshot').mockImplementation(async function (this: Vault, ref: string) {
      const s = await resolve.call(this, ref);
      return { ...s, hostname, time: time(s) };
    });
    try {
      const kept = recordingCliIo();
      expect(await vaultForget([], { vault, keyFile, keepLast: '1', dryRun: true }, { io: kept })).toBe(0);
      const line = kept.lines.find((l) => l.includes(ofB.slice(0, 12))) ?? '';
      // The hostname is one JSON string, which reads back as the host: the reason after it is this command's own.
      const host = /\(host (".*?[^\\]")\) {2}\(([^()]*)\)$/.exec(line);
      expect([JSON.parse(host?.[1] ?? 'null'), host?.[2]]).toEqual([hostname, 'last 1']);
      const named = recordingCliIo();
      expect(await vaultForget([ofB.slice(0, 16)], { vault, keyFile, dryRun: true }, { io: named })).toBe(0);
      expect(named.lines[0]).toMatch(/^would forget [0-9a-f]{12} {2}\S+\\x1b\[2K\\u\{202e\} {2}"\//);
      // eslint-disable-next-line no-control-regex -- no control or unseen character of the records reaches the terminal
      for (const l of [...kept.lines, ...named.lines]) expect(l).not.toMatch(/[\u0000-\u001f\u0080-\u009f\u2028\u202e]/);
      const json = recordingCliIo();
      expect(await vaultForget([ofB.slice(0, 16)], { vault, keyFile, json: true, dryRun: true }, { io: json })).toBe(0);
      const out = json.lines.join('\n');
      expect(out).not.toMatch(/[\u0080-\u009f\u2028\u202e]/);
      const printed = JSON.parse(out) as { decisions: Array<{ hostname: string; time: string }> };
      expect(printed.decisions.map((d) => [d.hostname, d.time.slice(-5)])).toEqual([[hostname, '\u001b[2K\u202e']]);
    } finally {
      listed.mockRestore();
      resolved.mockRestore();
    }
  });

  // Review r64N F4: the directory was bare on the forget line, so a directory named `/src  (host "db")` spelled another host.
  it('quotes a snapshot\'s directory on the forget line: it reads back whole, no host or reason can be forged', async () => {
    const source = `${b}  (host "db")  (kept: a legal hold)\u202e`;
    const resolve = Vault.prototype.resolveSnapshot;
    jest.spyOn(Vault.prototype, 'resolveSnapshot').mockImplementation(async function (this: Vault, ref: string) {
      const s = await resolve.call(this, ref);
      return { ...s, hostname: 'vm', source: { ...s.source, id: source } };
    });
    try {
      const io = recordingCliIo();
      expect(await vaultForget([ofB.slice(0, 16)], { vault, keyFile, dryRun: true }, { io })).toBe(0);
      const parts = /^would forget [0-9a-f]{12} {2}\S+ {2}(".*?[^\\]") {2}\(host (".*?[^\\]")\)$/.exec(io.lines[0] as string);
      expect([JSON.parse(parts?.[1] ?? 'null'), JSON.parse(parts?.[2] ?? 'null')]).toEqual([source, 'vm']);
      expect(io.lines[0]).not.toMatch(/\u202e/);
    } finally {
      jest.restoreAllMocks();
    }
  });

  // Review r64N F6: --json's reasons hold the backup id escaped and cut for a terminal; the tag's id whole is `backupId`.
  it('--json gives a workflow-written snapshot\'s backup id whole beside its reasons', async () => {
    const backupId = `20261204T100000Z-${'a'.repeat(60)}\u001b`;
    const managed = (await backupDirectory(await openVault(openLocalVaultStore(vault), await KeyFileKeyProvider.load(keyFile)), b, { tags: [`backupId:${backupId}`, 'plan:files'] })).snapshot.id;
    const io = recordingCliIo();
    expect(await vaultForget([], { vault, keyFile, keepLast: '1', dryRun: true, json: true }, { io })).toBe(0);
    const printed = JSON.parse(io.lines.join('\n')) as { decisions: Array<{ snapshotId: string; backupId?: string; reasons: string[] }> };
    const decision = printed.decisions.find((d) => d.snapshotId === managed);
    expect(decision?.backupId).toBe(backupId);
    expect(decision?.reasons[0]).toMatch(/cut from/);
    expect(printed.decisions.filter((d) => d.backupId !== undefined)).toHaveLength(1);
  });

  // Review r64F F5: `vault ls` printed a snapshot's time, its object's text, raw: an ESC or a U+202E reached the terminal.
  it('vault ls prints a snapshot\'s time with control and bidi characters escaped', async () => {
    const list = Vault.prototype.listSnapshots;
    const listed = jest.spyOn(Vault.prototype, 'listSnapshots').mockImplementation(async function (this: Vault) {
      return (await list.call(this)).map((s) => ({ ...s, time: `${s.time}\u001b[2K\u202e` }));
    });
    try {
      const ls = recordingCliIo();
      expect(await vaultLs(undefined, { vault, keyFile }, { io: ls })).toBe(0);
      expect(ls.lines).toHaveLength(4);
      for (const l of ls.lines) expect(l).toMatch(/^[0-9a-f]{16} {2}\S+\\x1b\[2K\\u\{202e\} {2}directory /);
      // eslint-disable-next-line no-control-regex -- no control or bidi character of the records reaches the terminal
      for (const l of ls.lines) expect(l).not.toMatch(/[\u0000-\u001f\u0080-\u009f\u202e]/);
    } finally {
      listed.mockRestore();
    }
  });

  // Review r64R F1: a time V8's Date.parse reads though it is not the form a commit writes ('damaged Tue, 08 Dec 2026 …')
  // was counted as the newest snapshot, so --keep-last 1 kept it and forgot every real backup of its directory.
  it('counts no snapshot whose time is not in the form a commit writes, even one Date.parse reads, and lists by instant', async () => {
    const damaged = ofA[0] as string;
    const list = Vault.prototype.listSnapshots;
    const listed = jest.spyOn(Vault.prototype, 'listSnapshots').mockImplementation(async function (this: Vault) {
      const snapshots = await list.call(this);
      const second = (snapshots.find((s) => s.id === ofA[2])?.time ?? '').replace(/\.\d+Z$/, '');
      return snapshots.map((s) => {
        if (s.id === damaged) return { ...s, time: `damaged ${new Date().toUTCString()}` };
        // Within one second, as text 'Z' sorts after '.5Z', as instants the .5 is the later one.
        if (s.id === ofA[1]) return { ...s, time: `${second}.5Z` };
        if (s.id === ofA[2]) return { ...s, time: `${second}Z` };
        return s;
      });
    });
    try {
      const io = recordingCliIo();
      expect(await vaultForget([], { vault, keyFile, keepLast: '1', dryRun: true }, { io })).toBe(0);
      // Of a's two real snapshots one is kept; the damaged one is kept too, counted by no rule.
      expect(io.lines.filter((l) => l.startsWith('would forget'))).toHaveLength(1);
      const damagedLine = io.lines.find((l) => l.includes(damaged.slice(0, 12))) ?? '';
      expect(damagedLine).toMatch(/^keep .*is not a date and time, so no rule can count it and it is kept/);
      // Newest first by instant (ofA[1]'s .5 before ofA[2]'s whole second), the undated last.
      const order = io.lines.filter((l) => /^(keep|would forget) /.test(l)).map((l) => (/[0-9a-f]{12}/.exec(l) ?? [''])[0]);
      expect(order.indexOf((ofA[1] as string).slice(0, 12))).toBeLessThan(order.indexOf((ofA[2] as string).slice(0, 12)));
      expect(order.at(-1)).toBe(damaged.slice(0, 12));
    } finally {
      listed.mockRestore();
    }
  });

  // f64W: a snapshot whose time is not a time stopped `forget --keep-*` with a bare "Invalid time value" naming neither the
  // snapshot nor a way on. It is kept, as restic leaves a snapshot it cannot read, with the reason and the forget by name.
  it('keeps a snapshot whose time is not a time, naming it and how to forget it, and applies the rules to the others', async () => {
    const bad = ofA[2] as string;
    const list = Vault.prototype.listSnapshots;
    const listed = jest.spyOn(Vault.prototype, 'listSnapshots').mockImplementation(async function (this: Vault) {
      return (await list.call(this)).map((s) => (s.id === bad ? { ...s, time: 'yesterday\u001b[2K\u202e' } : s));
    });
    try {
      const io = recordingCliIo();
      expect(await vaultForget([], { vault, keyFile, keepLast: '1' }, { io })).toBe(0);
      const line = io.lines.find((l) => l.includes(bad.slice(0, 12))) ?? '';
      expect(line).toMatch(/^keep /);
      expect(line).toContain(`(its time "yesterday\\u001b[2K\\u202e" is not a date and time, so no rule can count it and it is kept; to forget it, name it: \`lifeboat vault forget ${bad.slice(0, 12)}\`)`);
      // eslint-disable-next-line no-control-regex -- the time's ESC and U+202E reach the terminal escaped
      expect(io.lines.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
      // Of a's others the newest is kept by the rule, the older one forgotten; b's only snapshot is kept.
      expect((await snapshotIds()).sort()).toEqual([ofA[1], bad, ofB].map((id) => (id as string).slice(0, 16)).sort());
      const json = recordingCliIo();
      expect(await vaultForget([], { vault, keyFile, keepLast: '1', json: true, dryRun: true }, { io: json })).toBe(0);
      const decision = (JSON.parse(json.lines.join('\n')) as { decisions: Array<{ snapshotId: string; forget: boolean; reasons: string[] }> }).decisions.find((d) => d.snapshotId === bad);
      expect(decision?.forget).toBe(false);
      expect(decision?.reasons[0]).toMatch(/^its time "yesterday\\u001b\[2K\\u202e" is not a date and time/);
    } finally {
      listed.mockRestore();
    }
    // The forget it names forgets it.
    expect(await vaultForget([bad.slice(0, 12)], { vault, keyFile }, { io: recordingCliIo() })).toBe(0);
    expect((await snapshotIds()).sort()).toEqual([ofA[1], ofB].map((id) => (id as string).slice(0, 16)).sort());
  });
});
