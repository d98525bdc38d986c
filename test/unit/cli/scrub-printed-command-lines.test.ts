import { printScrubReport, type ScrubAccess, scrubCommand } from '../../../cli/commands/scrub-command';
import { type ScrubRunRecord } from '../../../lambdas/catalog/scrub-record';
import { type ScrubReport } from '../../../lambdas/replication/scrub-report';
import { FIRST_SCRUB_CURSOR, type Vault } from '../../../vault';
import { capturedCliIo } from '../../support/captured-cli-io';
import { SAMPLE_CONFIG_FILE } from '../../support/repo-root';

/**
 * Review r59D F2: `lifeboat scrub --aws --env prod` printed bare `lifeboat scrub …` lines (an object whose other copy the
 * run left unverified, a vault that cannot be opened), which pasted scrubbed, with --repair repaired, the local cloud of
 * env dev. Every line the command prints now ends with its own target options, as status's (review r58E F1).
 */

const PROD = { config: SAMPLE_CONFIG_FILE, env: 'prod', dataDir: '.lifeboat', aws: true, vaultKey: 'alias/prod-vault' };
const PROD_OPTIONS = ` --env prod --config ${SAMPLE_CONFIG_FILE} --aws --vault-key alias/prod-vault`;

/** Every `lifeboat …` command line quoted in backticks in `lines`. */
function commandLines(lines: readonly string[]): string[] {
  return lines.flatMap((line) => [...line.matchAll(/`(lifeboat [^`]*)`/g)].map((m) => m[1] as string));
}

it("an object whose other copy the run left unverified: the verdict's and each damage line's scrub line carries the run's target options", () => {
  const key = 'data/ab/abcd';
  const report: ScrubReport = {
    scope: 'both',
    fraction: 1,
    repair: true,
    cursor: FIRST_SCRUB_CURSOR,
    nextCursor: FIRST_SCRUB_CURSOR,
    cycleComplete: false,
    objects: 2,
    read: { primary: 1, dr: 1 },
    findings: [{ vault: 'primary', key, problem: 'corrupt', detail: 'bad', outcome: 'unrepaired', otherCopy: 'unverified', reason: "the run's deadline came first" }],
    damage: [],
    archivedCopyDamage: [{ key, vaults: ['primary'], affects: [{ backupId: 'b-1', source: 'photos', snapshotId: 'f'.repeat(64), time: '2026-12-01T00:00:00Z', whole: false, entries: 1, paths: ['a.jpg'] }] }],
    ok: false,
  };
  const summary = { outcome: 'DAMAGED', startedAt: '2026-12-07T00:00:00.000Z', affectedBackups: ['b-1'] } as unknown as ScrubRunRecord;
  const { out, err, io } = capturedCliIo();
  printScrubReport(report, summary, io, { recorded: true, unopened: [], commandOptions: PROD_OPTIONS });
  // The damage line and the verdict, each once.
  expect(commandLines([...out, ...err])).toEqual([`lifeboat scrub --fraction 1 --repair${PROD_OPTIONS}`, `lifeboat scrub --fraction 1 --repair${PROD_OPTIONS}`]);
});

it("a vault that cannot be opened: the `--vault <other>` line carries the run's target options", async () => {
  const access: ScrubAccess = {
    environment: { name: 'prod', primaryRegion: 'us-east-1', drRegion: 'us-west-2' },
    scrubLog: { latest: () => Promise.resolve(undefined), record: () => Promise.resolve() },
    // Not read: the command stops at the vault it cannot open.
    openVault: (side) => (side === 'dr' ? Promise.reject(new Error('the DR region is down')) : Promise.resolve({} as Vault)),
  };
  const { err, io } = capturedCliIo();
  expect(await scrubCommand({ ...PROD, fraction: '1', repair: true }, { io, access })).toBe(1);
  expect(commandLines(err)).toEqual([`lifeboat scrub --vault primary${PROD_OPTIONS}`]);
});
