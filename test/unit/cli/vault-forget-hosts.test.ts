import { decideVaultForget, forgetGrouping } from '../../../cli/commands/vault-forget';
import { type Snapshot } from '../../../vault/manifest/snapshot-record';

/**
 * `lifeboat vault forget --keep-*` groups snapshots by host and directory, as restic groups by host
 * and paths: a vault two machines share, each backing up the same path, keeps the newest snapshot of
 * each machine's directory (README: "the newest of each is always kept").
 */
function snapshot(id: string, hostname: string, time: string, dir = '/etc', durationMs = 1): Snapshot {
  const hex = id.repeat(64).slice(0, 64);
  return {
    id: hex,
    v: 1,
    time,
    hostname,
    source: { kind: 'directory', id: dir },
    parent: null,
    tags: [],
    manifest: hex,
    indexes: [],
    stats: { entries: 1, bytes: 1, bytesScanned: 1, bytesNew: 1, bytesStored: 1, blobsNew: 1, durationMs },
  };
}

// Audit R25 F3: the rules speak of when backups started; a snapshot's `time` is its commit.
describe('decideVaultForget by when each backup started', () => {
  it('keeps, under --keep-daily 3, a nightly backup whose run crossed midnight: it counts on the day it started', () => {
    const minutes = 60_000;
    // Nightly at 23:40 Berlin (22:40Z); the one of the 9th took 40 minutes and committed on the 10th (local time).
    const nightly = [
      snapshot('a', 'h', '2026-12-08T22:45:00.000Z', '/etc', 5 * minutes),
      snapshot('b', 'h', '2026-12-09T23:20:00.000Z', '/etc', 40 * minutes),
      snapshot('c', 'h', '2026-12-10T22:45:00.000Z', '/etc', 5 * minutes),
    ];
    const decisions = decideVaultForget(nightly, { keepDaily: 3, timeZone: 'Europe/Berlin' }, new Date('2026-12-11T08:00:00Z'));
    expect(decisions.filter((d) => d.forget).map((d) => d.snapshot.id.slice(0, 1))).toEqual([]);
    expect(decisions.map((d) => d.reasons)).toEqual([['daily snapshot'], ['daily snapshot'], ['daily snapshot']]);
  });
});

// Audit c2-1: one backup with the clock 10 years ahead, then --keep-within 30d forgot every real snapshot.
describe('decideVaultForget with a snapshot dated in the future', () => {
  it('keeps, under --keep-within 30d, the real recent snapshots and the future one, counting from the newest real one', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const daily = ['1', '2', '3', '4', '5'].map((d) => snapshot(d, 'laptop', new Date(now.getTime() - Number(d) * 86_400_000).toISOString()));
    const decisions = decideVaultForget([snapshot('f', 'laptop', '2036-01-01T00:00:00.000Z'), ...daily], { keepWithin: '30d' }, now);
    expect(decisions.filter((d) => d.forget)).toEqual([]);
    expect(decisions.map((d) => [d.snapshot.id.slice(0, 1), d.reasons])).toEqual([
      ['f', ['starts in the future: the clock that wrote it is wrong']],
      ...['1', '2', '3', '4', '5'].map((d) => [d, ['within 30d']]),
    ]);
  });
});

describe('decideVaultForget groups by host and directory', () => {
  it('keeps the only snapshot of a path on one host though another host backed the same path up later', () => {
    const snapshots = [snapshot('a', 'hosta', '2026-12-05T06:37:09.000Z'), snapshot('b', 'hostb', '2026-12-05T06:37:12.000Z'), snapshot('c', 'hostb', '2026-12-05T06:38:00.000Z')];
    const decisions = decideVaultForget(snapshots, { keepLast: 1 }, new Date('2026-12-06T00:00:00Z'));
    expect(decisions.map((d) => [d.snapshot.hostname, d.snapshot.id.slice(0, 1), d.forget, d.reasons])).toEqual([
      ['hostb', 'c', false, ['last 1']],
      ['hostb', 'b', true, []],
      ['hosta', 'a', false, ['last 1']],
    ]);
  });

  it('still decides one host\'s snapshots of one path as one group', () => {
    const snapshots = [snapshot('a', 'hosta', '2026-12-01T00:00:00.000Z'), snapshot('b', 'hosta', '2026-12-02T00:00:00.000Z'), snapshot('c', 'hosta', '2026-12-02T00:00:00.000Z', '/var')];
    expect(decideVaultForget(snapshots, { keepLast: 1 }, new Date('2026-12-06T00:00:00Z')).filter((d) => d.forget).map((d) => d.snapshot.id.slice(0, 1))).toEqual(['a']);
  });

  it('--group-by path decides one path across hosts as one group (machines whose hostname changes every run; review 40d)', () => {
    const runners = ['1', '2', '3', '4'].map((n) => snapshot(n, `ci-runner-${n}`, `2026-12-0${n}T00:00:00.000Z`));
    const now = new Date('2026-12-06T00:00:00Z');
    expect(decideVaultForget(runners, { keepLast: 1 }, now).filter((d) => d.forget)).toEqual([]);
    expect(decideVaultForget(runners, { keepLast: 1 }, now, 'path').filter((d) => d.forget).map((d) => d.snapshot.hostname)).toEqual(['ci-runner-3', 'ci-runner-2', 'ci-runner-1']);
  });

  it('refuses a grouping it does not know, naming both it knows', () => {
    expect(forgetGrouping(undefined)).toBe('host,path');
    expect(forgetGrouping('path')).toBe('path');
    expect(() => forgetGrouping('host')).toThrow('--group-by must be "host,path" (the default: each directory of each machine on its own) or "path" (machines whose hostname changes every run), got "host"');
  });
});
