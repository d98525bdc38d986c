import { statusCommand } from '../../../cli/commands/status-command';
import { ALARMS_NOT_EMULATED } from '../../../cli/status/alarm-status';
import { type EnvironmentStatus } from '../../../cli/status/environment-status';
import { type NextRun } from '../../../cli/status/next-run';
import { type PlanStatus } from '../../../cli/status/plan-status';
import { type StatusSources } from '../../../cli/status/status-sources';
import { DEFAULT_CONFIG_FILE, findEnvironment, loadLifeboatConfig } from '../../../config/load-config';
import { type BackupRecord } from '../../../lambdas/catalog/backup-record';
import { type DrillRecord } from '../../../lambdas/catalog/drill-record';
import { type ScrubRunRecord } from '../../../lambdas/catalog/scrub-record';
import { capturedCliIo } from '../../support/captured-cli-io';
import { drillRecordOf, drillReport } from '../../support/drill-records';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Audit a58C F1: a drill or scrub schedule that stopped firing (disabled by hand, deleted, its deliveries failing) was seen
 * by no alarm and by `lifeboat status` neither: the last drill stayed PASSED and the last scrub CLEAN for ever. Status now
 * judges their newest run's age against twice the schedule's longest gap, the rule of the drill-age and scrub-age alarms.
 * The sample config: plan demo drills the DR vault weekly (cron(0 4 ? * SUN *): stale after 14 days), the scrub is daily
 * (the default rate(1 day): stale after 2 days).
 */

const NOW = new Date('2026-11-30T12:00:00.000Z');
const SCHEDULED: NextRun = { state: 'scheduled', at: '2026-12-01T06:00:00.000Z', expression: 'rate(1 day)' };
const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
const daysAgo = (days: number): string => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const drillId = (startedAt: string, n: number): string => `${startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${String(n).padStart(8, '0')}`;

const backup: BackupRecord = {
  backupId: '20261130T060000Z-00000001',
  plan: 'demo',
  environment: 'dev',
  sourceNames: ['demo-assets'],
  sources: [],
  strategy: 'incremental',
  status: 'COMMITTED',
  startedAt: '2026-11-30T06:00:00.000Z',
  endedAt: '2026-11-30T06:00:00.000Z',
  shardCount: 1,
  totals: { entries: 10, bytes: 1_000_000, bytesScanned: 1_000_000, bytesNew: 100_000, bytesStored: 50_000, blobsNew: 3 },
  copies: { primary: 'COMMITTED', dr: 'COMMITTED' },
};

function drill(vault: 'primary' | 'dr', days: number, n: number): DrillRecord {
  const startedAt = daysAgo(days);
  return drillRecordOf(drillReport({ drillId: drillId(startedAt, n), startedAt, endedAt: startedAt, vault, region: vault === 'dr' ? 'us-west-2' : 'us-east-1' })).record;
}

function scrub(days: number): ScrubRunRecord {
  const startedAt = daysAgo(days);
  return {
    environment: 'dev',
    startedAt,
    endedAt: startedAt,
    scope: 'both',
    fraction: 1 / 7,
    repair: true,
    cursor: { cycle: 1, after: null },
    nextCursor: { cycle: 1, after: 'data/24' },
    cycleComplete: false,
    objects: 70,
    read: { primary: 10, dr: 10 },
    corrupt: 0,
    missing: 0,
    repaired: 0,
    repairable: 0,
    unrepaired: 0,
    outcome: 'CLEAN',
    unrepairedKeys: [],
    affectedBackups: [],
  };
}

function sources(drills: DrillRecord[], latestScrub?: ScrubRunRecord): StatusSources {
  return {
    environment,
    target: 'local',
    listBackupsOfPlan: async (plan) => (plan === 'demo' ? [backup] : []),
    latestScrub: async () => latestScrub,
    latestPrune: async () => undefined,
    mirrorCheck: async () => undefined,
    listDrills: async (side) => drills.filter((d) => d.vault === side),
    nextRun: async () => SCHEDULED,
    regionOf: (side) => (side === 'primary' ? environment.primaryRegion : environment.drRegion),
    alarms: async () => ALARMS_NOT_EMULATED,
  };
}

async function status(drills: DrillRecord[], latestScrub?: ScrubRunRecord): Promise<{ exit: number; lines: string[]; json: EnvironmentStatus }> {
  const text = capturedCliIo();
  // The default config (the sources are the test's): the lines' commands carry no --config.
  const exit = await statusCommand({ config: DEFAULT_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat' }, { io: text.io, sources: sources(drills, latestScrub), now: () => NOW });
  const json = capturedCliIo();
  await statusCommand({ config: SAMPLE_CONFIG_FILE, env: 'dev', dataDir: '.lifeboat', json: true }, { io: json.io, sources: sources(drills, latestScrub), now: () => NOW });
  return { exit, lines: text.out, json: JSON.parse(json.out.join('\n')) as EnvironmentStatus };
}

describe('a drill schedule that stopped firing', () => {
  it('makes its plan ✗ once the newest drill of the vault it drills started more than twice its longest gap ago, naming the schedule and what to run; exit 1', async () => {
    const { exit, lines, json } = await status([drill('dr', 15, 1)], scrub(0.5));
    expect(exit).toBe(1);
    const screen = lines.join('\n').replace(/\n {4}/g, ' ');
    expect(screen).toContain(
      `✗ demo: no DR drill since ${drillId(daysAgo(15), 1)}, which started 15d ago, more than twice the longest gap of its schedule lifeboat-dev-drill-demo (cron(0 4 ? * SUN *)): ` +
        'see whether the schedule fires (`lifeboat doctor`) and the drill\'s executions; `lifeboat drill run --plan demo` runs one now',
    );
    const [demo] = json.plans as PlanStatus[];
    expect(demo).toMatchObject({ withinObjectives: false, drillSchedule: { vault: 'dr', schedule: 'lifeboat-dev-drill-demo', staleAfterSeconds: 14 * 86_400, ageSeconds: 15 * 86_400, stale: true } });
    expect(json.withinObjectives).toBe(false);
  });

  it('is within its objectives at 13 days, and a stale drill of the vault its schedule does not drill, or no drill at all, is not judged', async () => {
    expect((await status([drill('dr', 13, 1)], scrub(0.5))).exit).toBe(0);
    const otherVault = await status([drill('primary', 40, 1), drill('dr', 1, 2)], scrub(0.5));
    expect(otherVault.exit).toBe(0);
    expect((otherVault.json.plans[0] as PlanStatus).drillSchedule).toMatchObject({ vault: 'dr', stale: false });
    // No drill is not a failed drill (drill-status.ts); in AWS the drill-age alarm asks for the first one.
    const never = await status([], scrub(0.5));
    expect(never.exit).toBe(0);
    expect(never.json.plans[0]).not.toHaveProperty('drillSchedule');
  });
});

describe('a last drill whose start is no time (review r65N F3)', () => {
  it('makes its plan ✗, saying its age is unknown and the schedule cannot be judged, as the drill-age alarm breaches on the missing age; exit 1', async () => {
    const untimed: DrillRecord = { ...drill('dr', 1, 1), startedAt: 'hand-edited' };
    const { exit, lines, json } = await status([untimed], scrub(0.5));
    expect(exit).toBe(1);
    const screen = lines.join('\n').replace(/\n {4}/g, ' ');
    expect(screen).toContain(
      `✗ demo: no DR drill since ${untimed.drillId}, whose start is no time, so its age is unknown and its schedule lifeboat-dev-drill-demo (cron(0 4 ? * SUN *)) cannot be judged (the drill-age alarm breaches on the missing age): ` +
        'see whether the schedule fires (`lifeboat doctor`) and the drill\'s executions; `lifeboat drill run --plan demo` runs one now',
    );
    const [demo] = json.plans as PlanStatus[];
    expect(demo).toMatchObject({ withinObjectives: false, drillSchedule: { vault: 'dr', untimed: true, stale: true } });
    expect(demo?.drillSchedule).not.toHaveProperty('ageSeconds');
  });
});

describe('a scrub schedule that stopped firing', () => {
  it('is ✗ below the table once the last scrub started more than twice its longest gap ago, naming the schedule and what to run; exit 1 though every plan is ✓', async () => {
    const { exit, lines, json } = await status([drill('dr', 1, 1)], scrub(3));
    expect(exit).toBe(1);
    const screen = lines.join('\n').replace(/\n {4}/g, ' ');
    expect(screen).toContain(
      `✗ the last scrub started 3d ago (${daysAgo(3).slice(5, 10)} ${daysAgo(3).slice(11, 16)}Z), more than twice the longest gap of its schedule lifeboat-dev-scrub (rate(1 day)): the vaults are not being checked for damage; ` +
        'see whether the schedule fires (`lifeboat doctor`) and the scrub\'s executions; `lifeboat scrub` runs one now (docs/RUNBOOKS.md, "Alarms": scrub-age)',
    );
    expect(lines.at(-1)).toBe('✗ 0 of 1 plan(s) not within their objectives; the scrub has stopped (above)');
    expect(json).toMatchObject({ withinObjectives: false, scrubSchedule: { schedule: 'lifeboat-dev-scrub', expression: 'rate(1 day)', staleAfterSeconds: 2 * 86_400, stale: true } });
    expect((json.plans[0] as PlanStatus).withinObjectives).toBe(true);
  });

  // Review r65T F2: the scrub cell read `CLEAN NaNd ago`, `--json` gave the plan's scrub `ageSeconds: null`, and the last
  // line said the scrub has stopped, which nothing showed: its age is unknown and absent, and the scrub cannot be judged.
  it('a last scrub whose start is no time: its age unknown in the cell and absent from --json, and the last line says it cannot be judged', async () => {
    const { exit, lines, json } = await status([drill('dr', 1, 1)], { ...scrub(0.5), startedAt: 'hand-edited' });
    expect(exit).toBe(1);
    const screen = lines.join('\n');
    expect(screen).not.toContain('NaN');
    // The SCRUB column wraps the cell: `CLEAN age` on the plan's line, `unknown` under it.
    expect(screen).toMatch(/ CLEAN age\n.* unknown\n/);
    expect(lines.at(-1)).toBe('✗ 0 of 1 plan(s) not within their objectives; the scrub cannot be judged (above)');
    const scrubOfPlan = (json.plans[0] as PlanStatus).scrub;
    expect(scrubOfPlan).toMatchObject({ state: 'ran', startedAt: 'hand-edited', outcome: 'CLEAN' });
    expect(scrubOfPlan).not.toHaveProperty('ageSeconds');
    expect(json.scrubSchedule).toMatchObject({ untimed: true, stale: true });
  });

  it('is not judged within twice the gap, nor before the first run', async () => {
    const fresh = await status([drill('dr', 1, 1)], scrub(1.5));
    expect(fresh.exit).toBe(0);
    expect(fresh.json.scrubSchedule).toMatchObject({ stale: false });
    const never = await status([drill('dr', 1, 1)]);
    expect(never.exit).toBe(0);
    expect(never.json).not.toHaveProperty('scrubSchedule');
  });
});
