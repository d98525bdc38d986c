import * as path from 'node:path';
import { type ScrubAccess, scrubCommand } from '../../../cli/commands/scrub-command';
import { type ScrubRunRecord } from '../../../lambdas/catalog/scrub-record';
import { capturedCliIo } from '../../support/captured-cli-io';
import { corrupt, listKeys, scrubVaultPair, type VaultPair } from '../../support/scrub-vault-pair';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { removeDir, tempDir } from '../../support/vault-test-helpers';

/**
 * `lifeboat scrub --json` with something left to do (audit a2 #3a): stdout holds the one JSON report, and stderr
 * says what the run without --json says there (each damaged object, the backups and paths it affects, the verdict),
 * where the person reading a job's log sees it.
 */

const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '/nonexistent' };

let dir: string;
let pair: VaultPair;
let access: ScrubAccess;

beforeEach(async () => {
  dir = await tempDir('scrub-json-damage');
  pair = await scrubVaultPair(path.join(dir, 'src'));
  const runs: ScrubRunRecord[] = [];
  access = {
    environment: { name: 'dev' },
    scrubLog: { latest: async () => runs.at(-1), record: async (run) => void runs.push(run) },
    openVault: async (side) => (side === 'primary' ? pair.primary : pair.dr),
  };
});
afterEach(async () => removeDir(dir));

it('damage with no good copy: the JSON on stdout, and on stderr the same damage lines and verdict as without --json, exit 1', async () => {
  const [pack] = await listKeys(pair.primary.store, 'data/');
  await corrupt(pair.primary.store, pack as string);
  await corrupt(pair.dr.store, pack as string);
  const text = capturedCliIo();
  expect(await scrubCommand({ ...target, fraction: '1', repair: true }, { io: text.io, access })).toBe(1);
  const json = capturedCliIo();
  expect(await scrubCommand({ ...target, fraction: '1', repair: true, json: true }, { io: json.io, access })).toBe(1);
  expect(JSON.parse(json.out.join('\n'))).toMatchObject({ ok: false, outcome: 'DAMAGED', damage: [{ key: pack }] });
  // How many blobs the pack holds depends on which pack lists first (pack ids are hashes of encrypted, so random, bytes).
  expect(json.err[0]).toMatch(new RegExp(`^${pack} is damaged or missing in primary and dr with no good copy \\(it holds \\d+ blob\\(s\\)\\):$`));
  // One object, bad in both vaults: counted once (review rU F1).
  expect(json.err.at(-1)).toBe(`1 object(s) have no good copy in either vault (affected backups: "${pair.backupId}"); back the affected sources up again, or restore the listed paths from an older backup.`);
  expect(json.err).toEqual(text.err);
});

it('found but not repaired: the verdict on stderr; a clean run under --json writes nothing there', async () => {
  const [pack] = await listKeys(pair.dr.store, 'data/');
  await corrupt(pair.dr.store, pack as string);
  const found = capturedCliIo();
  expect(await scrubCommand({ ...target, fraction: '1', json: true }, { io: found.io, access })).toBe(1);
  expect(JSON.parse(found.out.join('\n'))).toMatchObject({ ok: false, outcome: 'REPAIRABLE' });
  expect(found.err).toEqual(['1 object(s) are damaged or missing and have a good copy in the other vault: run again with --repair.']);
  const repaired = capturedCliIo();
  expect(await scrubCommand({ ...target, fraction: '1', repair: true, json: true }, { io: repaired.io, access })).toBe(0);
  expect(repaired.err).toEqual([]);
});

it('--json writes a key with a CSI or a bidi override escaped, and it reads back whole (review r63P F5)', async () => {
  const runs: ScrubRunRecord[] = [];
  const recording: ScrubAccess = { ...access, scrubLog: { latest: async () => runs.at(-1), record: async (run) => void runs.push(run) } };
  expect(await scrubCommand({ ...target, fraction: '1' }, { io: capturedCliIo().io, access: recording })).toBe(0);
  // The cursor the last run recorded: a key of the vault, any text (a key put in the bucket by hand).
  const forged = 'data/ab\u009b2J\u202e';
  const last = runs.at(-1) as ScrubRunRecord;
  runs.push({ ...last, nextCursor: { cycle: last.nextCursor.cycle, after: forged } });
  const json = capturedCliIo();
  await scrubCommand({ ...target, fraction: '1', json: true }, { io: json.io, access: recording });
  const out = json.out.join('\n');
  expect(out).not.toMatch(/[\u009b\u202e]/);
  expect(out).toContain('"after": "data/ab\\u009b2J\\u202e"');
  expect(JSON.parse(out)).toMatchObject({ cursor: { after: forged } });
});
