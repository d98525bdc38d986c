import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { forgetLostLines } from '../../../cli/commands/backups-forget-lost';
import { backupsForgetCommand } from '../../../cli/commands/retention-commands';
import { type ForgetLostReport } from '../../../lambdas/retention/forget-lost-backup';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * `lifeboat backups forget --lost <backupId>` (review r58F F1, F2): what it refuses before reading anything, and what it
 * prints. The forget itself: test/unit/lambdas/retention/forget-lost-backup.test.ts.
 */

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => ddb.reset());

const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true };
const ID = '20260301T100000Z-00000001';

it.each([
  [{ lost: ID }, `--lost forgets backup ${ID} from the primary vault whatever its plan's retention keeps, once none of its snapshots reads in either vault: see each snapshot's state with \`lifeboat backups forget --lost ${ID} --dry-run`],
  [{ lost: ID, vault: 'dr' }, `--lost forgets backup ${ID} from the dr vault whatever its plan's retention keeps, once none of its snapshots reads in either vault: see each snapshot's state with \`lifeboat backups forget --lost ${ID} --vault dr --dry-run`],
  [{ lost: ID, yes: true, plan: 'files' }, "--lost names one backup, whatever its plan's policy: leave out --plan and the --keep-* rules"],
  [{ lost: ID, yes: true, keepLast: '3' }, "--lost names one backup, whatever its plan's policy: leave out --plan and the --keep-* rules"],
  [{ plan: 'files', yes: true }, '--yes confirms a --lost forget; a policy forget takes none'],
])('refuses %j with exit 2 before reading anything', async (options, message) => {
  const { io, err } = capturedCliIo();
  expect(await backupsForgetCommand({ ...target, ...options }, { io })).toBe(2);
  expect(err.join('\n')).toContain(`lifeboat backups forget: ${message}`);
  expect(ddb.calls()).toHaveLength(0);
});

describe('what it prints', () => {
  const report: ForgetLostReport = { vault: 'primary', backupId: ID, dryRun: true, snapshots: [{ snapshotId: 'a'.repeat(64), here: 'corrupt', other: 'missing' }], deletedObjects: 0, forgotten: false };
  const local = { config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat', aws: false };

  it('a dry run: each snapshot in both vaults, what it would do and the line that does it', () => {
    expect(forgetLostLines(report, local)).toEqual([
      `Backup ${ID}: none of its snapshots reads in either vault:`,
      `  snapshot ${'a'.repeat(64)}: corrupt in the primary vault, missing in the dr vault`,
      `Dry run: would delete 1 snapshot object(s) from the primary vault and mark the backup forgotten in the primary catalog; nothing was changed. To do it: \`lifeboat backups forget --lost ${ID} --yes\``,
    ]);
  });

  it('done in one vault: the line for the other, with the run\'s target options', () => {
    const lines = forgetLostLines({ ...report, vault: 'dr', dryRun: false, deletedObjects: 1, forgotten: true }, { ...local, env: 'prod', aws: true });
    expect(lines.at(-1)).toBe(
      `Forgot it from the dr vault: deleted 1 snapshot object(s) and marked it forgotten in the dr catalog. Forget it from the primary vault too: \`lifeboat backups forget --lost ${ID} --yes --env prod --aws\`; ` +
        'once neither vault holds its snapshot objects, the next scrub of both vaults drops them from its record (docs/RUNBOOKS.md, "Retention").',
    );
    // The other vault's catalog marks it forgotten already: no line sends the operator back there (review r58L F6).
    expect(forgetLostLines({ ...report, vault: 'dr', dryRun: false, deletedObjects: 1, forgotten: true }, local, '2026-11-28T03:00:00.000Z').at(-1)).toBe(
      'Forgot it from the dr vault: deleted 1 snapshot object(s) and marked it forgotten in the dr catalog. It was forgotten from the primary vault already (at 2026-11-28T03:00:00.000Z); ' +
        'once neither vault holds its snapshot objects, the next scrub of both vaults drops them from its record (docs/RUNBOOKS.md, "Retention").',
    );
    expect(forgetLostLines({ ...report, forgottenBefore: '2026-11-28T04:00:00.000Z' }, local)).toEqual([`Backup ${ID} was forgotten from the primary vault already (at 2026-11-28T04:00:00.000Z): nothing to do.`]);
  });
});

// Review r65O F3: the --lost id went into the printed lines through shellWord alone: an ESC reached the terminal raw, a
// backtick closed the code span and spelled a command of its own. It is shown escaped, and the line to paste carries
// the placeholder and where the id is.
describe('an id no line can carry as printed', () => {
  const report: ForgetLostReport = { vault: 'primary', backupId: 'b-1\u001b[2J`lifeboat backups forget --plan prod --keep-last 1`', dryRun: true, snapshots: [], deletedObjects: 0, forgotten: false };
  const local = { config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat', aws: false };
  const fillIn = " (for '<backup id>' put the backup id: the id given to --lost; it is not printed as a word to paste)";

  it('is shown escaped, and the dry run\'s and the other vault\'s lines carry the placeholder', () => {
    const dry = forgetLostLines(report, local);
    expect(dry[0]).toMatch(/^Backup b-1\\x1b\[2J`lifeboat/);
    expect(dry.at(-1)).toContain(`To do it: \`lifeboat backups forget --lost '<backup id>' --yes\`${fillIn}`);
    const done = forgetLostLines({ ...report, dryRun: false, forgotten: true }, local);
    expect(done.at(-1)).toContain(`Forget it from the dr vault too: \`lifeboat backups forget --lost '<backup id>' --vault dr --yes\`${fillIn}; `);
    for (const line of [...dry, ...done]) expect(line).not.toContain('\u001b');
  });

  it('is not printed in the usage error\'s dry-run line', async () => {
    const { io, err } = capturedCliIo();
    expect(await backupsForgetCommand({ ...target, lost: 'b-1`x`' }, { io })).toBe(2);
    expect(err.join('\n')).toContain("see each snapshot's state with --dry-run, then confirm with --yes");
    expect(err.join('\n')).not.toContain('`lifeboat backups forget --lost');
  });

  it('prints an id beginning with - as --lost takes it', async () => {
    const { io, err } = capturedCliIo();
    expect(await backupsForgetCommand({ ...target, lost: '-x' }, { io })).toBe(2);
    expect(err.join('\n')).toContain('`lifeboat backups forget --lost -x --dry-run');
  });
});
