import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { verifyCommand } from '../../../cli/commands/restore-commands';
import { backupsForgetCommand, backupsHoldCommand, backupsReleaseCommand } from '../../../cli/commands/retention-commands';
import { type CliIo } from '../../../cli/cli-io';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r64H F1: a backup id the operator types (`backups hold|release <id>`, `backups forget --lost <id>`, `verify
 * --backup <id>`) is checked against no form, as a hand-written record's id is looked up too; the refusal of one the
 * catalog lacks echoed it raw, so an ESC in it drove the terminal and a long one filled the line. It is shown escaped
 * and cut past 40 characters (shownItemKeyPart). Over a scripted DynamoDB that holds no record (--aws, no local cloud).
 */

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({});
  // A hold or release of a record that does not exist fails its condition.
  ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
});

const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true };
const ESC = '20261130T060000Z-0badcafe\u001b[2J\n';
const LONG = `20261130T060000Z-0badcafe${'x'.repeat(263)}-last-12-abc`;
const cutLong = `20261130T060000Z-0badcafexxx…-last-12-abc (cut from 300 characters, sha256 ${createHash('sha256').update(LONG).digest('hex').slice(0, 8)})`;
/** No C0 or C1 control of the id reaches a line. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/; // eslint-disable-line no-control-regex -- matching control characters is the point

async function errOf(run: (io: CliIo) => Promise<number>, code: number): Promise<string[]> {
  const { io, err } = capturedCliIo();
  expect(await run(io)).toBe(code);
  for (const line of err) expect(line).not.toMatch(CONTROL);
  return err;
}

it.each([
  ['backups hold', (id: string) => (io: CliIo) => backupsHoldCommand(id, { ...target, reason: 'case 42', by: 'ann' }, { io }), 'lifeboat backups hold: '],
  ['backups release', (id: string) => (io: CliIo) => backupsReleaseCommand(id, target, { io }), 'lifeboat backups release: '],
  ['verify --backup', (id: string) => (io: CliIo) => verifyCommand({ ...target, backup: id }, { io }), 'lifeboat verify: '],
] as const)('%s of an id the catalog lacks names it escaped and cut', async (_, command, lead) => {
  expect(await errOf(command(ESC), 1)).toEqual([`${lead}No backup with id 20261130T060000Z-0badcafe\\u001b[2J\\u000a exists in the catalog. List them with \`lifeboat backups list\`.`]);
  expect(await errOf(command(LONG), 1)).toEqual([`${lead}No backup with id ${cutLong} exists in the catalog. List them with \`lifeboat backups list\`.`]);
});

describe('backups forget --lost', () => {
  it('asks for --dry-run or --yes naming the id escaped and cut, before reading anything', async () => {
    expect(await errOf((io) => backupsForgetCommand({ ...target, lost: ESC }, { io }), 2)).toEqual([
      "lifeboat backups forget: --lost forgets backup 20261130T060000Z-0badcafe\\x1b[2J\\n from the primary vault whatever its plan's retention keeps, once none of its snapshots reads in either vault: " +
        'see each snapshot\'s state with --dry-run, then confirm with --yes',
    ]);
    const [long] = await errOf((io) => backupsForgetCommand({ ...target, lost: LONG }, { io }), 2);
    // A long id is not printed whole in a line to paste, as no record's id is (pastedIdWord, review r65O F3).
    expect(long).toContain(`--lost forgets backup ${cutLong} from the primary vault`);
    expect(long).toContain("see each snapshot's state with --dry-run, then confirm with --yes");
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses an id the catalog lacks naming it escaped and cut', async () => {
    const [escaped] = await errOf((io) => backupsForgetCommand({ ...target, lost: ESC, yes: true }, { io }), 1);
    expect(escaped).toMatch(/^lifeboat backups forget: backup 20261130T060000Z-0badcafe\\u001b\[2J\\u000a was not forgotten: the primary catalog holds no such backup/);
    const [long] = await errOf((io) => backupsForgetCommand({ ...target, lost: LONG, yes: true }, { io }), 1);
    expect(long).toContain(`lifeboat backups forget: backup ${cutLong} was not forgotten: the primary catalog holds no such backup`);
  });
});
