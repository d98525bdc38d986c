import { type RebuildMarker } from '../../../../lambdas/catalog/catalog-rebuild-marker';
import { PointInTimeInRebuildGapError } from '../../../../lambdas/catalog/point-in-time-in-rebuild-gap-error';
import { BackupLacksPlanSourcesError } from '../../../../lambdas/drill/drill-errors';
import { selectDrillBackup } from '../../../../lambdas/drill/drill-selection';
import { NewestBackupInRebuildGapError } from '../../../../lambdas/drill/newest-backup-in-rebuild-gap-error';
import { backupAt } from './drill-test-plans';

/**
 * Review r64L F3: the rebuild gap's refusals (a restore by time, a drill of the newest) printed the marker's writtenAt,
 * the backup id and start it has come down to, and the backup the catalog would choose, raw; the drill's selection
 * refusals printed record ids raw. All are a catalog item's, any strings: a start with a "(comment)" Date.parse skips
 * spelled another record's delete whole, and an id held a newline and ESC. Ids are now cut at 40 and escaped
 * (shownItemKeyPart), times shown as the instants they parse to.
 */

const DEL = `aws dynamodb delete-item --region us-east-1 --table-name lifeboat-dev-catalog --key '{"pk":{"S":"BACKUP#20261129T000000Z-0a0b0c0d"},"sk":{"S":"BACKUP"}}' --condition-expression 'attribute_exists(pk)'`;
const FORGED_ID = `x\u001b[31m\n${DEL}`;
const FORGED_START = `Nov 20 2026 12:00 GMT (${DEL})`;
const marker: RebuildMarker = { vault: 'dr', writtenAt: `Nov 30 2026 01:00 GMT (${DEL})`, reliableFrom: { startedAt: `Nov 30 2026 00:00 GMT (\u001b[8m)`, backupId: FORGED_ID } };

/** Whether a message holds no control character and no whole delete: nothing of a record's text forged a line or a command. */
function clean(message: string): void {
  expect([...message].filter((c) => c < ' ' || c === '\u007f')).toEqual([]);
  expect(message).not.toContain('delete-item');
}

describe("the rebuild gap's refusals", () => {
  it('a restore by point in time: the marker and the backup chosen shown as instants and cut ids', () => {
    const { message } = new PointInTimeInRebuildGapError('assets', '2026-11-25T00:00:00.000Z', marker, { backupId: FORGED_ID, startedAt: FORGED_START });
    clean(message);
    expect(message).toContain('the marker was last written at 2026-11-30T01:00:00.000Z)');
    expect(message).toContain('has come down to the backup started 2026-11-30T00:00:00.000Z (x\\u001b[31m\\u000aaws dynamodb delete-i…_exists(pk)\' (cut from 206 characters, sha256 ');
    expect(message).toContain('(started 2026-11-20T12:00:00.000Z), older than that');
    expect(new PointInTimeInRebuildGapError('assets', '2026-11-25T00:00:00.000Z', { ...marker, writtenAt: 'later' }, { backupId: 'b', startedAt: 'soon' }).message).toMatch(
      /last written at a writtenAt that is not a time\).* \(started at a startedAt that is not a time\)/,
    );
  });

  it('a drill of the newest', () => {
    const { message } = new NewestBackupInRebuildGapError('demo', 'us-east-1', marker, { backupId: FORGED_ID, startedAt: FORGED_START });
    clean(message);
    expect(message).toContain('has backup x\\u001b[31m\\u000aaws dynamodb de');
    expect(message).toContain('(started 2026-11-20T12:00:00.000Z) as the newest the drill can test');
  });
});

describe("the drill selection's refusals", () => {
  const start = new Date('2026-11-30T12:00:00Z');
  const base = { plan: 'orders', vault: 'primary' as const, selection: 'latest' as const, sources: ['assets'], windowDays: 2, startedAt: start };

  it('a named backup that cannot be drilled, or lacks a source', () => {
    const running = backupAt('orders', '2026-11-30T10:00:00.000Z', { status: 'RUNNING', id: FORGED_ID });
    expect(() => selectDrillBackup([running], { ...base, selection: 'backup-id', backupId: FORGED_ID })).toThrow(/^Invalid drill request: backupId: backup x\\u001b\[31m\\u000aaws dynamodb delete-i…_exists\(pk\)' \(cut from 206 characters, sha256 [0-9a-f]{8}\) of plan "orders" cannot be drilled/);
    for (const selection of ['backup-id', 'latest'] as const) {
      const lacking = backupAt('orders', '2026-11-30T10:00:00.000Z', { id: FORGED_ID });
      let message = '';
      try {
        selectDrillBackup([lacking], { ...base, selection, backupId: FORGED_ID, sources: ['assets', 'orders-table'] });
      } catch (err) {
        message = (err as Error).message;
        if (selection === 'latest') expect(err).toBeInstanceOf(BackupLacksPlanSourcesError);
      }
      expect(message).toContain('x\\u001b[31m\\u000aaws dynamodb de');
      clean(message);
    }
  });

  it('no backup to drill: the newest named cut', () => {
    const old = backupAt('orders', '2026-11-20T10:00:00.000Z', { id: FORGED_ID });
    const running = backupAt('orders', '2026-11-30T10:00:00.000Z', { status: 'RUNNING', id: `y\u001b[31m${DEL}` });
    for (const list of [[old], [running]]) {
      let message = '';
      try {
        selectDrillBackup(list, base);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^Plan "orders" has no/);
      clean(message);
    }
  });
});
