import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { newObservations } from '../../../../lambdas/sources/entry-sink';
import { addS3Shard } from '../../../../lambdas/sources/s3-object-entries';
import { type NewEntry } from '../../../../vault/archiver/snapshot-writer';

/**
 * addS3Shard against a scripted S3 client: the order of requests, and what happens to the body
 * stream and to errors when an object's tag read fails.
 */

type Call = { command: string; key: string };
type Script = (call: Call) => Promise<unknown>;

const BODY = Buffer.from('the body of the object');

function fakeS3(script: Script): { s3: S3Client; log: string[]; bodies: Map<string, Readable> } {
  const log: string[] = [];
  const bodies = new Map<string, Readable>();
  const send = async (command: { constructor: { name: string }; input: { Key?: string } }): Promise<unknown> => {
    const call = { command: command.constructor.name.replace(/Command$/, ''), key: command.input.Key ?? '' };
    log.push(`send ${call.command} ${call.key}`);
    try {
      const out = await script(call);
      if (call.command === 'GetObject' && out && typeof out === 'object' && 'Body' in out) bodies.set(call.key, (out as { Body: Readable }).Body);
      log.push(`done ${call.command} ${call.key}`);
      return out;
    } catch (err) {
      log.push(`fail ${call.command} ${call.key}`);
      throw err;
    }
  };
  // A real client (the SDK's listing paginator accepts nothing else) whose send is the script.
  const s3 = new S3Client({ region: 'us-east-1' });
  s3.send = send as unknown as S3Client['send'];
  return { s3, log, bodies };
}

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A bucket of `keys`: listing, GetObject (body + head, TagCount for a tagged key) and GetObjectTagging, each answered a
 * tick later, unless `override` answers. The keys in `tagged` (all by default) have one tag, `team`: the key.
 */
function bucket(keys: string[], override: (call: Call) => Promise<unknown> | undefined = () => undefined, tagged: ReadonlySet<string> = new Set(keys)): Script {
  return async (call) => {
    await tick();
    const special = override(call);
    if (special) return special;
    if (call.command === 'ListObjectsV2') return { Contents: keys.map((Key) => ({ Key, Size: BODY.length, ETag: `"${Key}"`, LastModified: new Date(0) })) };
    if (call.command === 'GetObject') return { Body: Readable.from([BODY]), ETag: `"${call.key}"`, ContentLength: BODY.length, LastModified: new Date(0), Metadata: { m: '1' }, ...(tagged.has(call.key) ? { TagCount: 1 } : {}) };
    if (call.command === 'GetObjectTagging') return { TagSet: tagged.has(call.key) ? [{ Key: 'team', Value: call.key }] : [] };
    throw new Error(`unexpected ${call.command}`);
  };
}

/** A sink that reads every body, like the SnapshotWriter does. */
function readingSink(): { sink: { add(e: NewEntry): Promise<void>; canReuse(): Promise<null> }; added: Array<{ entry: NewEntry; body: Buffer }> } {
  const added: Array<{ entry: NewEntry; body: Buffer }> = [];
  return {
    added,
    sink: {
      canReuse: () => Promise.resolve(null),
      add: async (entry) => {
        const chunks: Buffer[] = [];
        const content = typeof entry.content === 'function' ? entry.content() : entry.content;
        if (content !== undefined) for await (const c of Buffer.isBuffer(content) ? [content] : content) chunks.push(c);
        added.push({ entry, body: Buffer.concat(chunks) });
      },
    },
  };
}

describe('addS3Shard', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  afterEach(async () => {
    // Give a stray rejection the chance to surface before checking there was none.
    for (let i = 0; i < 5; i++) await tick();
    expect(unhandled).toEqual([]);
  });

  it('reads the tags of an object GetObject counts tags on, after that GetObject, and writes the entry with both', async () => {
    const { s3, log } = fakeS3(bucket(['a']));
    const { sink, added } = readingSink();
    const observations = newObservations();
    await addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, observations);
    expect(log.indexOf('send GetObjectTagging a')).toBeGreaterThan(log.indexOf('done GetObject a'));
    expect(added).toHaveLength(1);
    expect(added[0]?.entry).toMatchObject({ path: 'a', kind: 'object', changeToken: `"a":${BODY.length}`, meta: { key: 'a', tags: { team: 'a' }, metadata: { m: '1' }, etag: '"a"', size: BODY.length } });
    expect(added[0]?.body.equals(BODY)).toBe(true);
    expect(observations.vanished).toEqual([]);
  });

  it('sends no GetObjectTagging for untagged objects once one tag read of the run has succeeded (S3 counts tags only for a caller allowed to read them)', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const { s3, log } = fakeS3(bucket(keys, undefined, new Set(['k25'])));
    const { sink, added } = readingSink();
    await addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, newObservations());
    const tagReads = log.filter((l) => l.startsWith('send GetObjectTagging'));
    // The first objects, out before any tag read has answered, read theirs (at most the 8 in flight); later untagged ones do not.
    expect(tagReads.length).toBeGreaterThanOrEqual(1);
    expect(tagReads.length).toBeLessThanOrEqual(9);
    expect(tagReads).toContain('send GetObjectTagging k25');
    expect(tagReads).not.toContain('send GetObjectTagging k29');
    const tagsOf = new Map(added.map((a) => [a.entry.path, a.entry.meta['tags']]));
    expect(tagsOf.size).toBe(30);
    expect(tagsOf.get('k25')).toEqual({ team: 'k25' });
    expect([...tagsOf].filter(([k]) => k !== 'k25').every(([, tags]) => JSON.stringify(tags) === '{}')).toBe(true);
  });

  it('fails with the tag read’s error and destroys the body stream when the tags cannot be read', async () => {
    const { s3, bodies } = fakeS3(bucket(['a', 'b', 'c'], (call) => (call.command === 'GetObjectTagging' && call.key === 'b' ? Promise.reject(s3Error('AccessDenied', 403)) : undefined)));
    const { sink, added } = readingSink();
    // S3's refusal under one that names the object (audit a58A F1).
    await expect(addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, newObservations())).rejects.toMatchObject({ name: 'S3SourceReadError', cause: { name: 'AccessDenied' } });
    // The body of b was opened but never handed to the sink: it is destroyed unread, freeing the connection.
    expect(added.map((a) => a.entry.path)).not.toContain('b');
    expect(bodies.get('b')).toMatchObject({ destroyed: true, readableEnded: false });
    expect([...bodies.values()].every((b) => b.destroyed)).toBe(true);
  });

  it('counts an object deleted under either request as vanished, whichever answers first', async () => {
    const deleted = (key: string, command: string, delay: number) => (call: Call) =>
      call.key === key && call.command === command
        ? (async () => {
            for (let i = 0; i < delay; i++) await tick();
            throw s3Error('NoSuchKey', 404);
          })()
        : undefined;
    for (const [command, delay] of [
      ['GetObject', 0],
      ['GetObject', 5],
      ['GetObjectTagging', 0],
      ['GetObjectTagging', 5],
    ] as const) {
      const { s3, bodies } = fakeS3(bucket(['a', 'gone', 'z'], deleted('gone', command, delay)));
      const { sink, added } = readingSink();
      const observations = newObservations();
      await addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, observations);
      expect(observations.vanished).toEqual(['gone']);
      expect(added.map((a) => a.entry.path).sort()).toEqual(['a', 'z']);
      expect([...bodies.values()].every((b) => b.destroyed)).toBe(true);
    }
  });

  describe('the headers S3 keeps with an object (Content-Encoding, Cache-Control …)', () => {
    const HEADERS = { ContentEncoding: 'gzip', CacheControl: 'no-cache', ContentDisposition: 'inline', ContentLanguage: 'fr', ExpiresString: '0', WebsiteRedirectLocation: '/a' };
    const RECORDED = { contentEncoding: 'gzip', cacheControl: 'no-cache', contentDisposition: 'inline', contentLanguage: 'fr', expires: '0', websiteRedirectLocation: '/a' };
    /** A parent entry of `a` with the listing's change token and LastModified: reusable unread. */
    const parent = (meta: Record<string, unknown>) => ({ path: 'a', kind: 'object' as const, size: BODY.length, content: ['00'.repeat(32)], meta: { key: 'a', metadata: { m: '1' }, tags: {}, etag: '"a"', size: BODY.length, lastModified: new Date(0).toISOString(), ...meta } });
    const reusingSink = (prev: ReturnType<typeof parent>) => {
      const added: NewEntry[] = [];
      return { added, sink: { canReuse: () => Promise.resolve(prev), add: (entry: NewEntry) => Promise.resolve(void added.push(entry)) } };
    };

    it('records those GetObject answers in meta.headers, and an empty record for an object without any', async () => {
      const { s3 } = fakeS3(bucket(['a', 'b'], (call) => (call.command === 'GetObject' && call.key === 'a' ? Promise.resolve({ Body: Readable.from([BODY]), ETag: '"a"', ContentLength: BODY.length, LastModified: new Date(0), ...HEADERS }) : undefined)));
      const { sink, added } = readingSink();
      await addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, newObservations());
      expect(Object.fromEntries(added.map((a) => [a.entry.path, a.entry.meta['headers']]))).toEqual({ a: RECORDED, b: {} });
    });

    it('reuses an unchanged object’s headers from its parent entry, with no HeadObject', async () => {
      const { s3, log } = fakeS3(bucket(['a']));
      const { sink, added } = reusingSink(parent({ headers: RECORDED }));
      await addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, newObservations());
      expect(log.filter((l) => l.startsWith('send') && !l.includes('ListObjects'))).toEqual(['send GetObjectTagging a']);
      expect(added[0]?.meta['headers']).toEqual(RECORDED);
      // Audit R14 F1: the parent entry's content goes with it, so that a writer that dropped its parent since cannot record it empty.
      expect(added[0]?.stored).toEqual({ size: BODY.length, content: ['00'.repeat(32)] });
      expect(added[0]?.reused).toBe(true);
    });

    // LastModified has whole seconds: a copy-in-place in the same second as the write before it, after the parent read the object, does not move it.
    it('reads them with a HeadObject when the object was written less than 5 s before the parent backup started, and trusts the parent otherwise', async () => {
      const head = (call: Call) => (call.command === 'HeadObject' ? Promise.resolve({ ETag: '"a"', ContentLength: BODY.length, LastModified: new Date(0), Metadata: { m: 'copied' }, ...HEADERS }) : undefined);
      const young = fakeS3(bucket(['a'], head));
      const youngSink = reusingSink(parent({ headers: RECORDED }));
      await addS3Shard(young.s3, { bucket: 'b', prefix: '' }, youngSink.sink, newObservations(), { parentStartedAt: new Date(4_999).toISOString() });
      expect(young.log).toContain('send HeadObject a');
      expect(youngSink.added[0]?.meta['metadata']).toEqual({ m: 'copied' });
      expect(youngSink.added[0]?.stored).toEqual({ size: BODY.length, content: ['00'.repeat(32)] });

      const old = fakeS3(bucket(['a'], head));
      const oldSink = reusingSink(parent({ headers: RECORDED }));
      await addS3Shard(old.s3, { bucket: 'b', prefix: '' }, oldSink.sink, newObservations(), { parentStartedAt: new Date(5_000).toISOString() });
      expect(old.log).not.toContain('send HeadObject a');
      expect(oldSink.added[0]?.meta['metadata']).toEqual({ m: '1' });
    });

    it('reads them with a HeadObject when the parent entry predates recorded headers, which says nothing of them', async () => {
      const { s3, log } = fakeS3(
        bucket(['a'], (call) => (call.command === 'HeadObject' ? Promise.resolve({ ETag: '"a"', ContentLength: BODY.length, LastModified: new Date(0), Metadata: { m: '1' }, ...HEADERS }) : undefined)),
      );
      const { sink, added } = reusingSink(parent({}));
      await addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, newObservations());
      expect(log).toContain('send HeadObject a');
      expect(log).not.toContain('send GetObject a');
      expect(added[0]).toMatchObject({ meta: { headers: RECORDED }, changeToken: `"a":${BODY.length}` });
      expect(added[0]?.content).toBeUndefined();
    });
  });

  it('reports the GetObject error, and reads no tags of an object it could not read', async () => {
    const { s3, log } = fakeS3(
      bucket(['a'], (call) => {
        if (call.command === 'GetObject') return Promise.reject(s3Error('InternalError', 500));
        if (call.command === 'GetObjectTagging') return Promise.reject(s3Error('NoSuchKey', 404));
        return undefined;
      }),
    );
    const { sink } = readingSink();
    await expect(addS3Shard(s3, { bucket: 'b', prefix: '' }, sink, newObservations())).rejects.toMatchObject({ name: 'InternalError' });
    expect(log.filter((l) => l.includes('GetObjectTagging'))).toEqual([]);
  });
});
