import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { newObservations } from '../../../../lambdas/sources/entry-sink';
import { addS3Shard } from '../../../../lambdas/sources/s3-object-entries';
import { addS3RangePiece, type PieceSink } from '../../../../lambdas/sources/s3-range-piece';
import { cutS3KeyRanges } from '../../../../lambdas/sources/s3-key-range-cutter';
import { type S3ObjectSummary } from '../../../../lambdas/sources/s3-bucket-source';
import { type NewEntry } from '../../../../vault/archiver/snapshot-writer';

/**
 * Archived source objects (audit R14 F2): GLACIER and DEEP_ARCHIVE objects, and Intelligent-Tiering
 * archive tiers, which S3 refuses to GetObject (403 InvalidObjectState). A key-range shard leaves them
 * out and names them in observations.skipped; a range piece fails naming the object; the planner does
 * not split them.
 */

type Call = { command: string; key: string; input: Record<string, unknown> };
type Listed = { Key: string; StorageClass?: string; RestoreStatus?: { IsRestoreInProgress?: boolean; RestoreExpiryDate?: Date } };

const BODY = Buffer.from('the body of the object');

function fakeS3(answer: (call: Call) => Promise<unknown>): { s3: S3Client; sent: string[] } {
  const sent: string[] = [];
  const s3 = new S3Client({ region: 'us-east-1' });
  s3.send = (async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const call = { command: command.constructor.name.replace(/Command$/, ''), key: typeof command.input['Key'] === 'string' ? command.input['Key'] : '', input: command.input };
    sent.push(`${call.command} ${call.key}`);
    return answer(call);
  }) as unknown as S3Client['send'];
  return { s3, sent };
}

/** S3's refusal of an archived object, as the SDK gives it (StorageClass and AccessTier parsed from the error body). */
function invalidObjectState(storageClass: string, accessTier?: string): Error {
  return Object.assign(new Error("The operation is not valid for the object's storage class"), {
    name: 'InvalidObjectState',
    $metadata: { httpStatusCode: 403 },
    StorageClass: storageClass,
    ...(accessTier !== undefined ? { AccessTier: accessTier } : {}),
  });
}

/** A bucket listing `objects`; GetObject answers each (or refuses it with `refuse`), no object has tags. */
function bucket(objects: Listed[], refuse: (key: string) => Error | undefined = () => undefined): (call: Call) => Promise<unknown> {
  return async (call) => {
    if (call.command === 'ListObjectsV2') return { Contents: objects.map((o) => ({ ...o, Size: BODY.length, ETag: `"${o.Key}"`, LastModified: new Date(0) })) };
    if (call.command === 'GetObject') {
      const refusal = refuse(call.key);
      if (refusal) throw refusal;
      return { Body: Readable.from([BODY]), ETag: `"${call.key}"`, ContentLength: BODY.length, LastModified: new Date(0), Metadata: {} };
    }
    if (call.command === 'GetObjectTagging') return { TagSet: [] };
    if (call.command === 'HeadObject') return { ETag: `"${call.key}"`, ContentLength: BODY.length, LastModified: new Date(0), Metadata: {}, StorageClass: 'GLACIER' };
    throw new Error(`unexpected ${call.command}`);
  };
}

function readingSink(prev: (path: string) => unknown = () => null): { sink: { add(e: NewEntry): Promise<void>; canReuse(path: string): Promise<never> }; added: NewEntry[] } {
  const added: NewEntry[] = [];
  return {
    added,
    sink: {
      canReuse: (path: string) => Promise.resolve(prev(path) as never),
      add: async (entry) => {
        const content = typeof entry.content === 'function' ? entry.content() : entry.content;
        if (content !== undefined && !Buffer.isBuffer(content)) for await (const chunk of content) void chunk;
        added.push(entry);
      },
    },
  };
}

const SKIPPED_GLACIER = 'cold/a.bin: in storage class GLACIER (archived); not backed up: restore it (S3 RestoreObject) or move it to a readable class to have it backed up';

describe('archived source objects', () => {
  describe('addS3Shard', () => {
    it('sends no GetObject for an object the listing says is GLACIER or DEEP_ARCHIVE, reports it skipped and backs up the rest', async () => {
      const { s3, sent } = fakeS3(bucket([{ Key: 'cold/a.bin', StorageClass: 'GLACIER' }, { Key: 'cold/b.bin', StorageClass: 'DEEP_ARCHIVE' }, { Key: 'ir.txt', StorageClass: 'GLACIER_IR' }, { Key: 'warm.txt', StorageClass: 'STANDARD' }]));
      const { sink, added } = readingSink();
      const observations = newObservations();
      await addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, observations);
      expect(sent.filter((s) => s.startsWith('GetObject ')).sort()).toEqual(['GetObject ir.txt', 'GetObject warm.txt']);
      expect(added.map((e) => e.path).sort()).toEqual(['ir.txt', 'warm.txt']);
      expect(observations.skipped.sort()).toEqual([
        SKIPPED_GLACIER,
        'cold/b.bin: in storage class DEEP_ARCHIVE (archived); not backed up: restore it (S3 RestoreObject) or move it to a readable class to have it backed up',
      ]);
      expect(observations.vanished).toEqual([]);
    });

    it('reads an archived object the listing says has a restored copy (RestoreStatus), and asks the listing for it', async () => {
      const listed = [{ Key: 'cold/a.bin', StorageClass: 'GLACIER', RestoreStatus: { IsRestoreInProgress: false, RestoreExpiryDate: new Date('2030-01-01') } }, { Key: 'cold/c.bin', StorageClass: 'GLACIER', RestoreStatus: { IsRestoreInProgress: true } }];
      const inputs: Array<Record<string, unknown>> = [];
      const answer = bucket(listed);
      const { s3 } = fakeS3((call) => {
        if (call.command === 'ListObjectsV2') inputs.push(call.input);
        return answer(call);
      });
      const { sink, added } = readingSink();
      const observations = newObservations();
      await addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, observations);
      expect(inputs[0]?.['OptionalObjectAttributes']).toEqual(['RestoreStatus']);
      expect(added.map((e) => e.path)).toEqual(['cold/a.bin']);
      expect(observations.skipped).toEqual([expect.stringMatching(/^cold\/c\.bin: in storage class GLACIER \(archived\); not backed up/)]);
    });

    it('reports an object GetObject refuses with InvalidObjectState (an Intelligent-Tiering archive tier, listed as INTELLIGENT_TIERING) as skipped, naming the tier', async () => {
      const { s3 } = fakeS3(bucket([{ Key: 'it/a', StorageClass: 'INTELLIGENT_TIERING' }, { Key: 'it/b', StorageClass: 'INTELLIGENT_TIERING' }], (key) => (key === 'it/a' ? invalidObjectState('INTELLIGENT_TIERING', 'ARCHIVE_ACCESS') : undefined)));
      const { sink, added } = readingSink();
      const observations = newObservations();
      await addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, observations);
      expect(added.map((e) => e.path)).toEqual(['it/b']);
      expect(observations.skipped).toEqual(['it/a: in storage class INTELLIGENT_TIERING, tier ARCHIVE_ACCESS (archived); not backed up: restore it (S3 RestoreObject) or move it to a readable class to have it backed up']);
      expect(observations.vanished).toEqual([]);
    });

    it('keeps reusing an archived object unchanged since the parent (its content there is good), with no GetObject', async () => {
      const prev = { path: 'cold/a.bin', kind: 'object', size: BODY.length, content: ['00'.repeat(32)], meta: { key: 'cold/a.bin', headers: {}, metadata: {}, tags: {}, etag: '"cold/a.bin"', size: BODY.length, lastModified: new Date(0).toISOString() } };
      const { s3, sent } = fakeS3(bucket([{ Key: 'cold/a.bin', StorageClass: 'GLACIER' }]));
      const { sink, added } = readingSink((path) => (path === 'cold/a.bin' ? prev : null));
      const observations = newObservations();
      await addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, observations);
      expect(sent).not.toContain('GetObject cold/a.bin');
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({ path: 'cold/a.bin', reused: true, stored: { size: BODY.length, content: prev.content } });
      expect(observations.skipped).toEqual([]);
    });
  });

  describe('addS3RangePiece', () => {
    it('fails with S3SourceObjectArchivedError naming the bucket, the key, the tier and what to do when the range is refused as archived', async () => {
      const { s3 } = fakeS3(async (call) => {
        if (call.command === 'GetObjectTagging') return { TagSet: [] };
        if (call.command === 'GetObject') throw invalidObjectState('INTELLIGENT_TIERING', 'DEEP_ARCHIVE_ACCESS');
        throw new Error(`unexpected ${call.command}`);
      });
      const sink: PieceSink = { add: () => Promise.resolve(), canReuse: () => Promise.resolve(null), storeContent: () => Promise.reject(new Error('not reached')) };
      const spec = { bucket: 'src', key: 'big/x.bin', etag: '"e"', size: 100, start: 0, end: 50, piece: 0, pieces: 2 };
      const failure = addS3RangePiece(s3, spec, sink);
      await expect(failure).rejects.toMatchObject({ name: 'S3SourceObjectArchivedError', bucket: 'src', key: 'big/x.bin' });
      await expect(failure).rejects.toThrow(/"big\/x\.bin" in bucket src is archived \(INTELLIGENT_TIERING, tier DEEP_ARCHIVE_ACCESS\).*Restore it \(S3 RestoreObject\)/);
    });
  });

  describe('cutS3KeyRanges', () => {
    async function cut(objects: S3ObjectSummary[], lookUp?: (key: string) => Promise<S3ObjectSummary | undefined>) {
      const out = [];
      for await (const range of cutS3KeyRanges(
        (async function* () {
          yield* objects;
        })(),
        { keys: 100, bytes: 10 },
        { bucket: 'b', ...(lookUp ? { lookUp } : {}) },
      ))
        out.push(range);
      return out;
    }

    it('does not split an archived object larger than a shard: its key range counts it, to leave it out and report it', async () => {
      const ranges = await cut([
        { key: 'a', size: 5, etag: '"a"' },
        { key: 'big-cold', size: 1000, etag: '"c"', storageClass: 'DEEP_ARCHIVE' },
        { key: 'big-warm', size: 1000, etag: '"w"', storageClass: 'STANDARD' },
      ]);
      expect(ranges.filter((r) => r.split).map((r) => r.split?.key)).toEqual(['big-warm']);
      expect(ranges[0]).toMatchObject({ range: { endAt: 'big-cold' }, keys: 2, closed: true });
    });

    it('does not split one the live lookup (HeadObject) finds archived either, but splits a restored one', async () => {
      const live: Record<string, S3ObjectSummary> = {
        'big-cold': { key: 'big-cold', size: 1000, etag: '"c"', storageClass: 'GLACIER' },
        'big-thawed': { key: 'big-thawed', size: 1000, etag: '"t"', storageClass: 'GLACIER', restored: true },
      };
      const ranges = await cut(
        [
          { key: 'big-cold', size: 1000, etag: '' },
          { key: 'big-thawed', size: 1000, etag: '' },
        ],
        (key) => Promise.resolve(live[key]),
      );
      expect(ranges.filter((r) => r.split).map((r) => r.split?.key)).toEqual(['big-thawed']);
    });
  });
});
