import { type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type EFSClient } from '@aws-sdk/client-efs';
import { type S3Client } from '@aws-sdk/client-s3';
import { mirrorOf, type ProtectionPlanConfig } from '../../config/lifeboat-config';
import { NAME_IN_OTHER_REGION } from '../../config/names-in-other-region';
import { unreachableReason } from '../drill/live-sample';
import { type MirrorLog } from './mirror-log';
import { type MirrorDifference, type MirrorRecord } from './mirror-record';
import { compareDynamoDbMirror } from './dynamodb-mirror-comparison';
import { dynamoDbPassPosition, nextDynamoDbPassPosition } from './dynamodb-mirror-pass';
import { recheckDynamoDbKeys } from './dynamodb-mirror-recheck';
import { compareS3Mirror } from './s3-mirror-comparison';
import { efsReplicationState } from './efs-replication-state';
import { compareFileWindows, type FileWindowsComparison, replicaFileAt } from './file-mirror-comparison';
import { type FileSamplesRecord, readUnder } from './file-mirror-samples';
import { type AwaitingSyncWindow, awaitingWithin, MAX_AWAITING_SYNC_BYTES } from './file-samples-awaiting-sync';
import { type FileSamplesLog } from './file-samples-log';
import { MAX_UNRESOLVED, type MirrorVerdict, mirrorVerdict, openDifferences } from './mirror-verdict';
import { otherDataThan, passSourceOf, s3MirrorOf } from './pass-source';
import { recheckS3Keys } from './s3-mirror-recheck';
import { judgeUnconfirmed, MAX_UNCONFIRMED_RUNS, type UnconfirmedMissing, type UnconfirmedVerdict, unconfirmedWithin } from './unconfirmed-missing';
import { isMissingResource, missingMirrorBucketNote, missingSourceNote } from './missing-mirror-resource';
import { isAccessRefusal, refusedMirrorNote, refusedSourceNote } from './refused-mirror-access';
import { differingKeyText, reportedDifference } from './reported-difference';

export type MirrorCheckInput = {
  /** Entries per source per run. */
  samples: number;
  /**
   * A difference whose source write is younger than this is still replicating, not a failure (S3 RTC promises 15 minutes);
   * a DynamoDB item, which has no write time, while its replica copy has moved within this (dynamodb-mirror-recheck.ts).
   */
  graceSeconds: number;
};

export type MirrorCheckDeps = {
  environment: string;
  plans: readonly ProtectionPlanConfig[];
  /** The region the check (and the mirrors) are in, and the sources' region. */
  mirrorRegion: string;
  sourceRegion: string;
  mirrorBucketPrefix: string;
  s3: (region: string) => S3Client;
  dynamodb: (region: string) => DynamoDBClient;
  /** EFS of the sources' region and the protected file system: a file-system mirror's replication state. Absent: file-system mirrors are skipped. */
  efs?: { client: (region: string) => Pick<EFSClient, 'send'>; fileSystemId: string; replica?: FileReplica };
  log: Pick<MirrorLog, 'get' | 'record'>;
  now: () => number;
};

/**
 * The replica of the protected file system mounted into the check (fileSystem.efs.replica): its id, where a
 * source's directory is in it, and the samples the primary region's sampler left in this region's catalog.
 */
export type FileReplica = {
  fileSystemId: string;
  directory: (sourcePath: string) => string;
  samples: Pick<FileSamplesLog, 'get'>;
};

/** One source's outcome in the execution's output. */
export type MirrorCheckOfSource = Pick<MirrorRecord, 'source' | 'mirror' | 'passed' | 'compared' | 'differences' | 'inFlight' | 'lagSeconds' | 'unresolvedSince'> & {
  /** The record's first difference, its key as reportedKey names it: the output is in the execution's history, where a DynamoDB key's values must not be. */
  firstDifference?: MirrorDifference;
  note?: string;
  /** The source could not be reached: nothing compared, the previous check kept. */
  unreachable?: string;
};

export type MirrorCheckResult = {
  checkedAt: string;
  /** Every mirrored source equal to its mirror (or unreachable, which says nothing against the mirror). */
  passed: boolean;
  sources: MirrorCheckOfSource[];
  /** When not passed: the first failed source, its first differing key (as differingKeyText names it) and the lag (the Fail state's cause). */
  cause?: string;
};

/**
 * `client`, its errors remembered in `thrown`: only an error of the sources' region can say that region is
 * unreachable. The mirror's region is this function's own, and a failure there is the check's.
 */
function ofSourceRegion<C extends object>(client: C, thrown: WeakSet<object>): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'send' || typeof value !== 'function') return value;
      return async (...args: unknown[]): Promise<unknown> => {
        try {
          return (await Reflect.apply(value, target, args)) as unknown;
        } catch (err) {
          if (typeof err === 'object' && err !== null) thrown.add(err);
          throw err;
        }
      };
    },
  });
}

/** `err`, or its cause, that one of the sources' region's clients threw; undefined when none did (the error is the mirror region's, or the check's). */
function sourceRegionError(err: unknown, thrown: WeakSet<object>): object | undefined {
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) if (thrown.has(e)) return e;
  return undefined;
}

/**
 * A DynamoDB verdict with each followed key's replica copy as this run read it (`read`: the re-check's before the
 * window's), or as last recorded when this run did not read the key: mirrorVerdict rebuilds the entries it keeps
 * and knows nothing of copies. The first difference goes without one: it is copied into the check's output.
 */
function withReplicaCopies(verdict: MirrorVerdict, read: ReadonlyArray<{ key: string; replicaCopy: string }>): MirrorVerdict {
  const copies = new Map<string, string>();
  for (const r of read) if (!copies.has(r.key)) copies.set(r.key, r.replicaCopy);
  const withCopy = <T extends { key: string; replicaCopy?: string }>(entry: T): T => {
    const replicaCopy = copies.get(entry.key) ?? entry.replicaCopy;
    return replicaCopy === undefined ? entry : { ...entry, replicaCopy };
  };
  const { firstDifference, unresolved, pending, ...rest } = verdict;
  return {
    ...rest,
    ...(firstDifference ? { firstDifference: withoutReplicaCopy(firstDifference) } : {}),
    ...(unresolved ? { unresolved: unresolved.map(withCopy) } : {}),
    ...(pending ? { pending: pending.map(withCopy) } : {}),
  };
}

/** A difference without its replica copy's digest, which stays in the catalog (MirrorDifference.replicaCopy). */
function withoutReplicaCopy({ replicaCopy: _copy, ...difference }: MirrorDifference): MirrorDifference {
  return difference;
}

const fmtLag = (lag: number | null): string => (lag === null ? 'unknown' : `${lag.toFixed(1)} s`);

/**
 * The note of a source whose check could not compare anything, from the error its try threw (`ofSource`: the error when
 * the source's region threw it), or undefined for an error that fails the run: the source missing or refusing the
 * check's role in its region; an S3 source's mirror bucket missing, or an S3 or DynamoDB mirror refusing, in this one.
 */
function uncheckedSourceNote(source: ProtectionPlanConfig['sources'][number], ofSource: object | undefined, err: unknown, deps: MirrorCheckDeps): string | undefined {
  if (ofSource !== undefined) {
    if (isMissingResource(source.type, ofSource)) return missingSourceNote(source, deps.sourceRegion, deps.efs?.fileSystemId);
    if (isAccessRefusal(ofSource)) return refusedSourceNote(source, deps.sourceRegion, deps.efs?.fileSystemId, ofSource);
    return undefined;
  }
  if (source.type === 's3' && isMissingResource('s3', err)) return missingMirrorBucketNote(`${deps.mirrorBucketPrefix}${source.name}`, deps.mirrorRegion);
  if (source.type !== 'filesystem' && isAccessRefusal(err)) return refusedMirrorNote(source, deps.mirrorBucketPrefix, deps.mirrorRegion, err);
  return undefined;
}

/** The samples to judge: those earlier runs kept for a later sync, oldest first, then the latest sampling unless it is one of them (the sampler has not run since). */
function windowsToJudge(waiting: readonly AwaitingSyncWindow[], samples: FileSamplesRecord | undefined): AwaitingSyncWindow[] {
  if (!samples || waiting.some((w) => w.sampledAt === samples.sampledAt)) return [...waiting];
  return [...waiting, { sampledAt: samples.sampledAt, ...(samples.readUntil !== undefined ? { readUntil: samples.readUntil } : {}), samples: samples.samples }];
}

/**
 * A file-system mirror's verdict on its samples. Samples read after EFS's last sync are kept in the record and judged
 * by a later run (audit a57A-1: with the sampler and the check on one schedule, every window was read after the last
 * sync, counted in flight, and replaced by the next sampling unjudged, so a replica missing files passed for ever).
 * The sampler's problem (the source's directory missing or refused, a path under it refused) fails the source (audit
 * a57A-2): a window that could not read the source says nothing of its mirror. A file the replica lacks is held
 * (`unconfirmed`) until the sampler's answer (`held`, judgeUnconfirmed) says the source kept it through the sync.
 */
function fileSystemRecord(
  judged: FileWindowsComparison,
  held: UnconfirmedVerdict,
  { samples, readElsewhere }: { samples: FileSamplesRecord | undefined; readElsewhere: string | undefined },
  lastSync: number | null,
  sourcePath: string,
  checkedAt: string,
): Pick<MirrorRecord, 'passed' | 'compared' | 'differences' | 'inFlight' | 'firstDifference' | 'cursor' | 'note' | 'awaitingSync' | 'unconfirmed' | 'awaitingSyncPath'> {
  const { kept, dropped } = awaitingWithin(judged.awaitingSync);
  const waiting = kept.reduce((n, w) => n + w.samples.length, 0);
  // A file missing from the replica is held, not a difference, until the sampler says whether the source still has it (review r57L-2).
  const known = new Set([...held.held.map((h) => h.path), ...held.differences.map((d) => d.key)]);
  const found: UnconfirmedMissing[] = judged.missing
    .filter((m) => !known.has(m.path))
    .map((m) => ({ path: m.path, size: m.size, mtimeMs: m.mtimeMs, heldAt: m.heldAt, ...(lastSync === null ? {} : { missingAfterSync: new Date(lastSync).toISOString() }), askedAt: checkedAt, since: checkedAt, runs: 1 }));
  // Beyond the record's room, a missing file is a difference at once (as before it could be held): the check fails closed.
  const { kept: unconfirmed, overflow } = unconfirmedWithin([...held.held, ...found]);
  const differences = judged.differences + held.differences.length + overflow.length;
  const examples = [...held.differences, ...judged.examples, ...overflow.map((o) => ({ key: o.path, reason: 'missing from the mirror' }))];
  const notes = [
    ...(samples?.problem !== undefined
      ? [`the primary region's sampler could not read ${samples.problem}: check that the source's path exists on the file system and that the sampler's access point may read it; the mirror is not vouched for while the source cannot be read`]
      : []),
    samples
      ? `samples of ${samples.sampledAt} (${samples.samples.length} files) against the replica`
      : readElsewhere !== undefined
        ? `the sampler's latest samples were read under ${readElsewhere}, not the path configured now, and are not compared: the samples kept from earlier runs against the replica`
        : 'no samples recorded now: the samples kept from earlier runs against the replica',
    ...(waiting > 0
      ? [`${waiting} sample(s) read after EFS's last sync (${lastSync === null ? 'none yet' : new Date(lastSync).toISOString()}) not compared yet: kept for a later run, once EFS has synced since`]
      : []),
    ...(dropped > 0 ? [`${dropped} more not kept (the kept samples are at most ${MAX_AWAITING_SYNC_BYTES} bytes): the next pass over the source samples those files again`] : []),
    ...(unconfirmed.length > 0
      ? [`${unconfirmed.length} file(s) missing from the replica held unconfirmed until the primary region's sampler says whether the source still has them (a difference if it has, unchanged, through the sync; after ${MAX_UNCONFIRMED_RUNS} checks without an answer, a difference too)`]
      : []),
    ...(held.gone > 0 ? [`${held.gone} file(s) missing from the replica not counted: gone from the source too (deleted or renamed there)`] : []),
    'the lag is the time since EFS\'s last sync',
  ];
  return {
    passed: differences === 0 && samples?.problem === undefined,
    compared: judged.compared,
    differences,
    inFlight: judged.inFlight,
    ...(examples[0] ? { firstDifference: examples[0] } : {}),
    cursor: samples?.cursor ?? '',
    note: notes.join('; '),
    ...(kept.length > 0 ? { awaitingSync: kept } : {}),
    ...(unconfirmed.length > 0 ? { unconfirmed } : {}),
    // The path the judged samples were read under (the same as configured: a samples item of another path is not judged).
    ...(kept.length > 0 || unconfirmed.length > 0 ? { awaitingSyncPath: samples?.sourcePath ?? sourcePath } : {}),
  };
}

/**
 * The samples earlier runs kept for a later sync that this run may judge: none when they were kept under another
 * source path (the configuration changed), whose files the replica's directory for the path now configured does not
 * hold: judged there, each would be a false "missing from the mirror" (review r57L-4). Records of earlier versions do
 * not say their path: their samples are taken as of the path configured now.
 */
function keptAwaitingSync(previous: MirrorRecord | undefined, sourcePath: string): { awaitingSync: AwaitingSyncWindow[]; unconfirmed: UnconfirmedMissing[] } {
  if (previous?.awaitingSyncPath !== undefined && previous.awaitingSyncPath !== sourcePath) return { awaitingSync: [], unconfirmed: [] };
  return { awaitingSync: previous?.awaitingSync ?? [], unconfirmed: previous?.unconfirmed ?? [] };
}

/** The Fail state's cause for a source whose check did not pass, from its record (the key named by differingKeyText, never a DynamoDB key's values). */
function causeOf(record: MirrorRecord): string {
  const first = record.firstDifference;
  // Nothing differs: a precondition is missing (the source, the replica, EFS's replication), which the note names.
  if (!first && record.differences === 0) return `Mirror check of ${record.source} (${record.mirror}) failed: ${record.note ?? 'not compared'}; lag ${fmtLag(record.lagSeconds)}`;
  return (
    `Mirror of ${record.source} (${record.mirror}) differs from its source: ` +
    (first
      ? `first differing ${differingKeyText(record.type, first.key)} (${first.reason}${first.foundAt !== undefined && first.foundAt !== record.checkedAt ? `, found ${first.foundAt} and not resolved since` : ''}); ${record.differences} difference(s); `
      : `${record.differences} difference(s) not resolved since ${record.unresolvedSince ?? '?'} (more than the check lists by key: a full pass without a difference clears them); `) +
    `lag ${fmtLag(record.lagSeconds)}`
  );
}

/**
 * The mirror check: for each mirrored source, the next window compared with its mirror in this region,
 * the keys earlier runs found different (or saw in flight) compared again one by one, and the verdict over both recorded as
 * `MIRROR#<source>` in this region's catalog (mirror-verdict.ts: a difference stays until seen resolved). A source whose region cannot be
 * reached (connection refused or timed out; after the SDK's retries, 5xx or throttling) keeps its previous record
 * (with `lastAttempt`) and does not fail the check: the mirror is
 * then all there is, and its last known state is what a failover needs. A source that does not exist in its region
 * (S3 NoSuchBucket, DynamoDB ResourceNotFoundException, EFS FileSystemNotFound: a wrong name in the plan, or deleted),
 * and an S3 source's mirror bucket missing here, fail that source's check with a note saying which, and the run goes
 * on to the other sources; so does a source, mirror bucket or replica that refuses the check's role (AccessDenied, a
 * KMS key policy: refused-mirror-access.ts), its note naming the side, the service's error and the grant likely missing.
 * An error of any other kind fails the run.
 */
export async function runMirrorCheck(input: MirrorCheckInput, deps: MirrorCheckDeps): Promise<MirrorCheckResult> {
  const checkedAt = new Date(deps.now()).toISOString();
  const results: MirrorCheckOfSource[] = [];
  let cause: string | undefined;
  const fromSource = new WeakSet<object>();
  for (const plan of deps.plans) {
    for (const source of plan.sources) {
      const mirror = mirrorOf(source);
      if (!mirror || (source.type === 'filesystem' && !deps.efs)) continue;
      const started = deps.now();
      const where =
        source.type === 's3'
          ? s3MirrorOf(source, deps.mirrorBucketPrefix)
          : source.type === 'dynamodb'
            ? `dynamodb table ${source.table} (${deps.mirrorRegion})`
            : `efs replica of ${deps.efs?.fileSystemId ?? '?'} (${deps.mirrorRegion})`;
      const passOver = source.type === 'filesystem' ? undefined : { source: passSourceOf(source), mirror: where };
      const stored = await deps.log.get(source.name);
      // A record of another source or mirror (the configuration changed): its cursor, differences and clean pass were
      // about other data (a clean pass that compared nothing of the new prefix would vouch for it), so a new pass starts.
      const sameData = !stored || source.type === 'filesystem' || otherDataThan(source, stored, where) === undefined;
      const previous = sameData ? stored : undefined;
      const after = previous?.cursor ?? '';
      const base = { environment: deps.environment, source: source.name, plan: plan.name, type: source.type, mirror: where, checkedAt, graceSeconds: input.graceSeconds, ...(passOver ? { passOver } : {}) };
      // A file system's samples earlier runs kept for a later sync (fileSystemRecord) stay kept by every run that cannot
      // judge them (no replica mounted, EFS or the source failing), so that samples read before an outage are judged after it.
      // Such a run says it did not compare (contentsCompared): the samples' age is then no sign that EFS has not synced (review r57O-1).
      const sourcePath = source.type === 'filesystem' ? source.path : undefined;
      const { awaitingSync: waiting, unconfirmed: heldMissing } = sourcePath === undefined ? { awaitingSync: [], unconfirmed: [] } : keptAwaitingSync(previous, sourcePath);
      const notCompared =
        sourcePath === undefined
          ? {}
          : {
              ...(waiting.length > 0 ? { awaitingSync: waiting } : {}),
              ...(heldMissing.length > 0 ? { unconfirmed: heldMissing } : {}),
              ...(waiting.length > 0 || heldMissing.length > 0 ? { awaitingSyncPath: sourcePath } : {}),
              contentsCompared: false as const,
            };
      let record: MirrorRecord;
      // The keys a run may follow in flight: as many as its window can find. A DynamoDB run reads a window of each side, up to
      // 2 × samples keys (review R2-F3: with the limit at samples, the replica's keys in flight went unfollowed and a pass
      // with any could never be clean).
      const windowKeys = source.type === 'dynamodb' ? 2 * input.samples : input.samples;
      const observed = (window: { differences: number; examples: MirrorDifference[] }) => ({
        checkedAt,
        now: deps.now(),
        startedPass: after === '',
        differences: window.differences,
        examples: window.examples,
        limit: Math.min(windowKeys, MAX_UNRESOLVED),
      });
      try {
        if (source.type === 'filesystem') {
          const efs = deps.efs as NonNullable<MirrorCheckDeps['efs']>;
          const state = await efsReplicationState(ofSourceRegion(efs.client(deps.sourceRegion), fromSource), efs.fileSystemId, deps.mirrorRegion, deps.now());
          const replica = state.destinationFileSystemId ? `efs ${state.destinationFileSystemId} (${deps.mirrorRegion}, replica of ${efs.fileSystemId})` : base.mirror;
          const unchecked = { ...base, mirror: replica, compared: 0, differences: 0, inFlight: 0, lagSeconds: state.lagSeconds, cursor: '' };
          const mounted = efs.replica;
          if (state.problem !== undefined) {
            record = { ...unchecked, ...notCompared, passed: false, durationMs: deps.now() - started, note: state.problem };
          } else if (!mounted) {
            record = { ...unchecked, ...notCompared, passed: true, durationMs: deps.now() - started, note: `EFS replication ${state.status}; contents not compared (no replica mount: set fileSystem.efs.replica); the lag is the time since EFS's last sync` };
          } else if (state.destinationFileSystemId !== undefined && state.destinationFileSystemId !== mounted.fileSystemId) {
            record = { ...unchecked, ...notCompared, passed: false, durationMs: deps.now() - started, note: `the mounted replica ${mounted.fileSystemId} is not the replication destination ${state.destinationFileSystemId}: set fileSystem.efs.replica to the destination's mount` };
          } else {
            // Samples the sampler read under another path (the configuration changed and it has not run since) name files of
            // the former directory: judged under the new one, each would be a false "missing from the mirror" (review r57O-2).
            // An item of an earlier sampler does not say its path: taken as read under the path configured now.
            const latest = await mounted.samples.get(source.name);
            const samples = readUnder(source.path, latest);
            const readElsewhere = samples === latest ? undefined : latest?.sourcePath;
            if (!samples && waiting.length === 0 && heldMissing.length === 0) {
              const why =
                readElsewhere === undefined
                  ? 'the primary region\'s sampler has recorded no samples of this source'
                  : `the primary region's sampler's latest samples were read under ${readElsewhere}, not under ${source.path} as configured now (its next run samples the new path)`;
              record = { ...unchecked, passed: true, durationMs: deps.now() - started, note: `EFS replication ${state.status}; contents not compared yet: ${why}` };
            } else {
              const lastSync = state.lagSeconds === null ? null : deps.now() - state.lagSeconds * 1000;
              const replicaRoot = mounted.directory(source.path);
              const judged = await compareFileWindows(windowsToJudge(waiting, samples), replicaRoot, lastSync);
              const held = await judgeUnconfirmed(heldMissing, samples?.sourceAnswers, (p) => replicaFileAt(replicaRoot, p), lastSync, checkedAt);
              record = { ...unchecked, ...fileSystemRecord(judged, held, { samples, readElsewhere }, lastSync, source.path, checkedAt), durationMs: deps.now() - started };
            }
          }
        } else if ((source.type === 's3' ? source.bucket : source.table) === NAME_IN_OTHER_REGION) {
          record = { ...base, passed: false, compared: 0, differences: 0, inFlight: 0, lagSeconds: null, cursor: '', durationMs: 0, note: 'the source\'s name is generated in the primary region and unknown here: name the bucket or table explicitly' };
        } else if (source.type === 's3') {
          const sides = [
            { s3: ofSourceRegion(deps.s3(deps.sourceRegion), fromSource), bucket: source.bucket },
            { s3: deps.s3(deps.mirrorRegion), bucket: `${deps.mirrorBucketPrefix}${source.name}` },
          ] as const;
          const window = await compareS3Mirror(sides[0], sides[1], { prefix: source.prefix, after, samples: input.samples, deleteMarkers: mirror.deleteMarkers, graceSeconds: input.graceSeconds, now: deps.now });
          const open = openDifferences(previous).listed.map((d) => ({ key: d.key, ...(d.foundAt !== undefined ? { foundAt: d.foundAt } : {}) }));
          const openKeys = new Set(open.map((k) => k.key));
          const pending = (previous?.pending ?? []).filter((p) => !openKeys.has(p.key)).map((p) => ({ key: p.key, pending: p }));
          const rechecked = await recheckS3Keys(sides[0], sides[1], [...open, ...pending], { deleteMarkers: mirror.deleteMarkers, graceSeconds: input.graceSeconds, now: deps.now });
          record = {
            ...base,
            ...mirrorVerdict(previous, { ...observed(window), lagSeconds: window.lagSeconds, inFlightKeys: window.inFlightKeys, inFlight: window.inFlight, rechecked, endedPass: window.cursor === '' }),
            compared: window.compared,
            inFlight: window.inFlight,
            cursor: window.cursor,
            rechecked: rechecked.length,
            durationMs: deps.now() - started,
          };
        } else {
          const sides = [
            { ddb: ofSourceRegion(deps.dynamodb(deps.sourceRegion), fromSource), table: source.table },
            { ddb: deps.dynamodb(deps.mirrorRegion), table: source.table },
          ] as const;
          const open = openDifferences(previous).listed.map((d) => ({ key: d.key, ...(d.replicaCopy !== undefined ? { replicaCopy: d.replicaCopy } : {}) }));
          const openKeys = new Set(open.map((k) => k.key));
          const pending = (previous?.pending ?? []).filter((p) => !openKeys.has(p.key)).map((p) => ({ key: p.key, pending: p }));
          // The window lists the keys followed already beside at most MAX_UNRESOLVED new ones, chosen anew at each run (review r1 F1 on 33caacf).
          const followed = new Set([...open, ...pending].map((k) => k.key));
          // The pass scans the replica too, for items only it holds (audit b5-3), each side from its own cursor.
          const position = dynamoDbPassPosition(previous);
          const window = await compareDynamoDbMirror(sides[0], { ...sides[1], region: deps.mirrorRegion }, {
            after: position.source,
            replicaAfter: position.replica,
            samples: input.samples,
            graceSeconds: input.graceSeconds,
            followed,
            rotation: checkedAt,
          });
          const next = nextDynamoDbPassPosition(position, window);
          // Without the replica nothing was compared or re-checked: the open differences stay as they were and the pass does not move.
          const missing = window.missingReplica !== undefined;
          const replicaCursor = missing ? previous?.replicaCursor : next.replicaCursor;
          const rechecked = await recheckDynamoDbKeys(sides[0], sides[1], missing ? [] : [...open, ...pending], { graceSeconds: input.graceSeconds, now: deps.now });
          const verdict = withReplicaCopies(
            mirrorVerdict(previous, {
              ...observed(window),
              lagSeconds: null,
              rechecked,
              inFlightKeys: (window.inFlightKeys ?? []).map((k) => ({ key: k.key })),
              inFlight: window.inFlight ?? 0,
              startedPass: !missing && position.startsPass,
              endedPass: !missing && next.endedPass,
            }),
            [...rechecked, ...(window.inFlightKeys ?? [])],
          );
          record = {
            ...base,
            ...verdict,
            passed: verdict.passed && !missing,
            compared: window.compared,
            inFlight: window.inFlight ?? 0,
            cursor: missing ? after : next.cursor,
            ...(replicaCursor !== undefined ? { replicaCursor } : {}),
            rechecked: rechecked.length,
            durationMs: deps.now() - started,
            note: window.missingReplica ?? 'lag not measured: DynamoDB reports ReplicationLatency to CloudWatch, which this check does not read',
          };
        }
      } catch (err) {
        const ofSource = sourceRegionError(err, fromSource);
        const why = ofSource === undefined ? undefined : unreachableReason(ofSource);
        if (why !== undefined) {
          // The source's region is down or failing (the mirror's is this one): keep the last comparison, note the attempt.
          const lastAttempt = { at: checkedAt, error: `source region ${deps.sourceRegion} unreachable: ${why}` };
          // A record of other data is kept as it is too: a failover does not take it for this source's (mirror-choice.ts).
          if (stored) await deps.log.record({ ...stored, lastAttempt });
          results.push({ source: source.name, mirror: where, passed: previous?.passed ?? false, compared: 0, differences: 0, inFlight: 0, lagSeconds: previous?.lagSeconds ?? null, unreachable: lastAttempt.error });
          continue;
        }
        // The source (its region answered that it does not exist) or an S3 source's mirror bucket (this region did) is missing:
        // that source's failed check, not the run's (review r6 R6-2: the run failed unrecorded, the other sources with it).
        // So is a side that refused the check's role (AccessDenied, a KMS key policy): its region answered, and the mirror
        // cannot be vouched for while the check cannot read it. On the DR side only the mirror or replica is read in this
        // try for an S3 or DynamoDB source (a file system's DR reads are the check's own catalog and mount: their errors stay the run's).
        const unchecked = uncheckedSourceNote(source, ofSource, err, deps);
        if (unchecked === undefined) throw err;
        // A new record, not the previous one amended: its clean pass and differences were about data that is not there
        // (or cannot be read) now, and a failover must not take the mirror on its word (a new pass starts once it is back).
        record = { ...base, ...notCompared, passed: false, compared: 0, differences: 0, inFlight: 0, lagSeconds: null, cursor: '', durationMs: deps.now() - started, note: unchecked };
      }
      await deps.log.record(record);
      if (!record.passed && cause === undefined) cause = causeOf(record);
      results.push({
        source: record.source,
        mirror: record.mirror,
        passed: record.passed,
        compared: record.compared,
        differences: record.differences,
        inFlight: record.inFlight,
        lagSeconds: record.lagSeconds,
        ...(record.firstDifference ? { firstDifference: reportedDifference(record.type, withoutReplicaCopy(record.firstDifference)) } : {}),
        ...(record.unresolvedSince !== undefined ? { unresolvedSince: record.unresolvedSince } : {}),
        ...(record.note !== undefined ? { note: record.note } : {}),
      });
    }
  }
  return { checkedAt, passed: cause === undefined, sources: results, ...(cause !== undefined ? { cause } : {}) };
}
