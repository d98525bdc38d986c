import { type SourceConfig } from '../../../../config/lifeboat-config';
import { chooseSourceCopy } from '../../../../lambdas/mirror/mirror-choice';
import { type MirrorRecord, mirrorRecordSchema } from '../../../../lambdas/mirror/mirror-record';

/** The failover's choice of copy for a mirrored S3 source, from the mirror check's record (audit R6, F1). */
const source = { type: 's3', name: 'web-assets', bucket: 'src', prefix: 'site/', mirror: true } as unknown as SourceConfig;
const checkedAt = '2026-12-05T04:10:00.000Z';
const options = { rpoMinutes: 60, startedAt: Date.parse(checkedAt) + 1000, mirrorBucketPrefix: 'lifeboat-au-mirror-', useMirrors: true };
const check = (o: Partial<MirrorRecord>): MirrorRecord =>
  mirrorRecordSchema.parse({
    environment: 'au', source: 'web-assets', plan: 'web', type: 's3', mirror: 's3://lifeboat-au-mirror-web-assets/site/',
    checkedAt, passed: true, compared: 2, differences: 0, inFlight: 0, lagSeconds: 0, graceSeconds: 0, cursor: '', durationMs: 1, unresolved: [], passUnfollowed: 0, cleanPassStartedAt: checkedAt, cleanPassLagSeconds: 0, ...o,
  });

it('takes the mirror when the last check passed with nothing open', () => {
  expect(chooseSourceCopy(source, check({}), options)).toEqual(expect.objectContaining({ use: 'mirror', target: 's3://lifeboat-au-mirror-web-assets/site/' }));
});

it('refuses the mirror while a difference an earlier window found is unresolved, naming the key and since when', () => {
  const open = { key: 'site/a.txt', reason: 'differs: source 33 bytes, mirror 7 bytes', foundAt: '2026-12-05T04:00:00.000Z' };
  const choice = chooseSourceCopy(source, check({ passed: false, differences: 1, firstDifference: open, unresolved: [open], unresolvedSince: open.foundAt, lagSeconds: 600 }), options);
  expect(choice).toEqual({
    source: 'web-assets',
    type: 's3',
    use: 'vault',
    reason: `the last mirror check (${checkedAt}) failed, a difference unresolved since 2026-12-05T04:00:00.000Z: first differing key "site/a.txt" (differs: source 33 bytes, mirror 7 bytes); restored from the DR vault`,
  });
});

it('refuses the mirror when a record says passed yet holds a difference open (only untracked ones)', () => {
  const choice = chooseSourceCopy(source, check({ passed: true, differences: 3, untracked: { count: 3, since: '2026-12-05T04:00:00.000Z' }, unresolvedSince: '2026-12-05T04:00:00.000Z' }), options);
  expect(choice).toEqual(expect.objectContaining({ use: 'vault', reason: expect.stringContaining('a difference unresolved since 2026-12-05T04:00:00.000Z: 3 difference(s) not listed by key') }));
});

it('takes the data age from the start of the last clean complete pass, not from the last window (audit a1 F1)', () => {
  const choice = chooseSourceCopy(source, check({ passUnfollowed: 0, cleanPassStartedAt: '2026-12-05T03:40:00.000Z', cleanPassLagSeconds: 4, lagSeconds: 1 }), options);
  expect(choice).toEqual(
    expect.objectContaining({ use: 'mirror', dataAgeSeconds: 1805, reason: 'the mirror was checked 1 s before the failover (2 entries equal), lag 4 s, its last clean pass over the whole source started 1801 s before: data at most 1805 s old, within the plan\'s RPO of 3600 s' }),
  );
  expect(chooseSourceCopy(source, check({ passUnfollowed: 0, cleanPassStartedAt: '2026-12-05T03:10:00.000Z' }), options)).toEqual(expect.objectContaining({ use: 'vault', reason: expect.stringContaining('its data may be 3601 s old, beyond the plan\'s RPO of 3600 s') }));
});

it('leaves the count of equal entries out when the last window held only keys the mirror alone has (review R2-F2: it read "0 entries equal")', () => {
  const choice = chooseSourceCopy(source, check({ compared: 0 }), options);
  expect(choice).toEqual(
    expect.objectContaining({ use: 'mirror', reason: 'the mirror was checked 1 s before the failover, lag 0 s, its last clean pass over the whole source started 1 s before: data at most 1 s old, within the plan\'s RPO of 3600 s' }),
  );
});

it('refuses the mirror when no clean complete pass is recorded (a pass in progress, or a record of an earlier version)', () => {
  expect(chooseSourceCopy(source, check({ passUnfollowed: 0, cleanPassStartedAt: undefined }), options)).toEqual({
    source: 'web-assets',
    type: 's3',
    use: 'vault',
    reason: 'no pass of the mirror check over the whole source has ended without a difference yet: each check compares one window, so how old the mirror\'s data is is unknown; restored from the DR vault',
  });
});

it('refuses a record whose pass was over another mirror of the same source data (review r7 F3: passOver.mirror is compared too)', () => {
  const passOver = { source: 's3://src/site/', mirror: 's3://lifeboat-old-mirror-web-assets/site/' };
  expect(chooseSourceCopy(source, check({ passOver }), options)).toEqual(
    expect.objectContaining({
      use: 'vault',
      reason: `the last mirror check (${checkedAt}) compared s3://src/site/ with s3://lifeboat-old-mirror-web-assets/site/, not s3://src/site/ with s3://lifeboat-au-mirror-web-assets/site/: the source changed since, and the next check starts a new pass over it; restored from the DR vault`,
    }),
  );
  expect(chooseSourceCopy(source, check({ passOver: { ...passOver, mirror: 's3://lifeboat-au-mirror-web-assets/site/' } }), options).use).toBe('mirror');
});

it('does not trust a clean pass a record of an earlier version holds, which may have had keys in flight it could not follow (review r8)', () => {
  // Written by a version that did not count them: cleanPassStartedAt without passUnfollowed.
  const choice = chooseSourceCopy(source, check({ passUnfollowed: undefined, cleanPassStartedAt: '2026-12-05T04:00:00.000Z' }), options);
  expect(choice).toEqual(expect.objectContaining({ use: 'vault', reason: expect.stringContaining('no pass of the mirror check over the whole source has ended without a difference yet') }));
});

it('takes the vault for a mirror that keeps deleted objects unless the input gave useMirrors true, and says why either way (audit c1-2)', () => {
  const keeping = { ...source, mirror: { deleteMarkers: false } } as unknown as SourceConfig;
  expect(chooseSourceCopy(keeping, check({}), options)).toEqual({
    source: 'web-assets',
    type: 's3',
    use: 'vault',
    reason: 'this mirror keeps objects deleted from the source (deleteMarkers false): give useMirrors true (lifeboat failover --use-mirrors) to use it anyway; restored from the DR vault',
  });
  expect(chooseSourceCopy(keeping, check({}), { ...options, useMirrorsGiven: true })).toEqual(
    expect.objectContaining({ use: 'mirror', reason: expect.stringContaining('within the plan\'s RPO of 3600 s; it keeps objects deleted from the source (deleteMarkers false), used because the failover was started with "useMirrors": true') }),
  );
  expect(chooseSourceCopy(source, check({}), options).reason).not.toContain('deleted');
});
