import { createHash } from 'node:crypto';
import { printScrubReport } from '../../../cli/commands/scrub-command';
import { type ScrubRunRecord } from '../../../lambdas/catalog/scrub-record';
import { type ScrubReport } from '../../../lambdas/replication/scrub-report';
import { FIRST_SCRUB_CURSOR } from '../../../vault';
import { capturedCliIo } from '../../support/captured-cli-io';

/**
 * f63H: `lifeboat scrub` printed vault keys raw in its table rows and its stderr lines, and the paths of the backups'
 * own trees on the lines naming what a damaged object affects: a key put in the bucket by hand, or a file named with a
 * newline or ESC, forged a line (`Clean: …`) or coloured the terminal. Shown escaped and a key cut at 200, as the
 * per-object note lines show keys; the report itself (--json) keeps them whole.
 */

const FORGED = 'data/ab\nClean: every object read verified\u001b[32m\u202e';
const SHOWN = 'data/ab\\u000aClean: every object read verified\\u001b[32m\\u202e';
const LONG = `data/${'f'.repeat(300)}`;
const affects = [{ backupId: 'b-1', source: 'photos', snapshotId: 'a'.repeat(64), time: '2026-12-01T00:00:00Z', whole: false, entries: 3, paths: ['x.jpg', 'img/\nClean: y.jpg\u001b[2J', 'c:\\q3\\\u202ereport'] }];
// A backup id read from the catalog, as the run's record lists it among the affected backups (review r63I F1).
const FORGED_BACKUP = 'b-2\nClean: every object read verified\u001b[31m';

function printed(affectedBackups: readonly string[] = ['b-1']): { out: string[]; err: string[]; report: ScrubReport } {
  const report: ScrubReport = {
    scope: 'both',
    fraction: 0.5,
    repair: true,
    cursor: FIRST_SCRUB_CURSOR,
    nextCursor: { cycle: 1, after: `${FORGED}/next` },
    cycleComplete: false,
    objects: 3,
    read: { primary: 2, dr: 2 },
    findings: [
      { vault: 'primary', key: FORGED, problem: 'corrupt', detail: 'bad', outcome: 'unrepaired', reason: `the copy of ${FORGED} could not be written` },
      { vault: 'dr', key: LONG, problem: 'missing', detail: 'gone', outcome: 'unrepaired', otherCopy: 'archived', reason: 'archived' },
    ],
    damage: [{ key: FORGED, vaults: ['primary', 'dr'], affects, note: `note on ${FORGED}` }],
    archivedCopyDamage: [{ key: LONG, vaults: ['dr'], affects }],
    ok: false,
  };
  const summary = { outcome: 'DAMAGED', startedAt: '2026-12-07T00:00:00.000Z', affectedBackups } as unknown as ScrubRunRecord;
  const { out, err, io } = capturedCliIo();
  printScrubReport(report, summary, io, { recorded: true, unopened: [] });
  return { out, err, report };
}

it('shows a key and the paths it affects escaped in the table, the cursor and the stderr lines; a long key cut at 200', () => {
  const { out, err, report } = printed();
  const lines = [...out, ...err].flatMap((l) => l.split('\n'));
  for (const line of lines) {
    for (const raw of ['\u001b', '\u202e']) expect(line).not.toContain(raw);
    expect(line).not.toMatch(/^\s*Clean:/);
  }
  expect(out[0]).toContain(`the next run starts after ${SHOWN}/next.`);
  const table = out.slice(1).join('\n');
  expect(table).toContain(SHOWN);
  // The WHY column wraps at 60: its first line.
  expect(table).toContain('the copy of data/ab\\u000aClean: every object read ');
  expect(table).toContain(`${LONG.slice(0, 200)}… (cut from 305 characters)`);
  expect(table).not.toContain('f'.repeat(201));
  expect(err).toContain(`${SHOWN} is damaged or missing in primary and dr with no good copy:`);
  expect(err).toContain(`  note on ${SHOWN}`);
  // Paths spelled as restore, verify and drills print them (escapeName, `ls -b`'s way), a backslash doubled (review r63I F2).
  expect(err).toContain(`  backup "b-1", source photos, snapshot aaaaaaaaaaaa (2026-12-01T00:00:00Z): 3 entries: x.jpg, img/\\nClean: y.jpg\\x1b[2J, c:\\\\q3\\\\\\u{202e}report`);
  expect(err.some((l) => l.startsWith(`${LONG.slice(0, 200)}… (cut from 305 characters) is damaged or missing in dr, and the other vault's copy is`))).toBe(true);
  expect(err.join('\n')).not.toContain('f'.repeat(201));
  // The report (what --json prints) keeps them whole.
  expect(report.findings[0]?.key).toBe(FORGED);
  expect(report.damage[0]?.affects[0]?.paths[1]).toBe('img/\nClean: y.jpg\u001b[2J');
});

it('shows the verdict\'s affected backups escaped, as the lines naming each backup show them (review r63I F1)', () => {
  const { err } = printed(['b-1', FORGED_BACKUP]);
  const lines = err.flatMap((l) => l.split('\n'));
  for (const line of lines) {
    expect(line).not.toContain('\u001b');
    expect(line).not.toMatch(/^\s*Clean:/);
  }
  expect(err.at(-1)).toMatch(/^1 object\(s\) have no good copy in either vault \(affected backups: "b-1", "b-2\\nClean: every object read"…"erified\\u001b\[31m" \(cut from 42 characters, sha256 [0-9a-f]{8}\)\); /);
});

it('shows an affected backup\'s id quoted and cut at 40 as the verdict does, and its source as other lines show a source (review r63P F2)', () => {
  const longId = `b-${'9'.repeat(300)}`;
  const report: ScrubReport = {
    scope: 'both',
    fraction: 1,
    repair: true,
    cursor: FIRST_SCRUB_CURSOR,
    nextCursor: FIRST_SCRUB_CURSOR,
    cycleComplete: true,
    objects: 1,
    read: { primary: 1, dr: 1 },
    findings: [{ vault: 'primary', key: 'data/ab', problem: 'corrupt', detail: 'bad', outcome: 'unrepaired' }],
    damage: [{ key: 'data/ab', vaults: ['primary'], affects: [{ backupId: longId, source: 'c:\\data\nX\u200b', snapshotId: 'a'.repeat(64), time: 't', whole: true, entries: 0, paths: [] }] }],
    ok: false,
  };
  const summary = { outcome: 'DAMAGED', startedAt: '2026-12-07T00:00:00.000Z', affectedBackups: [longId] } as unknown as ScrubRunRecord;
  const { err, io } = capturedCliIo();
  printScrubReport(report, summary, io, { recorded: true, unopened: [] });
  const shownId = `"b-${'9'.repeat(26)}"…"${'9'.repeat(12)}" (cut from 302 characters, sha256 ${createHash('sha256').update(longId).digest('hex').slice(0, 8)})`;
  expect(err).toContain(`  backup ${shownId}, source c:\\\\data\\nX\\u{200b}, snapshot aaaaaaaaaaaa (t): the whole snapshot`);
  expect(err.at(-1)).toContain(`(affected backups: ${shownId})`);
  expect(err.join('\n')).not.toContain('9'.repeat(201));
});

it('names the first 10 affected backups in the verdict and counts the others, those the record left out too (review r63P F4)', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `20261124T100000Z-${i.toString(16).padStart(8, '0')}`);
  const report: ScrubReport = {
    scope: 'both',
    fraction: 1,
    repair: true,
    cursor: FIRST_SCRUB_CURSOR,
    nextCursor: FIRST_SCRUB_CURSOR,
    cycleComplete: true,
    objects: 1,
    read: { primary: 1, dr: 1 },
    findings: [{ vault: 'primary', key: 'data/ab', problem: 'corrupt', detail: 'bad', outcome: 'unrepaired' }],
    damage: [{ key: 'data/ab', vaults: ['primary'], affects: [] }],
    ok: false,
  };
  const summary = { outcome: 'DAMAGED', startedAt: '2026-12-07T00:00:00.000Z', affectedBackups: ids, affectedBackupsNotListed: 1500 } as unknown as ScrubRunRecord;
  const { err, io } = capturedCliIo();
  printScrubReport(report, summary, io, { recorded: true, unopened: [] });
  expect(err.at(-1)).toContain(`(affected backups: ${ids.slice(0, 10).map((id) => `"${id}"`).join(', ')} and 3490 more); `);
  expect(err.at(-1)).not.toContain(ids[10]);
});

// Review r64F F6/F7: the verdict cut a long backup id at 200 with no digest, so two that differ past it read alike,
// while the alarm's message shows it as a damaged item's key; and an id holding ", " read as two.
it('tells apart two long affected backup ids in the verdict and quotes each, as the alarm\'s message shows them', () => {
  const base = `b-${'9'.repeat(300)}`;
  const ids = [`${base}-archive-A`, `${base}-archive-B`, 'a, b and 99 more'];
  const { err } = printed(ids);
  const sha8 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 8);
  const shown = (id: string): string => `"b-${'9'.repeat(26)}"…"${id.slice(-12)}" (cut from ${id.length} characters, sha256 ${sha8(id)})`;
  expect(shown(ids[0] as string)).not.toBe(shown(ids[1] as string));
  expect(err.at(-1)).toContain(`(affected backups: ${shown(ids[0] as string)}, ${shown(ids[1] as string)}, "a, b and 99 more"); `);
  expect(err.join('\n')).not.toContain('9'.repeat(41));
});
