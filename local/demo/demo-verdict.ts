/**
 * What the demo's verdict weighs, in the few fields it reads of each stage's outcome (run-demo.ts holds
 * the whole outcomes): a test builds one without a cloud.
 */
export type DemoVerdictInput = {
  /** How many sources the plan has. */
  sources: number;
  /** The plan's mirrored sources, by name. */
  mirrored: readonly string[];
  /** How many backups the demo makes. */
  expectedBackups: number;
  backups: readonly {
    label: string;
    record?: { backupId: string; status: string; copies?: { dr?: string } };
    verifications: readonly { source: string; mismatches: readonly string[] }[];
  }[];
  /** How many restores the demo runs (every source, from each vault), and those it ran. */
  expectedRestores: number;
  restores: readonly { source: string; target: string; problems: readonly string[] }[];
  drill?: { status: string; record?: { verdict: string }; problems: readonly string[] };
  mirrorCheck?: { status: string; result?: { passed: boolean } };
  failover?: {
    status: string;
    primaryRunning: boolean;
    report?: { sources: readonly { source: string; from?: string }[] };
    comparisons: readonly unknown[];
    problems: readonly string[];
  };
  retention?: {
    forgotten: readonly string[];
    snapshotsLeft: readonly string[];
    prunes: readonly { status: string; report?: { bytesFreed: number }; problem?: string }[];
    kept: readonly { backupId: string; source: string; problems: readonly string[] }[];
  };
};

/**
 * Every condition of the demo's pass that does not hold, each as the line that says which (printed as
 * `FAIL …` above the verdict); empty: the demo passed. A verdict with no such line once ended a run whose
 * every stage line said OK (a second prune that freed nothing, as when another demo ran on the same data).
 */
export function demoVerdictFailures(input: DemoVerdictInput): string[] {
  const failures: string[] = [];
  const check = (holds: boolean, failure: () => string): void => {
    if (!holds) failures.push(failure());
  };

  check(input.backups.length === input.expectedBackups, () => `${input.backups.length} of ${input.expectedBackups} backups ran`);
  for (const b of input.backups) {
    const status = b.record?.status;
    check(status === 'COMMITTED', () => `backup "${b.label}" is ${status ?? 'not in the catalog'}, not COMMITTED`);
    if (status === 'COMMITTED') check(b.record?.copies?.dr === 'COMMITTED', () => `backup "${b.label}": its DR copy is ${b.record?.copies?.dr ?? 'not recorded'}, not COMMITTED`);
    check(b.verifications.length === input.sources, () => `backup "${b.label}": ${b.verifications.length} of ${input.sources} sources read back from the vault`);
    const unequal = b.verifications.filter((v) => v.mismatches.length > 0).map((v) => v.source);
    check(unequal.length === 0, () => `backup "${b.label}": ${unequal.join(', ')} did not read back from the vault equal to the source`);
  }

  check(input.restores.length === input.expectedRestores, () => `${input.restores.length} of ${input.expectedRestores} restores ran`);
  for (const r of input.restores) check(r.problems.length === 0, () => `restore of ${r.source} into ${r.target}: ${r.problems[0] ?? ''}`);

  const { drill } = input;
  if (!drill) failures.push('no drill ran (it needs the last backup COMMITTED with its DR copy)');
  else {
    check(drill.record?.verdict === 'PASSED', () => `the drill is ${drill.record?.verdict ?? drill.status}, not PASSED`);
    for (const p of drill.problems) failures.push(`the drill: ${p}`);
  }

  if (input.mirrored.length > 0) {
    check(input.mirrorCheck?.result?.passed === true, () => `the mirror check did not pass (${input.mirrorCheck ? input.mirrorCheck.status : 'not run'})`);
    for (const name of input.mirrored) {
      const from = input.failover?.report?.sources.find((s) => s.source === name)?.from;
      check(from === 'mirror', () => `mirrored source ${name} failed over ${from ? `from the ${from}` : 'from nowhere the report names'}, not from its mirror`);
    }
  }

  const { failover } = input;
  if (!failover) failures.push('no failover ran (it needs the last backup COMMITTED with its DR copy)');
  else {
    check(failover.status === 'SUCCEEDED', () => `the failover is ${failover.status}, not SUCCEEDED`);
    check(failover.problems.length === 0, () => `the failover: ${failover.problems.length} problem(s), the first: ${failover.problems[0] ?? ''}`);
    check(failover.comparisons.length === input.sources, () => `${failover.comparisons.length} of ${input.sources} failover targets compared with their source`);
    check(failover.primaryRunning, () => 'the primary region did not start again after the failover');
  }

  const { retention } = input;
  if (!retention) failures.push('no retention ran (it needs the last backup COMMITTED)');
  else {
    const [first, ...rest] = input.backups;
    const firstId = first?.record?.backupId;
    check(firstId !== undefined && retention.forgotten.includes(firstId), () => `the first backup ${firstId ?? '(none)'} was not forgotten`);
    for (const b of rest) {
      const id = b.record?.backupId;
      check(id === undefined || !retention.forgotten.includes(id), () => `backup "${b.label}" (${id ?? ''}) was forgotten, though the demo's policy keeps it`);
    }
    check(retention.snapshotsLeft.length === 0, () => `snapshot object(s) of forgotten backups still in the vault: ${retention.snapshotsLeft.join(', ')}`);
    for (const [i, p] of retention.prunes.entries()) {
      check(p.status === 'SUCCEEDED' && p.report !== undefined, () => `prune run ${i + 1} is ${p.status}${p.problem ? `: ${p.problem}` : ', without a report'}`);
    }
    const second = retention.prunes[1];
    check((second?.report?.bytesFreed ?? 0) > 0, () => (second ? 'the second prune (after the grace) freed no bytes of the forgotten backup' : 'the second prune (after the grace) did not run'));
    const expectedKept = (input.backups.length - 1) * input.sources;
    check(retention.kept.length === expectedKept, () => `${retention.kept.length} of ${expectedKept} snapshots of the kept backups read back after the prune`);
    for (const k of retention.kept) check(k.problems.length === 0, () => `kept backup ${k.backupId}, ${k.source}: ${k.problems[0] ?? ''}`);
  }
  return failures;
}
