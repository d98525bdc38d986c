import { demoVerdictFailures, type DemoVerdictInput } from '../../../../local/demo/demo-verdict';

const sources = ['assets', 'orders', 'files'];
const committed = (n: number) => ({ backupId: `20261205T16000${n}Z-0000000${n}`, status: 'COMMITTED', copies: { dr: 'COMMITTED' } });

/** A run where every condition holds: three backups, six restores, the drill PASSED, the mirror and the failover right, the prune freed bytes. */
function passing(): DemoVerdictInput {
  return {
    sources: sources.length,
    mirrored: ['assets'],
    expectedBackups: 3,
    backups: [1, 2, 3].map((n) => ({ label: `${n}.`, record: committed(n), verifications: sources.map((source) => ({ source, mismatches: [] })) })),
    expectedRestores: 6,
    restores: [...sources, ...sources].map((source) => ({ source, target: `t-${source}`, problems: [] })),
    drill: { status: 'SUCCEEDED', record: { verdict: 'PASSED' }, problems: [] },
    mirrorCheck: { status: 'SUCCEEDED', result: { passed: true } },
    failover: {
      status: 'SUCCEEDED',
      primaryRunning: true,
      report: { sources: [{ source: 'assets', from: 'mirror' }, { source: 'orders', from: 'vault' }, { source: 'files', from: 'vault' }] },
      comparisons: sources,
      problems: [],
    },
    retention: {
      forgotten: [committed(1).backupId],
      snapshotsLeft: [],
      prunes: [{ status: 'SUCCEEDED', report: { bytesFreed: 0 } }, { status: 'SUCCEEDED', report: { bytesFreed: 4096 } }, { status: 'SUCCEEDED', report: { bytesFreed: 0 } }],
      kept: [2, 3].flatMap((n) => sources.map((source) => ({ backupId: committed(n).backupId, source, problems: [] }))),
    },
  };
}

it('passes a run where every condition holds', () => {
  expect(demoVerdictFailures(passing())).toEqual([]);
});

it('names a second prune that freed nothing (two demos on one data directory), the only condition that failed', () => {
  const input = passing();
  const prunes = input.retention?.prunes ?? [];
  expect(demoVerdictFailures({ ...input, retention: { ...input.retention!, prunes: [prunes[0]!, { status: 'SUCCEEDED', report: { bytesFreed: 0 } }, prunes[2]!] } })).toEqual([
    'the second prune (after the grace) freed no bytes of the forgotten backup',
  ]);
});

it('names a mirrored source that failed over from the vault, a DR copy not COMMITTED and a drill that did not pass', () => {
  const input = passing();
  const failures = demoVerdictFailures({
    ...input,
    backups: input.backups.map((b, i) => (i === 1 ? { ...b, record: { ...b.record!, copies: { dr: 'PENDING' } } } : b)),
    drill: { status: 'FAILED', problems: ['DrillFailed: RestoreVerificationError in demo-assets'] },
    failover: { ...input.failover!, report: { sources: [{ source: 'assets', from: 'vault' }] } },
  });
  expect(failures).toEqual([
    'backup "2.": its DR copy is PENDING, not COMMITTED',
    'the drill is FAILED, not PASSED',
    'the drill: DrillFailed: RestoreVerificationError in demo-assets',
    'mirrored source assets failed over from the vault, not from its mirror',
  ]);
});

it('names the stages that never ran after the first backup failed', () => {
  const input = passing();
  const failures = demoVerdictFailures({
    ...input,
    backups: [{ label: '1. Initial', verifications: [] }],
    restores: [],
    drill: undefined,
    mirrorCheck: undefined,
    failover: undefined,
    retention: undefined,
  } as DemoVerdictInput);
  expect(failures).toEqual([
    '1 of 3 backups ran',
    'backup "1. Initial" is not in the catalog, not COMMITTED',
    'backup "1. Initial": 0 of 3 sources read back from the vault',
    '0 of 6 restores ran',
    'no drill ran (it needs the last backup COMMITTED with its DR copy)',
    'the mirror check did not pass (not run)',
    'mirrored source assets failed over from nowhere the report names, not from its mirror',
    'no failover ran (it needs the last backup COMMITTED with its DR copy)',
    'no retention ran (it needs the last backup COMMITTED)',
  ]);
});
