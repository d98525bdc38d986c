import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectLockConfigurationCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { registerBackupsCommands } from '../../../cli/commands/backup-commands';
import { backupsForgetCommand, backupsHoldCommand, backupsReleaseCommand, printForgetReport } from '../../../cli/commands/retention-commands';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { backupRecordSchema, type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { type ForgetReport, type PlanForgetReport } from '../../../lambdas/retention/forget-backups';
import { catalogItemDeleteCommand } from '../../../lambdas/catalog/catalog-item-delete-command';
import { shownItemKeyPart } from '../../../lambdas/catalog/shown-item-key';
import { weighRecords } from '../../../lambdas/retention/record-evidence';
import { capturedCliIo } from '../../support/captured-cli-io';
import { tempDir } from '../../support/local-cloud-helpers';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';
import { shellWord } from '../../../lambdas/runtime/shell-word';
import { parsePrintedCommand } from '../../support/printed-command-parse';
import { printedLineWords } from '../../support/printed-line-words';

/**
 * `lifeboat backups hold|release|forget`: the command lines, their errors, and what they print, over
 * a scripted DynamoDB (--aws, so no local cloud). Forgetting itself: test/unit/lambdas/retention.
 */

const ddb = mockClient(DynamoDBDocumentClient);
/** Vault buckets without Object Lock (what S3 answers for them): hold and release write the catalogs only. */
const s3 = mockClient(S3Client);
beforeEach(() => {
  ddb.reset();
  s3.reset();
  // A forget lists the vault bucket's snapshot objects (when each arrived): these records name none.
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  s3.on(GetObjectLockConfigurationCommand).rejects(new S3ServiceException({ name: 'ObjectLockConfigurationNotFoundError', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'Object Lock configuration does not exist for this bucket' }));
});

const target = { config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.unused', aws: true };
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const record = (backupId: string, startedAt: string, extra: Partial<BackupRecord> = {}): Record<string, unknown> => ({
  pk: `BACKUP#${backupId}`,
  sk: 'BACKUP',
  backupId,
  plan: 'demo',
  environment: 'dev',
  sourceNames: ['demo-assets'],
  sources: [],
  strategy: 'full',
  status: 'COMMITTED',
  startedAt,
  shardCount: 1,
  ...extra,
});

describe('command lines', () => {
  function program(): { program: Command; errors: string[] } {
    const errors: string[] = [];
    const p = new Command('lifeboat').exitOverride().configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => undefined });
    registerBackupsCommands(p);
    for (const c of p.commands) c.exitOverride().configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => undefined });
    for (const c of p.commands.flatMap((g) => g.commands)) c.exitOverride().configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => undefined });
    return { program: p, errors };
  }

  it.each([
    [['backups', 'hold'], "error: missing required argument 'backupId'"],
    [['backups', 'release'], "error: missing required argument 'backupId'"],
    [['backups', 'forget', '--plan'], "error: option '--plan <name>' argument missing"],
    [['backups', 'forget', '--dryrun'], "error: unknown option '--dryrun'"],
  ])('refuses %j before running anything', async (args, message) => {
    const { program: p, errors } = program();
    await expect(p.parseAsync(args, { from: 'user' })).rejects.toThrow();
    expect(errors.join('')).toContain(message);
  });

  it('refuses a hold with an empty reason and a vault other than primary or dr, exit 2, before reaching anything', async () => {
    const { err, io } = capturedCliIo();
    expect(await backupsHoldCommand('b-1', { ...target, reason: '' }, { io })).toBe(2);
    expect(await backupsForgetCommand({ ...target, vault: 'replica' }, { io })).toBe(2);
    expect(err).toEqual([
      'lifeboat backups hold: --reason is empty: say why the backup is held (a case or ticket), e.g. --reason "case 42"',
      'lifeboat backups forget: --vault must be primary or dr, got replica',
    ]);
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('hold and release', () => {
  it('holds in the primary catalog, then the DR one, and says when the DR one has no record yet', async () => {
    const hold = { reason: 'case 42', by: 'ann', at: '2026-04-01T00:00:00.000Z' };
    ddb.on(UpdateCommand).resolvesOnce({ Attributes: record('b-1', '2026-03-01T00:00:00.000Z', { hold }) }).rejectsOnce(conditionFailed());
    // The refused DR write is read back to tell "no record" from "being forgotten": the DR catalog has none.
    ddb.on(GetCommand).resolves({});
    const { out, err, io } = capturedCliIo();
    expect(await backupsHoldCommand('b-1', { ...target, reason: 'case 42', by: 'ann' }, { io, now: () => new Date('2026-04-01T00:00:00Z') })).toBe(0);
    expect(out).toEqual([
      `Backup b-1 is on legal hold ("case 42"): every retention policy keeps it until \`lifeboat backups release b-1 --config ${SAMPLE_CONFIG_FILE} --aws\`.`,
      '  The DR catalog has no record of this backup yet: replication copies the record, hold included.',
    ]);
    expect(err).toEqual([]);
    expect(ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues?.[':hold'])).toEqual([hold, hold]);
  });

  it('says so when a second hold replaces the reason of the first: a backup has one hold, and one release lifts it', async () => {
    const first = { reason: 'case 42', by: 'ann', at: '2026-04-01T00:00:00.000Z' };
    const second = { reason: 'case 7', by: 'bob', at: '2026-04-02T00:00:00.000Z' };
    ddb.on(GetCommand).resolves({ Item: record('b-1', '2026-03-01T00:00:00.000Z', { hold: first }) });
    ddb.on(UpdateCommand).resolvesOnce({ Attributes: record('b-1', '2026-03-01T00:00:00.000Z', { hold: second }) }).rejectsOnce(conditionFailed());
    const { out, err, io } = capturedCliIo();
    expect(await backupsHoldCommand('b-1', { ...target, reason: 'case 7', by: 'bob' }, { io, now: () => new Date(second.at) })).toBe(0);
    expect(out[0]).toBe(`Backup b-1 is on legal hold ("case 7"): every retention policy keeps it until \`lifeboat backups release b-1 --config ${SAMPLE_CONFIG_FILE} --aws\`.`);
    expect(err).toEqual([
      'note: backup b-1 was held already ("case 42", by ann at 2026-04-01T00:00:00.000Z); a backup has one hold, which now reads "case 7", and one release lifts it: keep both cases in the reason',
    ]);
  });

  it('the release it names carries the hold\'s target options: pasted, it releases in the same environment, in AWS (audit a57C-1)', async () => {
    const tmp = tempDir('hold-release-line');
    try {
      const prodConfig = path.join(tmp.dir, 'prod.config.json');
      writeFileSync(prodConfig, JSON.stringify({ environments: loadLifeboatConfig(SAMPLE_CONFIG_FILE).environments.map((e) => ({ ...e, name: 'prod' })) }));
      const hold = { reason: 'case 42', by: 'ann', at: '2026-04-01T00:00:00.000Z' };
      ddb.on(UpdateCommand).resolves({ Attributes: record('b-1', '2026-03-01T00:00:00.000Z', { environment: 'prod', hold }) });
      const { out, io } = capturedCliIo();
      expect(await backupsHoldCommand('b-1', { config: prodConfig, env: 'prod', dataDir: '.unused', aws: true, reason: 'case 42', by: 'ann' }, { io, now: () => new Date(hold.at) })).toBe(0);
      // Without them the pasted release looked for the backup in the local cloud's env dev.
      expect(out[0]).toBe(`Backup b-1 is on legal hold ("case 42"): every retention policy keeps it until \`lifeboat backups release b-1 --env prod --config ${prodConfig} --aws\`.`);
    } finally {
      tmp.remove();
    }
  });

  it('fails naming a backup id the catalog does not know, exit 1', async () => {
    // A release reads the record first (its snapshots name the objects whose S3 legal holds it lifts before the catalogs).
    ddb.on(GetCommand).resolves({});
    ddb.on(UpdateCommand).rejects(conditionFailed());
    const { err, io } = capturedCliIo();
    expect(await backupsReleaseCommand('20990101T000000Z-deadbeef', { ...target }, { io })).toBe(1);
    expect(err).toEqual(['lifeboat backups release: No backup with id 20990101T000000Z-deadbeef exists in the catalog. List them with `lifeboat backups list`.']);
  });

  it('warns, without failing, when the DR catalog cannot be written', async () => {
    ddb.on(GetCommand).resolves({ Item: record('b-1', '2026-03-01T00:00:00.000Z', { hold: { reason: 'case 42', by: 'ann', at: '2026-04-01T00:00:00.000Z' } }) });
    ddb.on(UpdateCommand).resolvesOnce({ Attributes: record('b-1', '2026-03-01T00:00:00.000Z') }).rejectsOnce(new Error('connect ECONNREFUSED'));
    const { out, err, io } = capturedCliIo();
    expect(await backupsReleaseCommand('b-1', { ...target }, { io })).toBe(0);
    expect(out).toEqual(['Backup b-1 has no legal hold: retention decides on it again at the next forget.']);
    expect(err).toEqual(['warning: the DR catalog could not be written (connect ECONNREFUSED); run the command again when the DR region answers.']);
  });
});

describe('forget', () => {
  it('--dry-run prints the decision table of the plan and changes nothing', async () => {
    // Ten daily backups; the sample plan keeps last 7, daily 7, weekly 4.
    const items = Array.from({ length: 10 }, (_, i) => record(`b-${String(10 - i).padStart(2, '0')}`, `2026-03-${String(10 - i).padStart(2, '0')}T06:00:00.000Z`));
    items.push(record('b-00', '2026-02-20T06:00:00.000Z', { forgottenAt: '2026-03-01T00:00:00.000Z' }));
    ddb.on(QueryCommand).resolves({ Items: items });
    const { out, io } = capturedCliIo();
    expect(await backupsForgetCommand({ ...target, plan: 'demo', dryRun: true }, { io, now: () => new Date('2026-03-11T00:00:00Z') })).toBe(0);
    const text = out.join('\n');
    expect(out[0]).toBe('Plan demo, primary vault: {"keepLast":7,"keepDaily":7,"keepWeekly":4}');
    const rows = text.split('\n').filter((l) => /\bb-\d\d\b/.test(l)).map((l) => l.split('│').map((c) => c.trim()).filter(Boolean));
    expect(rows.map((r) => [r[0], r[2]])).toEqual([
      ['b-10', 'keep'],
      ['b-09', 'keep'],
      ['b-08', 'keep'],
      ['b-07', 'keep'],
      ['b-06', 'keep'],
      ['b-05', 'keep'],
      ['b-04', 'keep'],
      ['b-03', 'forget'],
      ['b-02', 'forget'],
      ['b-01', 'keep'],
    ]);
    // 1 March 2026 is a Sunday: the newest backup of its ISO week.
    expect(rows.at(-1)?.[3]).toBe('weekly snapshot');
    expect(out.at(-1)).toBe('Dry run: would keep 8 and forget 2 backup(s) of plan demo; nothing was changed.');
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });
  it('counts FAILED and RUNNING runs neither as kept nor as forgotten: ACTION -, and said apart, so the counts add up to what retention decided', async () => {
    // Seven committed daily backups (all kept: last 7) and, among them, a FAILED and a RUNNING run.
    const items = Array.from({ length: 7 }, (_, i) => record(`b-${String(7 - i).padStart(2, '0')}`, `2026-03-${String(7 - i).padStart(2, '0')}T06:00:00.000Z`));
    items.push(record('f-01', '2026-03-05T07:00:00.000Z', { status: 'FAILED', error: 'SourceUnreachableError' }));
    items.push(record('r-01', '2026-03-07T07:00:00.000Z', { status: 'RUNNING' }));
    ddb.on(QueryCommand).resolves({ Items: items });
    const { out, io } = capturedCliIo();
    expect(await backupsForgetCommand({ ...target, plan: 'demo', dryRun: true }, { io, now: () => new Date('2026-03-08T00:00:00Z') })).toBe(0);
    const rows = out.join('\n').split('\n').filter((l) => /\b[bfr]-\d\d\b/.test(l)).map((l) => l.split('│').map((c) => c.trim()).filter(Boolean));
    expect(rows.filter((r) => r[2] === 'keep')).toHaveLength(7);
    expect(rows.filter((r) => r[0] === 'f-01' || r[0] === 'r-01').map((r) => [r[0], r[2]])).toEqual([
      ['r-01', '-'],
      ['f-01', '-'],
    ]);
    expect(out.at(-1)).toBe('Dry run: would keep 7 and forget 0 backup(s) of plan demo; nothing was changed. 2 failed or running run(s) not counted: retention decides on committed backups only.');
  });
  // f65K: a throttled forget ended with DynamoDB's bare words: not what it left, nor what to run.
  it.each([
    [true, 'Nothing was changed: run the command again in a minute.'],
    [false, 'The forget may have stopped part way: a backup it finished is forgotten, and running the command again in a minute is safe (it decides on the rest again, and finishes a backup whose snapshots it deleted before marking its record).'],
  ])('a throttle (dry run %s) says what the forget left and to run it again in a minute', async (dryRun, next) => {
    ddb.on(GetCommand).resolves({});
    ddb.on(QueryCommand).rejects(Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }));
    const { err, io } = capturedCliIo();
    expect(await backupsForgetCommand({ ...target, plan: 'demo', dryRun }, { io, now: () => new Date('2026-03-08T00:00:00Z') })).toBe(1);
    expect(err.at(-1)).toBe(`lifeboat backups forget: Rate of requests exceeds the allowed throughput. ${next}`);
  });

  // Review rZ2 F2: the warning of a primary marker that answered with a fault went to the process's stderr, past the
  // command's io (what a caller running it in-process reads).
  it('--vault dr says on its own stderr that the primary catalog\'s format marker could not be read, and goes on by the DR catalog\'s', async () => {
    const { primaryRegion } = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
    const expired = Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' });
    ddb.on(GetCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === primaryRegion) throw expired;
      return {};
    });
    ddb.on(QueryCommand).resolves({ Items: [] });
    const { err, io } = capturedCliIo();
    expect(await backupsForgetCommand({ ...target, plan: 'demo', vault: 'dr' }, { io, now: () => new Date('2026-03-08T00:00:00Z') })).toBe(0);
    expect(err[0]).toBe(
      `warning: the format marker of the catalog lifeboat-dev-catalog in ${primaryRegion} could not be read (ExpiredTokenException: The security token included in the request is expired); judging the environment's format by the other catalog`,
    );
  });

  // f62P: the report's `unreadable[].item` is a damaged record's key as stored; --json printed it with JSON.stringify,
  // which left its C1 CSI (U+009B), U+2028 and bidi override (U+202E) raw on stdout.
  it("--json prints a damaged record's key with its control, line-break and bidi characters as \\uXXXX, read back as the same key", async () => {
    const forged = '1\n\u001b[31mClean: fake\u009b2J\u2028\u202Egpj.exe';
    ddb.on(QueryCommand).resolves({ Items: [record('b-01', '2026-03-01T06:00:00.000Z'), { ...record('b-02', '2026-03-02T06:00:00.000Z', { shardCount: 'one' as unknown as number }), pk: `BACKUP#${forged}` }] });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { out, io } = capturedCliIo();
    try {
      expect(await backupsForgetCommand({ ...target, plan: 'demo', dryRun: true, json: true }, { io, now: () => new Date('2026-03-08T00:00:00Z') })).toBe(0);
    } finally {
      warn.mockRestore();
    }
    const text = out.join('\n');
    expect(['\u001b', '\u009b', '\u2028', '\u202e'].filter((c) => text.includes(c))).toEqual([]);
    expect(text).toContain('"item": "BACKUP#1\\n\\u001b[31mClean: fake\\u009b2J\\u2028\\u202egpj.exe / BACKUP"');
    const report = JSON.parse(text) as ForgetReport;
    expect(report.plans[0]?.unreadable?.map((u) => u.item)).toEqual([`BACKUP#${forged} / BACKUP`]);
    // Where it is, for its delete (review r62O F3): the key as stored, not the escaped text.
    expect(report.plans[0]?.unreadable?.map((u) => u.catalogItem)).toEqual([{ table: 'lifeboat-dev-catalog', key: { pk: `BACKUP#${forged}`, sk: 'BACKUP' } }]);
  });
  // f62Q: records a forget could not read were neither decided on nor forgotten, and the text report never said so (a
  // JSON line on stderr was the only trace): an operator applying retention was not told some backups were not considered.
  it('names each record it could not read, escaped, with what to do, in its text report', async () => {
    const forged = '1\n\u001b[31mClean: fake\u009b2J\u2028\u202Egpj.exe';
    ddb.on(QueryCommand).resolves({ Items: [record('b-01', '2026-03-01T06:00:00.000Z'), { ...record('b-02', '2026-03-02T06:00:00.000Z', { shardCount: 'one' as unknown as number }), pk: `BACKUP#${forged}` }] });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { out, io } = capturedCliIo();
    try {
      expect(await backupsForgetCommand({ ...target, plan: 'demo', dryRun: true }, { io, now: () => new Date('2026-03-08T00:00:00Z') })).toBe(0);
    } finally {
      warn.mockRestore();
    }
    const text = out.join('\n');
    expect(['\u001b', '\u009b', '\u2028', '\u202e'].filter((c) => text.includes(c))).toEqual([]);
    const options = ` --config ${shellWord(SAMPLE_CONFIG_FILE)} --aws`;
    expect(out.slice(1, 4)).toEqual([
      "  not read: 1 backup record(s) of plan demo could not be read (an older or newer version's, or damaged), so this run neither decided on nor forgot it:",
      '    BACKUP#1\\u000a\\u001b[31mClean: fake\\u009b2J\\u2028\\u202egpj.exe / BACKUP',
      `  \`lifeboat doctor${options}\` names the first 10 with why and the command that deletes each; for the rest, stderr's lines ("passed over: …") give each key. ` +
        `Correct the item, or delete it and run ` +
        `\`lifeboat catalog rebuild --vault primary${options}\` to write it again from the vault; or upgrade Lifeboat if a newer version wrote it.`,
    ]);
    expect(text).toContain('Dry run: would keep 1 and forget 0 backup(s) of plan demo; nothing was changed.');
  });
});

describe('printForgetReport', () => {
  it('says which backups a running restore pinned during the run, by whom and until when', () => {
    const { out, io } = capturedCliIo();
    printForgetReport(io, {
      vault: 'primary',
      dryRun: false,
      plans: [
        {
          plan: 'demo',
          policy: { keepLast: 1 },
          decisions: [
            { backupId: 'b-2', startedAt: '2026-03-02T00:00:00.000Z', status: 'COMMITTED', keep: true, reasons: ['last 1'] },
            { backupId: 'b-1', startedAt: '2026-03-01T00:00:00.000Z', status: 'COMMITTED', keep: true, reasons: ['pinned by restore r-7 until 2026-03-11T00:00:00.000Z'] },
          ],
          forgotten: [],
          heldMeanwhile: [],
          pinnedMeanwhile: [{ backupId: 'b-1', by: 'restore r-7', until: '2026-03-11T00:00:00.000Z' }],
          deletedObjects: 0,
          releasedClaims: [],
          notCounted: [],
          leftInPlace: [],
          locked: [],
        },
      ],
    });
    expect(out).toContain('  left alone: b-1 was pinned during this run by restore r-7 until 2026-03-11T00:00:00.000Z');
  });
  it('says which claims of earlier runs it withdrew, and why a backup whose claim was refused is kept', () => {
    const { out, io } = capturedCliIo();
    printForgetReport(io, {
      vault: 'primary',
      dryRun: false,
      plans: [
        {
          plan: 'demo',
          policy: { keepLast: 5 },
          decisions: [
            { backupId: 'b-2', startedAt: '2026-03-02T00:00:00.000Z', status: 'COMMITTED', keep: true, reasons: ['left for the next run: a pin or hold came and went during this run'] },
            { backupId: 'b-1', startedAt: '2026-03-01T00:00:00.000Z', status: 'COMMITTED', keep: true, reasons: ['last 5'] },
          ],
          forgotten: [],
          heldMeanwhile: [],
          pinnedMeanwhile: [],
          deletedObjects: 0,
          releasedClaims: ['b-1'],
          notCounted: [],
          leftInPlace: [],
          locked: [],
        },
      ],
    });
    expect(out.find((l) => l.includes('b-2') && l.includes('│'))).toMatch(/│ keep +│ left for the next run: a pin or hold came and went during this run │/);
    expect(out.at(-1)).toBe('  claim withdrawn: b-1 was claimed by an earlier forget that deleted none of its snapshots; kept intact, it can be restored again');
  });
  it('says which records the vault did not bear out: not counted, snapshots left in place', () => {
    const { out, io } = capturedCliIo();
    printForgetReport(io, {
      vault: 'dr',
      dryRun: false,
      plans: [
        {
          plan: 'demo',
          policy: { keepLast: 1 },
          decisions: [
            { backupId: 'b-2', startedAt: '2026-03-02T00:00:00.000Z', status: 'COMMITTED', keep: true, reasons: ['last 1'] },
            { backupId: 'b-1', startedAt: '2026-03-01T00:00:00.000Z', status: 'COMMITTED', keep: false, reasons: [] },
          ],
          forgotten: [],
          heldMeanwhile: [],
          pinnedMeanwhile: [],
          deletedObjects: 0,
          releasedClaims: [],
          notCounted: [{ backupId: 'b-9', reason: 'none of its snapshots is in this vault; not counted' }],
          leftInPlace: [{ backupId: 'b-1', snapshotId: 'abc', reason: 'the snapshot belongs to backup b-0, not b-1' }],
          locked: [],
        },
      ],
    });
    expect(out[1]).toBe('  not counted: b-9: none of its snapshots is in this vault; not counted');
    expect(out.slice(-2)).toEqual([
      '  left in place: snapshot abc of b-1, not marked forgotten: the snapshot belongs to backup b-0, not b-1',
      '  A record that names a snapshot not its own is forged or broken: see docs/SECURITY.md, "Catalog records as an attack", for what to check.',
    ]);
  });
  // f62Q: a valid record's backupId, startedAt and pin are any non-empty strings (backupRecordSchema), printed raw.
  it("shows a record's backup id, start and pin escaped, and names at most 10 unreadable records with the DR vault's advice", () => {
    const { out, io } = capturedCliIo();
    const forged = 'b-1\n\u001b[32mClean';
    printForgetReport(io, {
      vault: 'dr',
      dryRun: false,
      plans: [
        {
          plan: 'demo',
          policy: { keepLast: 1 },
          decisions: [{ backupId: forged, startedAt: '2026\u009b2J', status: 'COMMITTED', keep: true, reasons: ['last 1'] }],
          forgotten: [],
          heldMeanwhile: [],
          pinnedMeanwhile: [{ backupId: forged, by: 'restore\u202e r-7', until: '2026-03-11T00:00:00.000Z' }],
          deletedObjects: 0,
          releasedClaims: [],
          notCounted: [],
          leftInPlace: [],
          locked: [],
          unreadable: Array.from({ length: 12 }, (_, i) => ({ item: `BACKUP#u-${i} / BACKUP`, problem: 'not valid' })),
        },
      ],
    });
    const text = out.join('\n');
    expect(['\u001b', '\u009b', '\u202e'].filter((c) => text.includes(c))).toEqual([]);
    expect(out.slice(1, 14)).toEqual([
      "  not read: 12 backup record(s) of plan demo could not be read (an older or newer version's, or damaged), so this run neither decided on nor forgot them:",
      ...Array.from({ length: 10 }, (_, i) => `    BACKUP#u-${i} / BACKUP`),
      '    and 2 more (stderr names each)',
      // r62I F7: the doctor names the first 10 of a catalog (and none of a drAccount's DR catalog): "names each" was untrue past them.
      '  `lifeboat doctor` names the first 10 with why and the command that deletes each (none of a DR catalog in another account, drAccount: it does not read there); ' +
        'for the rest, stderr\'s lines ("passed over: …") give each key. Correct the item, or delete it and run `lifeboat catalog rebuild --vault dr --region dr` ' +
        'to write it again from the DR vault; or upgrade Lifeboat if a newer version wrote them.',
    ]);
    expect(text).toContain('b-1\\u000a\\u001b[32mClean');
    // A start is shown as the instant it parses to (review r63U F2): this one parses to none.
    expect(text).toMatch(/ not a time /);
    expect(out).toContain('  left alone: b-1\\u000a\\u001b[32mClean was pinned during this run by restore\\u202e r-7 until 2026-03-11T00:00:00.000Z');
  });
  // r62I F1: after `backups forget --stack …` the report printed `lifeboat doctor --stack …`, which the doctor refuses
  // ("--stack is not taken by lifeboat doctor"): every command it prints must be one the CLI takes, pasted as printed.
  const unreadableReport = (vault: 'primary' | 'dr'): ForgetReport => ({
    vault,
    dryRun: true,
    plans: [
      {
        plan: 'demo',
        policy: { keepLast: 1 },
        decisions: [],
        forgotten: [],
        heldMeanwhile: [],
        pinnedMeanwhile: [],
        deletedObjects: 0,
        releasedClaims: [],
        notCounted: [],
        leftInPlace: [],
        locked: [],
        unreadable: [{ item: 'BACKUP#x / BACKUP', problem: 'not valid', catalogItem: { table: 'lifeboat-dev-catalog', key: { pk: 'BACKUP#x', sk: 'BACKUP' } } }],
      },
    ],
  });
  const base = { config: 'lifeboat.config.json', env: 'dev', dataDir: '.lifeboat' };
  it.each([
    ['--stack, primary', { ...base, aws: true, stack: 'My-Stack', vaultKey: 'alias/k' }, 'primary'],
    ['--stack --stack-region --stack-account, dr', { ...base, aws: true, stack: 'My-Stack', stackRegion: 'eu-west-1', stackAccount: '123456789012' }, 'dr'],
    ['--env --aws --vault-key, primary', { ...base, env: 'prod', aws: true, vaultKey: 'alias/k' }, 'primary'],
    ['--env --aws, dr', { ...base, env: 'prod', aws: true }, 'dr'],
    ['--data-dir with a space', { ...base, env: 'prod', dataDir: '/tmp/d d' }, 'primary'],
  ] as const)('prints only commands the CLI takes for unreadable records (%s)', async (_name, options, vault) => {
    const { out, io } = capturedCliIo();
    printForgetReport(io, unreadableReport(vault), undefined, options);
    const lines = [...out.join('\n').matchAll(/`(lifeboat [^`]*)`/g)].map((m) => m[1] as string);
    expect(lines.some((l) => l.startsWith('lifeboat catalog rebuild '))).toBe(true);
    for (const line of lines) expect({ line, ...(await parsePrintedCommand(line)) }).toEqual({ line, args: expect.any(Array) });
    const stack = 'stack' in options;
    // With --stack the doctor is not offered; stderr's lines of the run (logInvalidBackupItem) name each record instead.
    expect(lines.some((l) => l.startsWith('lifeboat doctor'))).toBe(!stack);
    if (stack) expect(out.join('\n')).toContain(`stderr's lines ("passed over: …") give each key with why`);
  });

  // Review r62O F3: with --stack the report said "Correct the item, or delete it" and named no delete (the doctor, which
  // names it, is left out; a construct user has no config file to run it with): each named record now has its delete.
  it.each([
    ['--stack', { ...base, aws: true, stack: 'My-Stack' }, true],
    ['--env --aws', { ...base, env: 'prod', aws: true }, false],
  ] as const)("gives each named record's conditioned delete when it prints no doctor line (%s)", (_name, options, stack) => {
    const { out, io } = capturedCliIo();
    const key = { pk: "BACKUP#it's\n\u001b[31m", sk: 'BACKUP' };
    const report = unreadableReport('primary');
    const plan = report.plans[0] as PlanForgetReport;
    const records = Array.from({ length: 12 }, (_, i) => ({ item: `${key.pk}${i} / BACKUP`, problem: 'not valid', catalogItem: { table: 'lifeboat-dev-catalog', key: { ...key, pk: `${key.pk}${i}` } } }));
    printForgetReport(io, { ...report, plans: [{ ...plan, unreadable: records }] }, undefined, options, 'eu-central-1');
    const deletes = out.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('      delete: '));
    if (!stack) {
      expect(deletes).toEqual([]);
      return;
    }
    // The first 10, the ones the report names, each under its record; the command is the doctor's, pasted as one.
    expect(deletes).toEqual(records.slice(0, 10).map((r) => `      delete: \`${catalogItemDeleteCommand({ region: 'eu-central-1', ...r.catalogItem })}\``));
    const words = printedLineWords((deletes[0] as string).replace(/^ {6}delete: `|`$/g, ''));
    expect(words.slice(0, 7)).toEqual(['aws', 'dynamodb', 'delete-item', '--region', 'eu-central-1', '--table-name', 'lifeboat-dev-catalog']);
    expect(JSON.parse(words[words.indexOf('--key') + 1] as string)).toEqual({ pk: { S: `${key.pk}0` }, sk: { S: 'BACKUP' } });
    expect(words.slice(-2)).toEqual(['--condition-expression', 'attribute_exists(pk)']);
    expect(out.join('\n')).toContain("the `delete:` line under each record named above deletes it (the doctor, which names those commands, does not take --stack)");
  });

  // Review r62R F3: `--vault dr --dr-profile P` read the DR catalog with profile P (another account), and its deletes named
  // no profile: pasted, they went to the default profile's account, and the condition failed or another table lost the item.
  it("gives a DR record's delete the forget's --dr-profile, and a primary record's none", () => {
    const profile = "dr acct's";
    const deletesOf = (vault: 'primary' | 'dr'): string[][] => {
      const { out, io } = capturedCliIo();
      const report = unreadableReport(vault);
      const plan = report.plans[0] as PlanForgetReport;
      const unreadable = [{ item: 'BACKUP#x / BACKUP', problem: 'not valid', catalogItem: { table: `lifeboat-dev-catalog-${vault}`, key: { pk: 'BACKUP#x', sk: 'BACKUP' } } }];
      printForgetReport(io, { ...report, plans: [{ ...plan, unreadable }] }, undefined, { ...base, aws: true, stack: 'My-Stack', drProfile: profile }, 'us-west-2');
      return out.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('      delete: ')).map((l) => printedLineWords(l.replace(/^ {6}delete: `|`$/g, '')));
    };
    const [dr] = deletesOf('dr');
    expect(dr?.slice(0, 9)).toEqual(['aws', '--profile', profile, 'dynamodb', 'delete-item', '--region', 'us-west-2', '--table-name', 'lifeboat-dev-catalog-dr']);
    const [primary] = deletesOf('primary');
    expect(primary?.slice(0, 3)).toEqual(['aws', 'dynamodb', 'delete-item']);
    expect(primary).not.toContain('--profile');
  });

  // Review r63K F1: the record's line above its real `delete:` showed its key to 200 characters, so a forged pk spelled
  // another record's delete right above the real one; its pk and sk are now cut at 40 each, as the doctor shows them.
  it("spells no delete but the damaged item's own, whatever its pk or sk spells", () => {
    const victim = 'BACKUP#20261208T060000Z-0000000a';
    const forged = `aws dynamodb delete-item --table-name lifeboat-dev-catalog --key pk={S=${victim}},sk={S=BACKUP}`;
    const spelled = /delete-item(?: --[a-z-]+ [^\s']+)* --key (?:'(\{[^']*\})'|pk=\{S=([^}]*)\},sk=\{S=[^}]*\})/g;
    for (const key of [{ pk: `BACKUP#x ${forged}`, sk: 'BACKUP' }, { pk: 'BACKUP#x', sk: `BACKUP ${forged}` }]) {
      const { out, io } = capturedCliIo();
      const report = unreadableReport('primary');
      const plan = report.plans[0] as PlanForgetReport;
      const unreadable = [{ item: `${key.pk} / ${key.sk}`, problem: 'not valid', catalogItem: { table: 'lifeboat-dev-catalog', key } }];
      printForgetReport(io, { ...report, plans: [{ ...plan, unreadable }] }, undefined, { ...base, aws: true, stack: 'My-Stack' }, 'us-east-1');
      const lines = out.flatMap((l) => l.split('\n'));
      const pks = lines.flatMap((l) => [...l.matchAll(spelled)].map((m) => (m[1] !== undefined ? (JSON.parse(m[1]) as { pk: { S: string } }).pk.S : m[2])));
      expect(pks).toEqual([key.pk]);
      expect(lines).toContain(`      delete: \`${catalogItemDeleteCommand({ region: 'us-east-1', table: 'lifeboat-dev-catalog', key })}\``);
    }
  });

  // Review r63U F2: a valid record's startedAt (any non-empty string; V8 skips a "(comment)") was shown to 200 characters
  // in the `not counted:` line three lines above the real `delete:` lines, and so were ids, starts and snapshot ids in
  // the decision table and the other lines: a forged record spelled another record's delete. Ids and snapshot ids are
  // now cut at 40, starts shown as the instant they parse to.
  it("spells no delete but the damaged item's own, whatever a valid record's id, start or snapshot id spells", () => {
    const victim = 'BACKUP#20261208T060000Z-0000000a';
    const forged = `aws dynamodb delete-item --table-name lifeboat-dev-catalog --key pk={S=${victim}},sk={S=BACKUP}`;
    const spelled = /delete-item(?: --[a-z-]+ [^\s']+)* --key (?:'(\{[^']*\})'|pk=\{S=([^}]*)\},sk=\{S=[^}]*\})/g;
    const start = `(${forged}) Dec 31 2099 12:00 GMT`;
    // A valid record: backupRecordSchema takes any non-empty startedAt.
    const forgedRecord = backupRecordSchema.parse(record('20261209T060000Z-0000000b', start));
    const { notCounted } = weighRecords([forgedRecord], new Map(), new Date('2026-12-07T21:00:00Z'), new Map());
    const id = `x ${forged}`;
    const key = { pk: 'BACKUP#x', sk: 'BACKUP' };
    const report = unreadableReport('primary');
    const plan = report.plans[0] as PlanForgetReport;
    const { out, io } = capturedCliIo();
    printForgetReport(
      io,
      {
        ...report,
        plans: [
          {
            ...plan,
            notCounted,
            decisions: [{ backupId: id, startedAt: start, status: 'COMMITTED', keep: true, reasons: ['last 1'] }],
            forgotten: [id],
            leftInPlace: [{ backupId: id, snapshotId: `s ${forged}`, reason: 'the snapshot belongs to backup victim-2, not x' }],
            unreadable: [{ item: 'BACKUP#x / BACKUP', problem: 'not valid', catalogItem: { table: 'lifeboat-dev-catalog', key } }],
          },
        ],
      },
      undefined,
      { ...base, aws: true, stack: 'My-Stack' },
      'us-east-1',
    );
    const lines = out.flatMap((l) => l.split('\n'));
    const pks = lines.flatMap((l) => [...l.matchAll(spelled)].map((m) => (m[1] !== undefined ? (JSON.parse(m[1]) as { pk: { S: string } }).pk.S : m[2])));
    expect(pks).toEqual([key.pk]);
    expect(lines[1]).toBe(
      "  not counted: 20261209T060000Z-0000000b: starts 2099-12-31T12:00:00.000Z, after this run's clock (2026-12-07T21:00:00.000Z): no backup of this environment does; neither counted nor forgotten",
    );
    expect(lines.join('\n')).toContain(`  left in place: snapshot ${shownItemKeyPart(`s ${forged}`)} of ${id.slice(0, 28)}…`);
  });
});
