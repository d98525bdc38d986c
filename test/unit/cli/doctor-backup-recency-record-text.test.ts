import { checkLastBackup } from '../../../cli/doctor/backup-recency-checks';
import { type DoctorContext, doctorContext } from '../../../cli/doctor/doctor-context';
import { doctorReportLines } from '../../../cli/doctor/doctor-report';
import { type ProtectionPlanConfig } from '../../../config/lifeboat-config';
import { type BackupCatalog } from '../../../lambdas/catalog/backup-catalog';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { catalogItemDeleteCommand } from '../../../lambdas/catalog/catalog-item-delete-command';
import { findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { parsePrintedCommand } from '../../support/printed-command-parse';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * The doctor's `last backup` and `dr copy` lines show a record's own text (its backup id, start, error) escaped: raw, a
 * newline in a damaged or forged record printed a line of its own and an ESC coloured the terminal (review r62K F4).
 */

const NOW = new Date('2026-11-30T12:00:00.000Z');
const FORGED = 'x\n✓ demo: within objectives\u001b[32m\u202e';
const SHOWN = 'x\\u000a✓ demo: within objectives\\u001b[32m\\u202e';
const PLAN = { name: 'demo', objectives: { rpoMinutes: 1440, rtoMinutes: 60 } } as unknown as ProtectionPlanConfig;
const ctx = {
  lifeboat: (command: string) => `lifeboat ${command}`,
  request: { mode: 'local', envName: 'dev', dataDir: '.lifeboat' },
  environment: { primaryRegion: 'us-east-1', drRegion: 'us-west-2' },
  names: { catalogTable: 'lifeboat-dev-catalog', drVault: 'lifeboat-dev-dr-vault' },
} as unknown as DoctorContext;

function record(backupId: string, startedAt: string, overrides: Partial<BackupRecord> = {}): BackupRecord {
  return {
    backupId,
    plan: 'demo',
    environment: 'dev',
    sourceNames: ['a'],
    sources: [],
    strategy: 'incremental',
    status: 'COMMITTED',
    startedAt,
    endedAt: startedAt,
    shardCount: 1,
    totals: { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1 },
    copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
    ...overrides,
  };
}

const catalogOf = (records: BackupRecord[]) => ({ listBackupsOfPlan: () => Promise.resolve(records) }) as unknown as BackupCatalog;

it("shows the backup id, start and error of the records it names escaped, so they forge no line of the doctor's report", async () => {
  const records = [
    // V8 reads a date with a (comment) in it, so a forged start still starts in the future and is named.
    record(`ahead${FORGED}`, `Nov 20 2027 12:00 GMT (${FORGED})`),
    record(`failed${FORGED}`, '2026-11-30T06:00:00.000Z', { status: 'FAILED', totals: undefined, copies: undefined, error: `SourceUnreachableError: ${FORGED}` }),
    record(`last${FORGED}`, '2026-11-30T00:00:00.000Z'),
  ];
  const [last, dr] = await checkLastBackup(catalogOf(records), ctx, PLAN, NOW);
  expect(last).toMatchObject({
    verdict: 'warn',
    detail:
      `last${SHOWN} (incremental) started 12 h ago, within the RPO 24 h; the newest run failed${SHOWN} FAILED (SourceUnreachableError: x\\u000a✓ demo: within… (cut from 57 characters)); ` +
      `ahead${SHOWN} (COMMITTED, started 2027-11-20T12:00:00.000Z) starts in the future: the clock that wrote it or the catalog is wrong (not counted)`,
  });
  expect(dr).toMatchObject({ verdict: 'ok', detail: `last${SHOWN} is committed in the DR vault lifeboat-dev-dr-vault (us-west-2)` });
  const printed = doctorReportLines(ctx.request, [last!, dr!]).join('\n');
  for (const raw of ['\n✓ demo: within', '\u001b', '\u202e']) expect(printed).not.toContain(raw);
  expect(printed.split('\n')).toHaveLength(4);
});

it('names an ordinary record as it is', async () => {
  const [last, dr] = await checkLastBackup(catalogOf([record('20261130T000000Z-1a2b3c4d', '2026-11-30T00:00:00.000Z', { copies: { primary: 'COMMITTED', dr: 'FAILED' } })]), ctx, PLAN, NOW);
  expect(last).toMatchObject({ verdict: 'ok', detail: '20261130T000000Z-1a2b3c4d (incremental) started 12 h ago, within the RPO 24 h' });
  expect(dr).toMatchObject({ verdict: 'fail', detail: 'replication of 20261130T000000Z-1a2b3c4d to the DR vault failed: it is restorable from the primary region only' });
});

it("prints a failed run's recorded error with its backslashes as recorded (a key JSON-quoted), its controls still escaped (f63D)", async () => {
  // 40 characters, as many as the doctor shows of it.
  const message = `${JSON.stringify('q/"3".csv')}\u001b\n✓`;
  const records = [
    record('20261130T060000Z-2b3c4d5e', '2026-11-30T06:00:00.000Z', { status: 'FAILED', totals: undefined, copies: undefined, error: `SourceUnreachableError: ${message}` }),
    record('20261130T000000Z-1a2b3c4d', '2026-11-30T00:00:00.000Z'),
  ];
  const [last] = await checkLastBackup(catalogOf(records), ctx, PLAN, NOW);
  expect(last?.detail).toBe(
    '20261130T000000Z-1a2b3c4d (incremental) started 12 h ago, within the RPO 24 h; the newest run 20261130T060000Z-2b3c4d5e FAILED ' +
      '(SourceUnreachableError: "q/\\"3\\".csv"\\u001b\\u000a✓)',
  );
});

describe("a failed run's recorded error as the doctor shows it (review r63G F4)", () => {
  // The doctor's own target options on every command it prints.
  const optioned = { ...ctx, lifeboat: (command: string) => `lifeboat ${command} --env dev --config /srv/lb.json --data-dir /srv/.lifeboat` } as DoctorContext;
  const failedThenCommitted = (error: string) => [
    record('20261130T060000Z-2b3c4d5e', '2026-11-30T06:00:00.000Z', { status: 'FAILED', totals: undefined, copies: undefined, error }),
    record('20261130T000000Z-1a2b3c4d', '2026-11-30T00:00:00.000Z'),
  ];

  it('cuts a 10,000-character error to 40 characters, saying so, and points at backups list for the whole of it', async () => {
    const [last] = await checkLastBackup(catalogOf(failedThenCommitted(`SourceUnreachableError: ${'E'.repeat(9_976)}`)), optioned, PLAN, NOW);
    expect(last?.detail).toBe(
      `20261130T000000Z-1a2b3c4d (incremental) started 12 h ago, within the RPO 24 h; the newest run 20261130T060000Z-2b3c4d5e FAILED (SourceUnreachableError: ${'E'.repeat(16)}… (cut from 10000 characters))`,
    );
    expect(last?.fix).toBe(
      'see why the newest run failed: lifeboat backups list --plan demo --env dev --config /srv/lb.json --data-dir /srv/.lifeboat shows its error under its row; ' +
        'then lifeboat backup --plan demo --env dev --config /srv/lb.json --data-dir /srv/.lifeboat',
    );
  });

  it("shows an error naming a lifeboat command by its name only: the Lambda's command lacks the doctor's --config and --data-dir", async () => {
    const error = 'CatalogRebuildNeeded: the catalog is stale; run `lifeboat catalog rebuild --vault dr --region dr` then `lifeboat backups forget --plan demo --all --yes`';
    const [last] = await checkLastBackup(catalogOf(failedThenCommitted(error)), optioned, PLAN, NOW);
    expect(last?.detail).toBe('20261130T000000Z-1a2b3c4d (incremental) started 12 h ago, within the RPO 24 h; the newest run 20261130T060000Z-2b3c4d5e FAILED (CatalogRebuildNeeded)');
    expect(last?.fix).toContain('lifeboat backups list --plan demo --env dev --config /srv/lb.json --data-dir /srv/.lifeboat shows its error under its row');
  });

  it('points at backups list when no backup committed yet or the last one is older than the RPO, too', async () => {
    const failedOnly = failedThenCommitted('SourceUnreachableError: ECONNREFUSED').slice(0, 1);
    const [none] = await checkLastBackup(catalogOf(failedOnly), optioned, PLAN, NOW);
    expect(none).toMatchObject({ verdict: 'warn', detail: 'plan demo has no committed backup yet; the newest run 20261130T060000Z-2b3c4d5e FAILED (SourceUnreachableError: ECONNREFUSED)' });
    expect(none?.fix).toMatch(/^see why the newest run failed: lifeboat backups list --plan demo --env dev .* shows its error under its row; then lifeboat backup --plan demo /);
    const [old] = await checkLastBackup(catalogOf(failedThenCommitted('SourceUnreachableError: ECONNREFUSED')), optioned, PLAN, new Date('2026-12-02T12:00:00.000Z'));
    expect(old?.fix).toMatch(/^see why the newest run failed: lifeboat backups list --plan demo --env dev .* shows its error under its row; then lifeboat backup --plan demo /);
  });
});

it("names the list that shows a record starting in the future with the doctor's --config and --data-dir, as its other commands (review r63J F1)", async () => {
  const config = loadLifeboatConfig(SAMPLE_CONFIG_FILE);
  const environment = findEnvironment(config, 'dev');
  const plan = environment.plans[0]!;
  const own = doctorContext({ configFile: "/srv/my cloud/o'brien/lb.json", envName: 'dev', dataDir: '/srv/my cloud/.lifeboat', mode: 'local' }, config, environment);
  const records = [
    record('20271130T000000Z-9a9b9c9d', '2027-11-30T00:00:00.000Z', { plan: plan.name }),
    record('20261130T060000Z-2b3c4d5e', '2026-11-30T06:00:00.000Z', { plan: plan.name, status: 'FAILED', totals: undefined, copies: undefined, error: 'SourceUnreachableError: ECONNREFUSED' }),
    record('20261130T000000Z-1a2b3c4d', '2026-11-30T00:00:00.000Z', { plan: plan.name }),
  ];
  const [last] = await checkLastBackup(catalogOf(records), own, plan, NOW);
  const lists = [...(last?.fix ?? '').matchAll(/(?:failed: |; see )(lifeboat backups list .*?)(?: shows its error|, and set right)/g)].map((found) => found[1]!);
  expect(lists).toHaveLength(2);
  for (const list of lists) {
    const parsed = await parsePrintedCommand(list);
    expect(parsed.refused).toBeUndefined();
    expect(parsed.args?.at(-1)).toEqual(expect.objectContaining({ plan: plan.name, env: 'dev', config: "/srv/my cloud/o'brien/lb.json", dataDir: '/srv/my cloud/.lifeboat' }));
  }
});

describe('a forged record beside the deletes the doctor prints (review r64G F1)', () => {
  // A healthy record's delete, as the doctor prints a damaged item's: the shortest real one is 88 characters.
  const victimDelete = catalogItemDeleteCommand({ region: 'us-east-1', table: 'lifeboat-dev-catalog', key: { pk: 'BACKUP#20261130T000000Z-1a2b3c4d', sk: 'BACKUP' } });
  const spelled = victimDelete.replace(" --condition-expression 'attribute_exists(pk)'", '');

  it("shows no record's id, start or error whole enough to spell another record's delete", async () => {
    const records = [
      // Date.parse skips the "(comment)": the forged start reads as a time, in the future, and the record is named.
      record(spelled, `Nov 20 2027 12:00 GMT (${spelled})`),
      record(`${spelled} `, '2026-11-30T06:00:00.000Z', { status: 'FAILED', totals: undefined, copies: undefined, error: `E: ${spelled}` }),
      record('20261130T000000Z-1a2b3c4d', '2026-11-30T00:00:00.000Z'),
    ];
    const results = await checkLastBackup(catalogOf(records), ctx, PLAN, NOW);
    const printed = doctorReportLines(ctx.request, results).join('\n');
    expect(printed).not.toContain(spelled);
    // The shortest delete's start: no 40 characters of it follow one another, nor any part of the forged start's text.
    expect(printed).not.toContain(spelled.slice(0, 41));
    expect(printed).not.toContain('Nov 20 2027');
    expect(results[0]?.detail).toBe(
      '20261130T000000Z-1a2b3c4d (incremental) started 12 h ago, within the RPO 24 h; ' +
        `the newest run aws dynamodb delete-item --r…"BACKUP"}}'  (cut from 154 characters, sha256 6c20039e) FAILED (E: aws dynamodb delete-item --region us-… (cut from 156 characters)); ` +
        `aws dynamodb delete-item --r…:"BACKUP"}}' (cut from 153 characters, sha256 60b39e70) (COMMITTED, started 2027-11-20T12:00:00.000Z) starts in the future: ` +
        'the clock that wrote it or the catalog is wrong (not counted)',
    );
  });

  it('names a dr copy of a committed backup whose id is long by its cut form', async () => {
    const [, dr] = await checkLastBackup(catalogOf([record(spelled, '2026-11-30T00:00:00.000Z', { copies: { primary: 'COMMITTED', dr: 'FAILED' } })]), ctx, PLAN, NOW);
    expect(dr?.detail).not.toContain(spelled);
    expect(dr?.detail).toBe(`replication of aws dynamodb delete-item --r…:"BACKUP"}}' (cut from 153 characters, sha256 60b39e70) to the DR vault failed: it is restorable from the primary region only`);
  });
});

// Review r64L F5: every record starting in the future was named, uncapped: 5,000 made one line of 374 KB.
it('names the first 10 records that start in the future, then how many more', async () => {
  const ahead = Array.from({ length: 5000 }, (_, i) => record(`2027${String(i).padStart(4, '0')}T000000Z-0000ffff`, '2027-11-20T12:00:00.000Z'));
  const [last] = await checkLastBackup(catalogOf([...ahead, record('20261130T000000Z-1a2b3c4d', '2026-11-30T00:00:00.000Z')]), ctx, PLAN, NOW);
  const named = [...(last?.detail ?? '').matchAll(/2027\d{4}T000000Z-0000ffff \(COMMITTED, started 2027-11-20T12:00:00\.000Z\)/g)];
  expect(named).toHaveLength(10);
  expect(last?.detail).toContain('20270009T000000Z-0000ffff (COMMITTED, started 2027-11-20T12:00:00.000Z) and 4990 more start in the future: the clock that wrote them or the catalog is wrong (not counted)');
  expect(last?.detail.length).toBeLessThan(2000);
  expect(last?.fix).toContain('lifeboat backups list --plan demo');
});
