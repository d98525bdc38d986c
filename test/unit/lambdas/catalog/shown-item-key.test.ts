import { createHash } from 'node:crypto';
import { type InvalidBackupItem } from '../../../../lambdas/catalog/backup-catalog';
import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';
import { shownItemKey, shownItemKeyPart } from '../../../../lambdas/catalog/shown-item-key';
import { UnreadableNewerBackupError } from '../../../../lambdas/failover/unreadable-newer-backups';

const sha8 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 8);

it('shows a key of 40 characters or fewer whole, escaped', () => {
  expect(shownItemKeyPart('x'.repeat(40))).toBe('x'.repeat(40));
  expect(shownItemKeyPart('a\nb')).toBe('a\\u000ab');
});

it('shows a longer key by its first 28 and last 12 characters and a digest of the whole, 40 of its own characters', () => {
  const key = `${'a'.repeat(30)}${'m'.repeat(20)}${'z'.repeat(12)}`;
  expect(shownItemKeyPart(key)).toBe(`${'a'.repeat(28)}…${'z'.repeat(12)} (cut from 62 characters, sha256 ${sha8(key)})`);
  // Cut on code points, before escaping: no surrogate pair or escape is split.
  expect(shownItemKeyPart(`${'😀'.repeat(50)}`)).toBe(`${'😀'.repeat(28)}…${'😀'.repeat(12)} (cut from 50 characters, sha256 ${sha8('😀'.repeat(50))})`);
  expect(shownItemKeyPart(`${'x'.repeat(27)}\n${'y'.repeat(20)}\u001b`)).toBe(`${'x'.repeat(27)}\\u000a…${'y'.repeat(11)}\\u001b (cut from 49 characters, sha256 ${sha8(`${'x'.repeat(27)}\n${'y'.repeat(20)}\u001b`)})`);
});

// Review r63U F4, r63K F6: cut at their first 40 characters, two hand-written backup ids (or two damaged keys) that differ
// past them read alike: in the failover refusal and the prune's stop, and a doctor's or refusal's list of damaged keys
// was matched to its deletes by position only.
it('tells apart two keys that share their first 40 characters, at their end or in their middle', () => {
  const ending = ['nightly-before-migration-2026-12-08-approved-by-change-board-42', 'nightly-before-migration-2026-12-08-approved-by-change-board-43'];
  const [a, b] = ending.map((id) => shownItemKeyPart(id));
  expect(a).not.toBe(b);
  expect(a).toContain('nightly-before-migration-202…nge-board-42 (cut from 63 characters');
  const middle = [`BACKUP#${'k'.repeat(40)}1${'t'.repeat(20)}`, `BACKUP#${'k'.repeat(40)}2${'t'.repeat(20)}`];
  expect(shownItemKeyPart(middle[0] ?? '')).not.toBe(shownItemKeyPart(middle[1] ?? ''));
  expect(shownItemKey({ pk: middle[0] ?? '', sk: 'BACKUP' })).toBe(`${shownItemKeyPart(middle[0] ?? '')} / BACKUP`);
});

it("names the failover's chosen backup apart from another of the same first 40 characters", () => {
  const damaged: InvalidBackupItem = {
    key: { pk: 'BACKUP#20261209T060000Z-0000000b', sk: 'BACKUP' },
    startedAt: '2026-12-09T06:00:00Z',
    preVault: false,
    mayBeHeld: false,
    forgotten: false,
    snapshotIds: [],
    error: new CatalogItemInvalidError('lifeboat-dev-catalog', 'BACKUP#20261209T060000Z-0000000b / BACKUP', ['status: bad']),
  };
  const refusal = (backupId: string): string => new UnreadableNewerBackupError('failover', 'demo', { region: 'us-west-2', vault: 'dr' }, { backupId, startedAt: '2026-12-08T06:00:00Z' }, [damaged]).message;
  const [a, b] = ['restored-by-hand-2026-12-01-from-tape-archive-A', 'restored-by-hand-2026-12-01-from-tape-archive-B'].map(refusal);
  expect(a).toContain('a backup newer than restored-by-hand-2026-12-01-…pe-archive-A (cut from 47 characters, sha256 ');
  expect(b).toContain('a backup newer than restored-by-hand-2026-12-01-…pe-archive-B (cut from 47 characters, sha256 ');
});
