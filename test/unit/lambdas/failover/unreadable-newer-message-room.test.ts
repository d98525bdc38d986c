import { type InvalidBackupItem } from '../../../../lambdas/catalog/backup-catalog';
import { CatalogItemInvalidError } from '../../../../lambdas/catalog/catalog-errors';
import { MAX_FAILURE_CAUSE } from '../../../../lambdas/failover/failover-incomplete';
import { catalogItemDeleteCommand } from '../../../../lambdas/catalog/catalog-item-delete-command';
import { UnreadableNewerBackupError } from '../../../../lambdas/failover/unreadable-newer-backups';

/**
 * Review r62C F4: with pathological keys (C1 characters, each shown as \uXXXX, three times per record) the refusal's
 * message outgrew Step Functions' cause (32,768 characters): three records of the largest keys made 39,875. It names
 * fewer records when long, and says how many more.
 */

const record = (i: number, pkChars: number, skChars: number, problems = ['status: bad']): InvalidBackupItem => {
  const pk = `BACKUP#${i}${'\u009b'.repeat(pkChars)}`;
  const sk = '\u0085'.repeat(skChars);
  return { key: { pk, sk }, startedAt: 'x', preVault: false, mayBeHeld: false, forgotten: false, snapshotIds: [], error: new CatalogItemInvalidError('lifeboat-dev-catalog', `${pk} / ${sk}`, problems) };
};
/** Ten problems of a record each shown at their longest (78 C1 characters, \uXXXX each). */
const LONGEST_PROBLEMS = Array.from({ length: 10 }, () => '\u009b'.repeat(100));
/** The cause as a Lambda's error reaches Step Functions: the message, and again in the stack's first line. */
const causeOf = (error: Error): string => JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n').slice(0, 12) });
/** The records whose delete the message names, each written out as the refusal writes it. */
const deletesNamed = (message: string, items: readonly InvalidBackupItem[]) =>
  items.filter((i) => message.includes(catalogItemDeleteCommand({ region: 'us-west-2', table: 'lifeboat-dev-catalog', key: i.key }))).map((i) => i.key);
const refusal = (items: InvalidBackupItem[]) => new UnreadableNewerBackupError('failover', 'demo', { region: 'us-west-2', vault: 'dr' }, undefined, items);

// Since review r63B F1 the prose shows each key cut at 40, so the largest keys' deletes alone fit one record: with its
// problems at their longest, not even one does.
it('names no record one by one when even one of the largest keys (a 2 KB pk, a 1 KB sk) would not fit, and says where they are named', () => {
  const error = refusal([0, 1, 2].map((i) => record(i, 1019, 512, LONGEST_PROBLEMS)));
  expect(causeOf(error).length).toBeLessThanOrEqual(MAX_FAILURE_CAUSE);
  expect(error.message).toContain(
    "the DR catalog has 3 backup records it cannot read, too long to name here (the function's log names each), which may be of the backup the failover should restore. " +
      '`lifeboat doctor` names up to 10 of them, each with the command that deletes it: delete them, and `lifeboat catalog rebuild --vault dr --region dr` writes',
  );
  expect(error.message).not.toContain('delete-item');
});

it('names as many records as fit, their deletes too, and how many more there are', () => {
  const items = [0, 1, 2].map((i) => record(i, 400, 200));
  const error = refusal(items);
  expect(causeOf(error).length).toBeLessThanOrEqual(MAX_FAILURE_CAUSE);
  expect(error.message).toMatch(/ and 1 more \(the function's log names each\), which may be of /);
  expect(deletesNamed(error.message, items)).toEqual(items.slice(0, 2).map((i) => i.key));
});

it('names all three records of ordinary keys, as before', () => {
  const items = [0, 1, 2].map((i) => record(i, 0, 0)).map((i) => ({ ...i, key: { pk: `BACKUP#20261209T06000${i.key.pk.slice(-1)}Z-0000000b`, sk: 'BACKUP' } }));
  const error = refusal(items);
  expect(error.message).not.toContain('more (the function');
  expect(deletesNamed(error.message, items)).toEqual(items.map((i) => i.key));
});
