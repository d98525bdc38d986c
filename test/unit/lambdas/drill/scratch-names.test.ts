import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type LifecycleRule, S3Client } from '@aws-sdk/client-s3';
import {
  cleanUpDrill,
  DEFAULT_DRILL_TIMEOUT_SECONDS,
  drillScratchPrefix,
  drillTimeoutSecondsOf,
  scratchDirectoryRootOf,
  scratchTargetName,
  scratchTargetOf,
} from '../../../../lambdas/drill/scratch-targets';
import { SCRATCH_DELETE_MARKER_RULE, SCRATCH_EXPIRY_RULE } from '../../../../lambdas/drill/scratch-bucket-expiry';
import { ABORT_INCOMPLETE_UPLOADS_RULE } from '../../../../lambdas/restore/target-upload-lifecycle';
import { InvalidEnvironmentError } from '../../../../lambdas/runtime/errors';
import { DrillScratchError } from '../../../../lambdas/drill/drill-errors';
import { movedBeforeStop, removeScratchDirectory } from '../../../../lambdas/drill/scratch-directory-removal';

const PREFIX = 'lifeboat-dev-drill-';
const DRILL = '20261130T210526Z-1a2b3c4d';

describe('drill scratch target names', () => {
  it('are <drill prefix><8 hex of the drill id>-<source>, lowercased', () => {
    const name = scratchTargetName(PREFIX, DRILL, 'Assets');
    expect(name).toMatch(/^lifeboat-dev-drill-[0-9a-f]{8}-assets$/);
    expect(name.startsWith(drillScratchPrefix(PREFIX, DRILL))).toBe(true);
    expect(drillScratchPrefix(PREFIX, DRILL)).not.toBe(drillScratchPrefix(PREFIX, '20261130T210527Z-1a2b3c4d'));
  });

  it('fit 63 characters, keep the drill’s prefix, and stay distinct for long names', () => {
    const long = 'a-very-long-source-name-of-exactly-thirty-two';
    const a = scratchTargetName(PREFIX, DRILL, `${long}-one`);
    const b = scratchTargetName(PREFIX, DRILL, `${long}-two`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a.startsWith(drillScratchPrefix(PREFIX, DRILL))).toBe(true);
    expect(a).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
  });

  it('are the bucket, the table, or a directory under the mount', () => {
    const name = scratchTargetName(PREFIX, DRILL, 'x');
    expect(scratchTargetOf({ type: 's3', name: 'x', bucket: 'b', prefix: 'p/' }, name)).toEqual({ type: 's3', bucket: name, prefix: '' });
    expect(scratchTargetOf({ type: 'dynamodb', name: 'x', table: 't' }, name)).toEqual({ type: 'dynamodb', table: name });
    const root = scratchDirectoryRootOf({ mountPath: '/mnt/lifeboat' }, (p) => p);
    expect(scratchTargetOf({ type: 'filesystem', name: 'x', path: '/mnt/lifeboat/x' }, name, root)).toEqual({ type: 'filesystem', path: `/mnt/lifeboat/${name}` });
    expect(scratchDirectoryRootOf({ fsRoot: '/tmp/fs' }, (p) => `/tmp/fs${p}`)).toEqual({ configured: '/', real: '/tmp/fs/' });
    expect(() => scratchTargetOf({ type: 'filesystem', name: 'x', path: '/data' }, name, undefined)).toThrow(DrillScratchError);
  });

  it('the sweep’s drill timeout comes from LIFEBOAT_DRILL_TIMEOUT_SECONDS; unset, the longest (72 h)', () => {
    expect(drillTimeoutSecondsOf('86400')).toBe(86_400);
    expect(drillTimeoutSecondsOf(undefined)).toBe(DEFAULT_DRILL_TIMEOUT_SECONDS);
    expect(DEFAULT_DRILL_TIMEOUT_SECONDS).toBe(259_200);
    expect(() => drillTimeoutSecondsOf('1.5')).toThrow(InvalidEnvironmentError);
  });
});

/**
 * S3 on a modelled clock (audit aW1-1): each request moves the clock by what it takes in AWS; past the invocation's
 * end every request fails, as a Lambda killed at its timeout runs no more code. Buckets hold a count of versions.
 */
function modelledS3(
  buckets: Map<string, { created: Date; versions: number; rules: LifecycleRule[] }>,
  invocationMs: number,
  lifecycleRefusal?: Error,
  refused: Record<string, Error> = {},
  /** Time the invocation spent outside S3 so far, for `emptyingFrom`. */
  elsewhereMs: () => number = () => 0,
) {
  const cost: Record<string, number> = { ListObjectVersionsCommand: 150, DeleteObjectsCommand: 300 };
  // emptyingFrom: bucket → when (S3's and the rest's time) its first ListObjectVersions was sent.
  const model = { clock: 0, inFlight: 0, maxDeletesInFlight: 0, deletesInFlight: 0, puts: new Map<string, LifecycleRule[]>(), emptyingFrom: new Map<string, number>() };
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> => {
    const name = command.constructor.name;
    const input = command.input as { Bucket?: string; Prefix?: string; Delete?: { Objects: unknown[] }; LifecycleConfiguration?: { Rules: LifecycleRule[] } };
    if (name === 'ListObjectVersionsCommand' && input.Bucket !== undefined && !model.emptyingFrom.has(input.Bucket)) model.emptyingFrom.set(input.Bucket, model.clock + elsewhereMs());
    model.clock += cost[name] ?? 100;
    if (model.clock > invocationMs) throw Object.assign(new Error('Task timed out'), { name: 'Sandbox.Timedout' });
    const refusal = refused[name];
    if (refusal) throw refusal;
    const deleting = name === 'DeleteObjectsCommand';
    if (deleting) model.maxDeletesInFlight = Math.max(model.maxDeletesInFlight, ++model.deletesInFlight);
    // Turns of the event loop in proportion to the cost, no real time: requests sent together are in flight together.
    for (let turn = 0; turn < (cost[name] ?? 100) / 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    if (deleting) model.deletesInFlight--;
    const bucket = input.Bucket !== undefined ? buckets.get(input.Bucket) : undefined;
    if (input.Bucket !== undefined && !bucket) throw Object.assign(new Error('no such bucket'), { name: 'NoSuchBucket' });
    switch (name) {
      case 'ListBucketsCommand':
        return { Buckets: [...buckets].filter(([b]) => b.startsWith(input.Prefix ?? '')).map(([b, v]) => ({ Name: b, CreationDate: v.created })) };
      case 'ListObjectVersionsCommand': {
        const n = Math.min(1000, bucket!.versions);
        return { Versions: Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, VersionId: `v${i}` })), IsTruncated: bucket!.versions > 1000, NextKeyMarker: 'k', NextVersionIdMarker: 'v' };
      }
      case 'DeleteObjectsCommand':
        bucket!.versions -= input.Delete!.Objects.length;
        return { Errors: [] };
      case 'GetBucketLifecycleConfigurationCommand':
        if (bucket!.rules.length === 0) throw Object.assign(new Error('none'), { name: 'NoSuchLifecycleConfiguration' });
        return { Rules: bucket!.rules };
      case 'PutBucketLifecycleConfigurationCommand':
        if (lifecycleRefusal) throw lifecycleRefusal;
        bucket!.rules = input.LifecycleConfiguration!.Rules;
        model.puts.set(input.Bucket!, bucket!.rules);
        return {};
      case 'DeleteBucketCommand':
        if (bucket!.versions > 0) throw Object.assign(new Error('not empty'), { name: 'BucketNotEmpty' });
        buckets.delete(input.Bucket!);
        return {};
      default:
        // PutBucketPolicy, an empty ListMultipartUploads and ListObjectsV2.
        return { Uploads: [], Contents: [], IsTruncated: false };
    }
  };
  // A client of the SDK's (its paginators check the class) whose requests go to the model.
  return { s3: Object.assign(new S3Client({ region: 'eu-west-1' }), { send }) as unknown as S3Client, model };
}

describe('a drill cleanup on the clock of its invocation (audit aW1-1)', () => {
  // Shorter than the 15 minutes of drill-cleanup's Lambda, so that the test lists fewer pages; the same cut.
  const INVOCATION_MS = 2 * 60 * 1000;
  const DRILL_STARTED = new Date('2026-12-07T03:00:00Z');
  const dynamodb = Object.assign(new DynamoDBClient({ region: 'eu-west-1' }), { send: async () => ({ TableNames: [] }) }) as unknown as DynamoDBClient;
  const abortRule: LifecycleRule = { ID: ABORT_INCOMPLETE_UPLOADS_RULE, Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } };
  const own = `${drillScratchPrefix(PREFIX, DRILL)}photos`;

  async function cleanUp(
    buckets: Map<string, { created: Date; versions: number; rules: LifecycleRule[] }>,
    options: {
      lifecycleRefusal?: Error;
      refused?: Record<string, Error>;
      directoryRoot?: string;
      /** Time spent outside S3 (removing directories, listing tables), in milliseconds. */
      directoryMs?: () => number;
      tables?: DynamoDBClient;
      localCloud?: boolean;
    } = {},
  ) {
    const { s3, model } = modelledS3(buckets, INVOCATION_MS, options.lifecycleRefusal, options.refused, () => options.directoryMs?.() ?? 0);
    const elapsed = () => model.clock + (options.directoryMs?.() ?? 0);
    const directoryRoot = options.directoryRoot !== undefined ? { configured: '/mnt/lifeboat', real: options.directoryRoot } : undefined;
    const deps = { s3, dynamodb: options.tables ?? dynamodb, sources: [], region: 'eu-west-1', directoryRoot, localCloud: options.localCloud, deadline: () => INVOCATION_MS - elapsed() };
    const cleanup = await cleanUpDrill({ drillId: DRILL, sweep: true, now: new Date(DRILL_STARTED.getTime() + 6 * 3_600_000), drillTimeoutSeconds: 86_400 }, PREFIX, deps);
    return { cleanup, model, elapsed: elapsed() };
  }

  it('cut by its deadline, leaves its bucket sealed with rules that expire every version, and says S3 empties it', async () => {
    // More versions than the invocation has time to delete (a DeleteObjects of 1,000 a page, 4 at a time).
    const buckets = new Map([[own, { created: DRILL_STARTED, versions: 1_000_000, rules: [abortRule] }]]);
    const { cleanup, model } = await cleanUp(buckets);
    expect(model.clock).toBeLessThanOrEqual(INVOCATION_MS);
    expect(cleanup.removed).toEqual([]);
    expect(cleanup.errors).toEqual([
      expect.stringMatching(new RegExp(`^s3://${own}/: not emptied within this cleanup's time \\(\\d+ object versions deleted\\); left sealed, with lifecycle rules that expire every object version after 1 day: S3 empties it within about 2 days, and a later drill's cleanup sweeps the empty bucket$`)),
    ]);
    // The abort rule the bucket was made with is kept beside the expiry rules.
    expect(model.puts.get(own)).toEqual([
      abortRule,
      expect.objectContaining({ ID: SCRATCH_EXPIRY_RULE, Status: 'Enabled', Expiration: { Days: 1 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }),
      expect.objectContaining({ ID: SCRATCH_DELETE_MARKER_RULE, Status: 'Enabled', Expiration: { ExpiredObjectDeleteMarker: true } }),
    ]);
    expect(buckets.has(own)).toBe(true);
    expect(model.maxDeletesInFlight).toBeGreaterThan(1);
    expect(model.maxDeletesInFlight).toBeLessThanOrEqual(4);
  });

  it('cut by its deadline on the local cloud, says the rules do not run there and a later sweep empties the bucket (fix fA 3)', async () => {
    const buckets = new Map([[own, { created: DRILL_STARTED, versions: 1_000_000, rules: [abortRule] }]]);
    const { cleanup } = await cleanUp(buckets, { localCloud: true });
    expect(cleanup.errors).toEqual([
      expect.stringMatching(
        new RegExp(`^s3://${own}/: not emptied within this cleanup's time \\(\\d+ object versions deleted\\); left sealed, with lifecycle rules that expire every object version after 1 day, which the local cloud does not run: a later drill's cleanup empties and deletes it$`),
      ),
    ]);
  });

  it('stops listing tables when its time runs out, and says what it did not look at (fix fA 2)', async () => {
    // An account with 10,000 tables, 100 a ListTables page, each page a second; this drill's table sorts last.
    const names = [...Array.from({ length: 10_000 }, (_, i) => `app-table-${String(i).padStart(5, '0')}`), `${drillScratchPrefix(PREFIX, DRILL)}orders`];
    const calls: string[] = [];
    let tablesMs = 0;
    const send = async (command: { constructor: { name: string }; input: { ExclusiveStartTableName?: string } }): Promise<unknown> => {
      calls.push(command.constructor.name);
      tablesMs += 1_000;
      if (command.constructor.name !== 'ListTablesCommand') return { Table: { CreationDateTime: DRILL_STARTED } };
      const from = command.input.ExclusiveStartTableName === undefined ? 0 : names.indexOf(command.input.ExclusiveStartTableName) + 1;
      const page = names.slice(from, from + 100);
      return { TableNames: page, LastEvaluatedTableName: from + 100 < names.length ? page[page.length - 1] : undefined };
    };
    const tables = Object.assign(new DynamoDBClient({ region: 'eu-west-1' }), { send }) as unknown as DynamoDBClient;
    const { cleanup, elapsed } = await cleanUp(new Map(), { tables, directoryMs: () => tablesMs });
    // Stopped a page past the cleanup's margin, not after all 101 pages.
    expect(elapsed).toBeLessThanOrEqual(INVOCATION_MS - 60_000 + 1_000);
    expect(calls).not.toContain('DescribeTableCommand');
    expect(cleanup.removed).toEqual([]);
    expect(cleanup.errors).toEqual([
      expect.stringMatching(
        new RegExp(`^the listing of scratch targets named ${drillScratchPrefix(PREFIX, DRILL)}\\* ran out of this cleanup's time before it looked at the tables after app-table-\\d{5}; what it did not look at stays for a later drill's sweep$`),
      ),
      `the listing of scratch targets named ${PREFIX}* ran out of this cleanup's time before it looked at the buckets and the tables; what it did not look at stays for a later drill's sweep`,
    ]);
  });

  /**
   * `count` tables an earlier drill left (two weeks old, so the sweep takes them), in one ListTables page, on a clock:
   * each DescribeTable and DeleteTable costs what it is given (review rA's reproductions).
   */
  function leftoverTables(count: number, costs: { describeMs: number; deleteMs: number }) {
    const names = Array.from({ length: count }, (_, i) => `${drillScratchPrefix(PREFIX, '20261123T030000Z-1a2b3c4d')}t${String(i).padStart(4, '0')}`);
    const state = { ms: 0, deleted: [] as string[] };
    const send = async (command: { constructor: { name: string }; input: { TableName?: string } }): Promise<unknown> => {
      const name = command.constructor.name;
      state.ms += name === 'ListTablesCommand' ? 100 : name === 'DescribeTableCommand' ? costs.describeMs : costs.deleteMs;
      if (name === 'ListTablesCommand') return { TableNames: names };
      if (name === 'DescribeTableCommand') return { Table: { CreationDateTime: new Date(DRILL_STARTED.getTime() - 14 * 86_400_000) } };
      state.deleted.push(command.input.TableName ?? '');
      return {};
    };
    return { names, state, tables: Object.assign(new DynamoDBClient({ region: 'eu-west-1' }), { send }) as unknown as DynamoDBClient };
  }
  // What the cleanup may use of the invocation: all but CLEANUP_MARGIN_MS (60 s).
  const USABLE_MS = INVOCATION_MS - 60_000;

  it('gives the sweep one quarter of its time, its listing included, and the drill’s own bucket the rest (review rA F1)', async () => {
    const leftovers = leftoverTables(100, { describeMs: 1_000, deleteMs: 1_000 });
    const buckets = new Map([[own, { created: DRILL_STARTED, versions: 1_000_000, rules: [abortRule] }]]);
    const { cleanup, model, elapsed } = await cleanUp(buckets, { tables: leftovers.tables, directoryMs: () => leftovers.state.ms });
    // The sweep listed and deleted tables within a quarter (~15 s) and the own bucket was emptied for the other ~45 s;
    // a share for the listing and another of what was left for the removal gave the sweep 7/16 (~26 s), the bucket ~34 s.
    const ownFrom = model.emptyingFrom.get(own) ?? elapsed;
    expect(ownFrom).toBeLessThanOrEqual(USABLE_MS / 4 + 2_000);
    expect(elapsed - ownFrom).toBeGreaterThanOrEqual(0.75 * USABLE_MS - 2_000);
    expect(cleanup.errors).toContainEqual(expect.stringContaining(`s3://${own}/: not emptied within this cleanup's time`));
  });

  it('starts no DeleteTable once its time is up, and names the tables it did not reach (review rA F2)', async () => {
    // The listing is quick (50 ms a table); the deletes, a second each, are more than the sweep's quarter holds.
    const leftovers = leftoverTables(100, { describeMs: 50, deleteMs: 1_000 });
    const buckets = new Map([[own, { created: DRILL_STARTED, versions: 1_000_000, rules: [abortRule] }]]);
    const { cleanup, model, elapsed } = await cleanUp(buckets, { tables: leftovers.tables, directoryMs: () => leftovers.state.ms });
    // Deleting every table it listed ran 40 s past the cleanup's time, and the drill's own bucket got none.
    expect(elapsed).toBeLessThanOrEqual(USABLE_MS + 1_000);
    expect(model.emptyingFrom.get(own)).toBeLessThanOrEqual(USABLE_MS / 4 + 1_000);
    const deleted = leftovers.state.deleted;
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.length).toBeLessThan(15);
    expect(cleanup.swept).toEqual(deleted.map((t) => `dynamodb table ${t}`));
    const notReached = leftovers.names.filter((t) => !deleted.includes(t));
    for (const table of notReached) expect(cleanup.errors).toContainEqual(`dynamodb table ${table}: not reached within this cleanup's time; a later drill's sweep deletes it`);
    expect(cleanup.errors).toHaveLength(notReached.length + 1);
  });

  it('still sweeps the leftovers of earlier drills when its own bucket takes more than its time', async () => {
    const weekAgo = (weeks: number) => new Date(DRILL_STARTED.getTime() - weeks * 7 * 86_400_000);
    const leftover1 = `${drillScratchPrefix(PREFIX, '20261130T030000Z-1a2b3c4d')}photos`;
    const leftover2 = `${drillScratchPrefix(PREFIX, '20261123T030000Z-1a2b3c4d')}photos`;
    const buckets = new Map([
      [own, { created: DRILL_STARTED, versions: 1_000_000, rules: [abortRule] }],
      // Cut last week and since emptied by its expiry rules; and one never reached by a cleanup, with some versions left.
      [leftover1, { created: weekAgo(1), versions: 0, rules: [abortRule] }],
      [leftover2, { created: weekAgo(2), versions: 3_000, rules: [abortRule] }],
    ]);
    const { cleanup, model } = await cleanUp(buckets);
    expect(model.clock).toBeLessThanOrEqual(INVOCATION_MS);
    expect(cleanup.swept).toEqual([`s3://${leftover2}/`, `s3://${leftover1}/`]);
    expect([...buckets.keys()]).toEqual([own]);
    expect(cleanup.errors).toEqual([expect.stringContaining(`s3://${own}/: not emptied within this cleanup's time`)]);
    expect(model.puts.get(own)).toContainEqual(expect.objectContaining({ ID: SCRATCH_EXPIRY_RULE }));
  });

  it.each([
    ['AccessDenied', 403],
    ['MethodNotAllowed', 405],
    ['InvalidRequest', 400],
  ])('still empties and deletes a bucket whose expiry rules are refused %s (review rJ F2)', async (code, status) => {
    const refusal = Object.assign(new Error(`${code} refused`), { name: code, $metadata: { httpStatusCode: status } });
    const buckets = new Map([[own, { created: DRILL_STARTED, versions: 2_500, rules: [abortRule] }]]);
    const { cleanup } = await cleanUp(buckets, { lifecycleRefusal: refusal });
    expect(buckets.has(own)).toBe(false);
    expect(cleanup.removed).toEqual([`s3://${own}/`]);
    // 405: an endpoint without lifecycle configuration, as the seal tolerates; the others are refusals worth fixing.
    if (code === 'MethodNotAllowed') expect(cleanup.errors).toEqual([]);
    else expect(cleanup.errors).toEqual([expect.stringMatching(new RegExp(`^s3://${own}/: its expiry lifecycle rules could not be put \\(s3:PutLifecycleConfiguration: "${code}: ${code} refused"\\); emptied and deleted without them`))]);
    if (code === 'AccessDenied') expect(cleanup.errors[0]).toContain('s3:PutLifecycleConfiguration');
  });

  const denied = (message: string) => Object.assign(new Error(message), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });

  it('names s3:GetLifecycleConfiguration when reading the rules is what was refused (review rM F5)', async () => {
    const buckets = new Map([[own, { created: DRILL_STARTED, versions: 10, rules: [abortRule] }]]);
    const { cleanup } = await cleanUp(buckets, { refused: { GetBucketLifecycleConfigurationCommand: denied('explicit deny') } });
    expect(buckets.has(own)).toBe(false);
    expect(cleanup.errors).toEqual([expect.stringContaining('could not be put (s3:GetLifecycleConfiguration: "AccessDenied: explicit deny")')]);
    expect(cleanup.errors[0]).toContain('let the drill cleanup role s3:GetLifecycleConfiguration on the <prefix>-drill-* buckets');
    expect(cleanup.errors[0]).not.toContain('PutLifecycleConfiguration');
  });

  it.each([
    ['PutBucketPolicyCommand', 's3:PutBucketPolicy', 'could not be sealed against late writes'],
    ['ListMultipartUploadsCommand', 's3:ListBucketMultipartUploads', 'sealed against late writes, but its multipart uploads under way could not be aborted'],
  ])('still gives rules to, empties and deletes buckets whose seal is refused at %s, and names %s (review rM F3)', async (command, action, said) => {
    const leftover = `${drillScratchPrefix(PREFIX, '20261123T030000Z-1a2b3c4d')}photos`;
    const buckets = new Map([
      [own, { created: DRILL_STARTED, versions: 2_500, rules: [abortRule] }],
      [leftover, { created: new Date(DRILL_STARTED.getTime() - 14 * 86_400_000), versions: 10, rules: [abortRule] }],
    ]);
    const { cleanup, model } = await cleanUp(buckets, { refused: { [command]: denied('explicit deny in a service control policy') } });
    expect([...buckets.keys()]).toEqual([]);
    expect(cleanup.removed).toEqual([`s3://${own}/`]);
    expect(cleanup.swept).toEqual([`s3://${leftover}/`]);
    expect(model.puts.get(own)).toContainEqual(expect.objectContaining({ ID: SCRATCH_EXPIRY_RULE }));
    for (const bucket of [own, leftover]) {
      expect(cleanup.errors).toContainEqual(
        `s3://${bucket}/: ${said} (${action}: "AccessDenied: explicit deny in a service control policy"); emptied and deleted anyway${
          action === 's3:PutBucketPolicy' ? " (a restore shard of a drill still within its timeout may write it again: DeleteBucket then fails, and a later drill's sweep takes it)" : ''
        }; let the drill cleanup role ${action} on the <prefix>-drill-* buckets (an SCP or permission boundary may deny it)`,
      );
    }
  });

  // f60L: S3's words reached the record raw; a key or bucket name in them, with a newline or an escape, forged lines an auditor reads.
  it("quotes S3's words in the record of a bucket it could not delete and of a refused seal, as the other drill lines do", async () => {
    const words = 'denied for photos/passport.jpg\n\u001b[31mforged line';
    const buckets = new Map([[own, { created: DRILL_STARTED, versions: 10, rules: [abortRule] }]]);
    const { cleanup } = await cleanUp(buckets, { refused: { PutBucketPolicyCommand: denied(words), DeleteBucketCommand: denied(words) } });
    const quoted = '"AccessDenied: denied for photos/passport.jpg\\n\\u001b[31mforged line"';
    expect(cleanup.errors).toEqual([expect.stringContaining(`s3://${own}/: could not be sealed against late writes (s3:PutBucketPolicy: ${quoted}); emptied and deleted anyway`), `s3://${own}/: ${quoted}`]);
    for (const line of cleanup.errors) for (const raw of ['\n', '\u001b']) expect(line).not.toContain(raw);
  });

  it('cut by its deadline, says a bucket whose seal was refused is left unsealed, not sealed (review rQ F5)', async () => {
    const buckets = new Map([[own, { created: DRILL_STARTED, versions: 1_000_000, rules: [abortRule] }]]);
    const { cleanup } = await cleanUp(buckets, { refused: { PutBucketPolicyCommand: denied('explicit deny in a service control policy') } });
    expect(cleanup.errors).toEqual([
      expect.stringContaining(`s3://${own}/: could not be sealed against late writes`),
      expect.stringMatching(
        new RegExp(`^s3://${own}/: not emptied within this cleanup's time \\(\\d+ object versions deleted\\); left unsealed \\(its seal was refused, as listed\\), with lifecycle rules that expire every object version after 1 day`),
      ),
    ]);
  });

  describe('scratch directories (review rJ F1)', () => {
    // Each file or directory removed costs this much of the invocation: EFS metadata calls on a tree of millions of
    // files, scaled to the hundred or so here. The sweep's quarter of the ~60 s left holds about 15; the drill's own
    // rest, about 45.
    const ENTRY_MS = 1_000;
    let tmp: string;
    let root: string;
    const count = (dir: string): number => {
      let n = 0;
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) n += 1 + (entry.isDirectory() ? count(path.join(dir, entry.name)) : 0);
      return n;
    };
    beforeEach(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scratch-dirs-'));
      root = path.join(tmp, 'mnt');
      fs.mkdirSync(root);
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('stop within the deadline, the sweep’s within its share, say what is left, keep its age, and never follow a link', async () => {
      const outside = path.join(tmp, 'live');
      fs.mkdirSync(outside);
      fs.writeFileSync(path.join(outside, 'keep.txt'), 'live data');
      const ownDir = path.join(root, `${drillScratchPrefix(PREFIX, DRILL)}home`);
      for (const sub of ['a', 'b', 'c']) {
        fs.mkdirSync(path.join(ownDir, sub, 'deeper'), { recursive: true });
        for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(ownDir, sub, 'deeper', `f${i}`), 'x');
      }
      fs.symlinkSync(outside, path.join(ownDir, 'a', 'link-to-live'));
      const leftover = path.join(root, `${drillScratchPrefix(PREFIX, '20261123T030000Z-1a2b3c4d')}home`);
      fs.mkdirSync(leftover);
      for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(leftover, `f${i}`), 'x');
      const twoWeeksAgo = new Date(DRILL_STARTED.getTime() - 14 * 86_400_000);
      fs.utimesSync(leftover, twoWeeksAgo, twoWeeksAgo);
      fs.utimesSync(ownDir, DRILL_STARTED, DRILL_STARTED);
      const entries = count(root);

      const { cleanup, elapsed } = await cleanUp(new Map(), { directoryRoot: root, directoryMs: () => (entries - count(root)) * ENTRY_MS });

      expect(elapsed).toBeLessThanOrEqual(INVOCATION_MS);
      expect(cleanup.removed).toEqual([]);
      expect(cleanup.swept).toEqual([]);
      const left = (dir: string) => new RegExp(`^directory /mnt/lifeboat/${path.basename(dir)}: not removed within this cleanup's time \\((\\d+) files and directories removed\\); left; a later drill's sweep continues it$`);
      expect(cleanup.errors).toEqual([expect.stringMatching(left(ownDir)), expect.stringMatching(left(leftover))]);
      const sweptCount = Number(left(leftover).exec(cleanup.errors[1] ?? '')?.[1]);
      expect(sweptCount).toBeGreaterThan(0);
      // Within the quarter, but for the unlinks in flight when it ran out (4 at once), which finish.
      expect(sweptCount * ENTRY_MS).toBeLessThanOrEqual(0.25 * 60_000 + 3 * ENTRY_MS);
      expect(fs.existsSync(ownDir) && fs.existsSync(leftover)).toBe(true);
      // The sweep dates a directory by its mtime: a cut one keeps its own, so the next sweep still takes it.
      expect(fs.statSync(leftover).mtime).toEqual(twoWeeksAgo);
      expect(fs.statSync(ownDir).mtime).toEqual(DRILL_STARTED);
      expect(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8')).toBe('live data');

      // With time enough, a later cleanup removes the rest and the link alone.
      const rest = await cleanUp(new Map(), { directoryRoot: root });
      expect(rest.cleanup.errors).toEqual([]);
      expect(fs.readdirSync(root)).toEqual([]);
      expect(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8')).toBe('live data');
    });

    it('leave buckets time: a scratch directory too big for the cleanup takes half of it, the buckets go, then the directory goes on (fix fA 1)', async () => {
      const ownDir = path.join(root, `${drillScratchPrefix(PREFIX, DRILL)}home`);
      for (const sub of ['a', 'b', 'c']) {
        fs.mkdirSync(path.join(ownDir, sub), { recursive: true });
        for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(ownDir, sub, `f${i}`), 'x');
      }
      const entries = count(root);
      const buckets = new Map([[own, { created: DRILL_STARTED, versions: 2_500, rules: [abortRule] }]]);

      const { cleanup, elapsed } = await cleanUp(buckets, { directoryRoot: root, directoryMs: () => (entries - count(root)) * ENTRY_MS });

      expect(elapsed).toBeLessThanOrEqual(INVOCATION_MS);
      // Before, the directory took the whole minute and the bucket was left full: "not emptied within this cleanup's time".
      expect(cleanup.removed).toEqual([`s3://${own}/`]);
      expect(buckets.has(own)).toBe(false);
      const left = new RegExp(`^directory /mnt/lifeboat/${path.basename(ownDir)}: not removed within this cleanup's time \\((\\d+) files and directories removed\\); left; a later drill's sweep continues it$`);
      expect(cleanup.errors).toEqual([expect.stringMatching(left)]);
      // Both turns count: more than the first turn's half of the ~60 s.
      expect(Number(left.exec(cleanup.errors[0] ?? '')?.[1]) * ENTRY_MS).toBeGreaterThan(40_000);
    });

    const NAME = `${drillScratchPrefix(PREFIX, DRILL)}home`;
    // Enough calls for the trees here many times over; a walk that loops runs them out and says it was cut.
    const calls = (n: number) => () => (n-- > 0 ? 1 : 0);
    const latin1 = (dir: string, name: string) => Buffer.concat([Buffer.from(`${dir}/${name}`), Buffer.from([0xe9])]);

    it('removes names that are not UTF-8 (a Latin-1 é, as restores write them back) (review rM F1)', async () => {
      const top = path.join(root, NAME);
      fs.mkdirSync(path.join(top, 'docs'), { recursive: true });
      fs.writeFileSync(latin1(path.join(top, 'docs'), 'r'), 'x');
      fs.mkdirSync(latin1(top, 'caf'));
      fs.writeFileSync(Buffer.concat([latin1(top, 'caf'), Buffer.from('/menu')]), 'x');
      await expect(removeScratchDirectory(root, NAME, calls(10_000))).resolves.toEqual({ done: true, removed: 5 });
      expect(fs.readdirSync(root)).toEqual([]);
    });

    it('walks a tree deeper than the descriptors it keeps open, with a bounded number open', async () => {
      let deepest = path.join(root, NAME);
      for (let i = 0; i < 150; i++) deepest = path.join(deepest, `d${i % 10}`);
      fs.mkdirSync(deepest, { recursive: true });
      fs.writeFileSync(path.join(deepest, 'f'), 'x');
      const openAtStart = fs.readdirSync('/proc/self/fd').length;
      let mostOpen = 0;
      const timeLeft = () => {
        mostOpen = Math.max(mostOpen, fs.readdirSync('/proc/self/fd').length);
        return 1;
      };
      await expect(removeScratchDirectory(root, NAME, timeLeft)).resolves.toEqual({ done: true, removed: 152 });
      expect(fs.readdirSync(root)).toEqual([]);
      expect(mostOpen - openAtStart).toBeLessThanOrEqual(64 + 4);
    });

    it('enters no link put in a directory’s place during the walk, and leaves its target alone (review rM F2)', async () => {
      const outside = path.join(tmp, 'live');
      fs.mkdirSync(path.join(outside, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(outside, 'keep.txt'), 'live data');
      fs.writeFileSync(path.join(outside, 'sub', 'keep2.txt'), 'live data');
      const top = path.join(root, NAME);
      for (const sub of ['x', 'y']) {
        fs.mkdirSync(path.join(top, sub, 'deep'), { recursive: true });
        for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(top, sub, 'deep', `f${i}`), 'x');
      }
      // Once the walk is inside one subdirectory, a late restore shard swaps the other, which it has seen but not entered, for a link.
      let swapped = '';
      const timeLeft = () => {
        const inside = ['x', 'y'].find((s) => fs.existsSync(path.join(top, s, 'deep')) && fs.readdirSync(path.join(top, s, 'deep')).length < 20);
        if (!swapped && inside) {
          swapped = inside === 'x' ? 'y' : 'x';
          fs.renameSync(path.join(top, swapped), path.join(tmp, 'moved'));
          fs.symlinkSync(outside, path.join(top, swapped));
        }
        return 1;
      };
      const result = await removeScratchDirectory(root, NAME, timeLeft).catch((err: unknown) => err);
      expect(swapped).not.toBe('');
      expect(fs.readdirSync(outside).sort()).toEqual(['keep.txt', 'sub']);
      expect(fs.readFileSync(path.join(outside, 'sub', 'keep2.txt'), 'utf8')).toBe('live data');
      // The link removed as a link; what was moved away is not the walk's any more.
      expect(result).toEqual({ done: true, removed: 24 });
      expect(fs.readdirSync(root)).toEqual([]);
    });

    describe('a directory moved out of the scratch root while the walk holds it (review rQ F3)', () => {
      const fsPromises = jest.requireActual<typeof fs.promises>('node:fs/promises');
      const realUnlink = fsPromises.unlink.bind(fsPromises);
      afterEach(() => jest.restoreAllMocks());

      it('is left alone from the next pass on, named in an error, and the rest is removed', async () => {
        const top = path.join(root, NAME);
        const kept = path.join(tmp, 'kept');
        for (const sub of ['a', 'b']) {
          fs.mkdirSync(path.join(top, 'restored', sub), { recursive: true });
          for (const f of ['f1', 'f2']) fs.writeFileSync(path.join(top, 'restored', sub, f), 'x');
        }
        fs.writeFileSync(path.join(top, 'other'), 'x');
        // An operator keeps the restored tree: it is moved out once the walk is inside one of its subdirectories
        // (after that pass listed its files, before it unlinks them), with its descriptor and its parent's held.
        let moved = false;
        jest.spyOn(fsPromises, 'unlink').mockImplementation(async (p) => {
          // Reached through a descriptor (/proc/self/fd/<fd>/f1): only a's and b's files are f1 and f2.
          if (!moved && /\/f[12]$/.test(String(p))) {
            moved = true;
            fs.renameSync(path.join(top, 'restored'), kept);
          }
          return realUnlink(p);
        });
        await expect(removeScratchDirectory(root, NAME, calls(10_000))).rejects.toThrow(
          new DrillScratchError(
            `Scratch directory ${top}/restored was moved or replaced during the cleanup; left alone: what it holds is no longer under the scratch root ${root}, so nothing more of it was removed (the rest of ${top} was); remove it by hand where it went if it is not wanted`,
          ),
        );
        expect(moved).toBe(true);
        // The pass already under way when it moved ends (the check is once a pass, not once a file); nothing after it runs.
        expect(fs.readdirSync(kept).sort()).toEqual(['a', 'b']);
        const left = ['a', 'b'].map((sub) => fs.readdirSync(path.join(kept, sub)).sort());
        expect(left).toContainEqual(['f1', 'f2']);
        expect(left).toContainEqual([]);
        expect(fs.readdirSync(root)).toEqual([]);
      });

      it('removed meanwhile (a concurrent sweep) is no error', async () => {
        const top = path.join(root, NAME);
        fs.mkdirSync(path.join(top, 'restored', 'a'), { recursive: true });
        fs.writeFileSync(path.join(top, 'restored', 'a', 'f1'), 'x');
        let swept = false;
        jest.spyOn(fsPromises, 'unlink').mockImplementation(async (p) => {
          if (!swept && String(p).endsWith('/f1')) {
            swept = true;
            fs.rmSync(path.join(top, 'restored', 'a'), { recursive: true });
          }
          return realUnlink(p);
        });
        await expect(removeScratchDirectory(root, NAME, calls(10_000))).resolves.toMatchObject({ done: true });
        expect(swept).toBe(true);
        expect(fs.readdirSync(root)).toEqual([]);
      });

      it('moved with a link to where it went left in its place, is not emptied through the link (review rB F1)', async () => {
        const top = path.join(root, NAME);
        const kept = path.join(tmp, 'kept');
        for (const sub of ['a', 'a/deep', 'b']) {
          fs.mkdirSync(path.join(top, 'restored', sub), { recursive: true });
          for (const f of ['f1', 'f2']) fs.writeFileSync(path.join(top, 'restored', sub, f), 'x');
        }
        // An operator keeps the restored tree and links it back, so that its old paths still work.
        let moved = false;
        jest.spyOn(fsPromises, 'unlink').mockImplementation(async (p) => {
          if (!moved && /\/f[12]$/.test(String(p))) {
            moved = true;
            fs.renameSync(path.join(top, 'restored'), kept);
            fs.symlinkSync(kept, path.join(top, 'restored'));
          }
          return realUnlink(p);
        });
        await expect(removeScratchDirectory(root, NAME, calls(10_000))).rejects.toThrow(
          new DrillScratchError(
            `Scratch directory ${top}/restored was moved or replaced during the cleanup; left alone: what it holds is no longer under the scratch root ${root}, so nothing more of it was removed (the rest of ${top} was); remove it by hand where it went if it is not wanted`,
          ),
        );
        expect(moved).toBe(true);
        // Only the pass under way ends (its two files); the three directories and four files stay. The link is removed.
        expect(count(kept)).toBe(7);
        expect(fs.readdirSync(root)).toEqual([]);
      });

      it('cut by the time after a move, returns its count and the moved directory, and the call that finishes names it (review rB F2)', async () => {
        const top = path.join(root, NAME);
        const kept = path.join(tmp, 'kept');
        fs.mkdirSync(path.join(top, 'restored', 'a'), { recursive: true });
        fs.writeFileSync(path.join(top, 'restored', 'a', 'f1'), 'x');
        // Moved once the walk is inside it; meanwhile a late shard writes more than the time left takes.
        let moved = false;
        jest.spyOn(fsPromises, 'unlink').mockImplementation(async (p) => {
          if (!moved && String(p).endsWith('/f1')) {
            moved = true;
            fs.renameSync(path.join(top, 'restored'), kept);
            fs.mkdirSync(path.join(top, 'late'));
            for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(top, 'late', `g${i}`), 'x');
          }
          return realUnlink(p);
        });
        let after = 10;
        const first = await removeScratchDirectory(root, NAME, () => (!moved || after-- > 0 ? 1 : 0));
        expect(first).toEqual({ done: false, removed: expect.any(Number), moved: [{ path: `${top}/restored` }] });
        // f1 (the pass under way) and some of the late files: what finishRemoval's record counts.
        expect(first.removed).toBeGreaterThan(1);
        await expect(removeScratchDirectory(root, NAME, calls(10_000), { movedBefore: first.moved })).rejects.toThrow(
          new DrillScratchError(
            `Scratch directory ${top}/restored was moved or replaced during the cleanup; left alone: what it holds is no longer under the scratch root ${root}, so nothing more of it was removed (the rest of ${top} was); remove it by hand where it went if it is not wanted`,
          ),
        );
        expect(fs.readdirSync(kept)).toEqual(['a']);
        expect(fs.readdirSync(root)).toEqual([]);
      });

      /**
       * A cleanup of the drill's directory and bucket, in which the directory's restored tree is moved out once the walk
       * is inside it, and a late shard writes `lateFiles` files (the removal of each costing ENTRY_MS).
       */
      async function cleanUpWhileMoved(lateFiles: number) {
        const top = path.join(root, NAME);
        fs.mkdirSync(path.join(top, 'restored', 'a'), { recursive: true });
        fs.writeFileSync(path.join(top, 'restored', 'a', 'f1'), 'x');
        let moved = false;
        let calls = 0;
        jest.spyOn(fsPromises, 'unlink').mockImplementation(async (p) => {
          calls++;
          if (!moved && String(p).endsWith('/f1')) {
            moved = true;
            fs.renameSync(path.join(top, 'restored'), path.join(tmp, 'kept'));
            fs.mkdirSync(path.join(top, 'late'));
            for (let i = 0; i < lateFiles; i++) fs.writeFileSync(path.join(top, 'late', `g${i}`), 'x');
          }
          return realUnlink(p);
        });
        const realRmdir = fsPromises.rmdir.bind(fsPromises);
        jest.spyOn(fsPromises, 'rmdir').mockImplementation(async (p) => (calls++, realRmdir(p)));
        const buckets = new Map([[own, { created: DRILL_STARTED, versions: 2_500, rules: [abortRule] }]]);
        const { cleanup } = await cleanUp(buckets, { directoryRoot: root, directoryMs: () => calls * ENTRY_MS });
        return { cleanup, top, kept: path.join(tmp, 'kept') };
      }

      it('cut in its first turn after a move, goes on in its second, and the record names the move (review rB F2)', async () => {
        // 30 late files: more than the first turn's ~22 s takes, fewer than both turns' ~43.
        const { cleanup, top, kept } = await cleanUpWhileMoved(30);
        expect(cleanup.removed).toEqual([`s3://${own}/`]);
        // Before, the first turn's cut threw: the directory had no second turn, and its count was lost.
        expect(fs.readdirSync(root)).toEqual([]);
        expect(cleanup.errors).toEqual([
          `directory /mnt/lifeboat/${NAME}: DrillScratchError: Scratch directory ${top}/restored was moved or replaced during the cleanup; left alone: what it holds is no longer under the scratch root ${root}, so nothing more of it was removed (the rest of ${top} was); remove it by hand where it went if it is not wanted`,
        ]);
        expect(fs.readdirSync(kept)).toEqual(['a']);
      });

      // Review r61M F2: the move was appended to the file system error's message, which the record then quoted whole, and
      // the moved path's escapes (\\u000a for its newline) read with their backslash doubled.
      it('stopped by a file system error after a move, the record names the move after the quoted error, its path escaped once', async () => {
        const top = path.join(root, NAME);
        const name = 'photos\nX';
        fs.mkdirSync(path.join(top, name, 'a'), { recursive: true });
        fs.writeFileSync(path.join(top, name, 'a', 'f1'), 'x');
        let moved = false;
        jest.spyOn(fsPromises, 'unlink').mockImplementation(async (p) => {
          if (!moved && String(p).endsWith('/f1')) {
            moved = true;
            fs.renameSync(path.join(top, name), path.join(tmp, 'kept'));
          }
          return realUnlink(p);
        });
        const realRmdir = fsPromises.rmdir.bind(fsPromises);
        jest.spyOn(fsPromises, 'rmdir').mockImplementation(async (p) => {
          if (moved && String(p).endsWith(`/${NAME}`)) throw Object.assign(new Error('EACCES: permission denied, rmdir'), { code: 'EACCES' });
          return realRmdir(p);
        });
        const { cleanup } = await cleanUp(new Map(), { directoryRoot: root });
        expect(cleanup.errors).toEqual([
          `directory /mnt/lifeboat/${NAME}: "Error: EACCES: permission denied, rmdir". Before that: Scratch directory ${top}/photos\\u000aX was moved or replaced during the cleanup; left alone: what it holds is no longer under the scratch root ${root}, so nothing more of it was removed; remove it by hand where it went if it is not wanted`,
        ]);
        expect(fs.readdirSync(path.join(tmp, 'kept'))).toEqual(['a']);
      });

      it('cut in both turns after a move, keeps its count and names the move (review rB F2)', async () => {
        const { cleanup, top, kept } = await cleanUpWhileMoved(60);
        expect(cleanup.removed).toEqual([`s3://${own}/`]);
        expect(cleanup.errors).toEqual([
          expect.stringMatching(new RegExp(`^directory /mnt/lifeboat/${NAME}: not removed within this cleanup's time \\((\\d+) files and directories removed\\); left; a later drill's sweep continues it$`)),
          `directory /mnt/lifeboat/${NAME}: DrillScratchError: Scratch directory ${top}/restored was moved or replaced during the cleanup; left alone: what it holds is no longer under the scratch root ${root}, so nothing more of it was removed (the cleanup's time ran out before the rest of ${top} was removed; a later drill's sweep continues it); remove it by hand where it went if it is not wanted`,
        ]);
        // Both turns count: f1 and about 43 of the late files.
        expect(Number(/\((\d+) files/.exec(cleanup.errors[0] ?? '')?.[1])).toBeGreaterThan(30);
        expect(fs.readdirSync(kept)).toEqual(['a']);
      });

      it('removed and made again deeper than the descriptors kept open is named as moved or made again, and the one now there removed (review rB F3, rG F3)', async () => {
        const top = path.join(root, NAME);
        const chain = (n: number) => path.join(top, ...Array.from({ length: n }, () => 'd'));
        fs.mkdirSync(chain(70), { recursive: true });
        fs.writeFileSync(path.join(chain(70), 'f1'), 'x');
        // A concurrent sweep removes d/d/d and all below, and a late shard's mkdir -p makes d/d/d/d again.
        let swept = false;
        jest.spyOn(fsPromises, 'unlink').mockImplementation(async (p) => {
          if (!swept && String(p).endsWith('/f1')) {
            swept = true;
            fs.rmSync(chain(3), { recursive: true });
            fs.mkdirSync(chain(4), { recursive: true });
          }
          return realUnlink(p);
        });
        // Its descriptor closed, the walk cannot tell this from a move out and a mkdir -p: before, it said nothing.
        await expect(removeScratchDirectory(root, NAME, calls(10_000))).rejects.toThrow(
          new DrillScratchError(
            `Scratch directory ${chain(3)} was moved, or removed and made again, during the cleanup; left alone: another directory was at its name when the cleanup came back to it (that one was removed), and which of the two happened cannot be told; if it was moved, nothing more of it was removed where it went (the rest of ${top} was); remove it by hand where it went if it is not wanted`,
          ),
        );
        expect(swept).toBe(true);
        expect(fs.readdirSync(root)).toEqual([]);
      });

      it('moved out deeper than the descriptors kept open, with one made again at its name, is named and not emptied (review rG F3)', async () => {
        const top = path.join(root, NAME);
        const kept = path.join(tmp, 'kept');
        const chain = (n: number) => path.join(top, ...Array.from({ length: n }, () => 'd'));
        fs.mkdirSync(chain(70), { recursive: true });
        fs.writeFileSync(path.join(chain(70), 'f1'), 'x');
        // Coming back up, a late file in d/d/d/d/d/d; while its second pass removes it, an operator keeps d/d/d and a
        // late shard's mkdir -p makes it again. The walk holds d/d/d/d/d/d and its parent, not d/d/d (closed).
        const realRmdir = fsPromises.rmdir.bind(fsPromises);
        let stage = 0;
        jest.spyOn(fsPromises, 'rmdir').mockImplementation(async (p) => {
          await realRmdir(p);
          if (stage === 0 && !fs.existsSync(chain(7))) {
            stage = 1;
            fs.writeFileSync(path.join(chain(6), 'late'), 'x');
          }
        });
        jest.spyOn(fsPromises, 'unlink').mockImplementation(async (p) => {
          if (stage === 1 && String(p).endsWith('/late')) {
            stage = 2;
            fs.renameSync(chain(3), kept);
            fs.mkdirSync(chain(3));
          }
          return realUnlink(p);
        });
        await expect(removeScratchDirectory(root, NAME, calls(100_000))).rejects.toThrow(
          `Scratch directory ${chain(3)} was moved, or removed and made again, during the cleanup; left alone`,
        );
        expect(stage).toBe(2);
        // d/d/d kept with the three directories the walk had not yet removed under it.
        expect(fs.existsSync(path.join(kept, 'd', 'd', 'd'))).toBe(true);
        expect(fs.readdirSync(root)).toEqual([]);
      });

      it('moved by another NFS client, which the kernel’s path does not show, is found by looking its name up (review rG F1)', async () => {
        const top = path.join(root, NAME);
        const kept = path.join(tmp, 'kept');
        for (const sub of ['a', 'b']) {
          fs.mkdirSync(path.join(top, 'restored', sub), { recursive: true });
          for (const f of ['f1', 'f2']) fs.writeFileSync(path.join(top, 'restored', sub, f), 'x');
        }
        // The walk looks a directory above the one a pass is over up again once a second of its clock has passed (review
        // rL F1); here that second passes at the move (NFS itself may show another client's move to a lookup only up to
        // a minute after it, once its cached attributes of the directory above time out).
        let clock = 0;
        let moved = false;
        jest.spyOn(fsPromises, 'unlink').mockImplementation(async (p) => {
          if (!moved && /\/f[12]$/.test(String(p))) {
            moved = true;
            fs.renameSync(path.join(top, 'restored'), kept);
            clock += 1_000;
          }
          return realUnlink(p);
        });
        // The kernel's cache of names, which another NFS client's move does not update: its path of a directory held
        // still reads as where the walk found it.
        const realReadlink = fsPromises.readlink.bind(fsPromises);
        const keptPath = Buffer.from(kept);
        jest.spyOn(fsPromises, 'readlink').mockImplementation(async (p: fs.PathLike) => {
          const now = await realReadlink(p, { encoding: 'buffer' });
          if (!now.subarray(0, keptPath.length).equals(keptPath)) return now;
          return Buffer.concat([Buffer.from(path.join(top, 'restored')), now.subarray(keptPath.length)]);
        });
        await expect(removeScratchDirectory(root, NAME, calls(10_000), { now: () => clock })).rejects.toThrow(
          new DrillScratchError(
            `Scratch directory ${top}/restored was moved or replaced during the cleanup; left alone: what it holds is no longer under the scratch root ${root}, so nothing more of it was removed (the rest of ${top} was); remove it by hand where it went if it is not wanted`,
          ),
        );
        expect(moved).toBe(true);
        // The pass under way ends, and the directory it emptied is removed (only it was looked up before its rmdir);
        // the other subdirectory and its files stay. Before, the kept tree was emptied.
        expect(fs.readdirSync(kept)).toHaveLength(1);
        expect(count(kept)).toBe(3);
        expect(fs.readdirSync(root)).toEqual([]);
      });

      it('looks a directory above up again only once a second of the walk’s clock, the directory itself every pass (review rL F1)', async () => {
        // 70 deep: past the 64 descriptors kept open, where each lookup of a name above is a path of up to 70 names.
        const top = path.join(root, NAME);
        let deepest = top;
        for (let i = 0; i < 70; i++) {
          deepest = path.join(deepest, `d${i}`);
          fs.mkdirSync(deepest, { recursive: true });
          fs.writeFileSync(path.join(deepest, 'f'), 'x');
        }
        const realLstat = fsPromises.lstat.bind(fsPromises);
        const realOpendir = fsPromises.opendir.bind(fsPromises);
        let lstats = 0;
        let passes = 0;
        jest.spyOn(fsPromises, 'lstat').mockImplementation((async (...args: Parameters<typeof realLstat>) => {
          lstats++;
          return realLstat(...args);
        }) as typeof fsPromises.lstat);
        jest.spyOn(fsPromises, 'opendir').mockImplementation(async (...args: Parameters<typeof realOpendir>) => {
          passes++;
          return realOpendir(...args);
        });
        await expect(removeScratchDirectory(root, NAME, calls(10_000), { now: () => 0 })).resolves.toEqual({ done: true, removed: 141 });
        expect(fs.readdirSync(root)).toEqual([]);
        // One lookup a pass and one an rmdir (two passes a directory here). Before, every directory above was looked
        // up at every pass: 5,112 lstats for 141 passes.
        expect(lstats).toBeGreaterThanOrEqual(passes);
        expect(lstats).toBeLessThanOrEqual(2 * passes);
      });

      /**
       * EFS as another client's removal leaves it: every call through a descriptor on a removed directory (a name in
       * it unlinked, opened, looked up or removed; it listed or read) answers ESTALE, where a local file system says
       * ENOENT or works on. `sweep` runs before (or, `after`, once) the first `on` call whose path matches `match`.
       */
      function nfsRemovedBy(sweep: () => void, on: 'unlink' | 'rmdir', match: RegExp, after = false): { swept: boolean } {
        const state = { swept: false };
        const stale = (p: unknown): boolean => {
          const fd = /^\/proc\/self\/fd\/(\d+)(?:\/|$)/.exec(String(p))?.[1];
          try {
            return fd !== undefined && fs.fstatSync(Number(fd)).nlink === 0;
          } catch {
            return false;
          }
        };
        const estale = (call: string, p: unknown): Error => Object.assign(new Error(`ESTALE: stale file handle, ${call} '${String(p)}'`), { code: 'ESTALE' });
        const real = { unlink: realUnlink, rmdir: fsPromises.rmdir.bind(fsPromises), open: fsPromises.open.bind(fsPromises), opendir: fsPromises.opendir.bind(fsPromises), lstat: fsPromises.lstat.bind(fsPromises) };
        const removal = (call: 'unlink' | 'rmdir') => async (p: fs.PathLike) => {
          const sweeps = !state.swept && call === on && match.test(String(p));
          state.swept ||= sweeps;
          if (sweeps && !after) sweep();
          if (stale(p)) throw estale(call, p);
          await real[call](p);
          if (sweeps && after) sweep();
        };
        jest.spyOn(fsPromises, 'unlink').mockImplementation(removal('unlink'));
        jest.spyOn(fsPromises, 'rmdir').mockImplementation(removal('rmdir'));
        jest.spyOn(fsPromises, 'open').mockImplementation((async (...args: Parameters<typeof real.open>) => {
          if (stale(args[0])) throw estale('open', args[0]);
          return real.open(...args);
        }) as typeof fsPromises.open);
        jest.spyOn(fsPromises, 'opendir').mockImplementation(async (...args: Parameters<typeof real.opendir>) => {
          if (stale(args[0])) throw estale('opendir', args[0]);
          const dir = await real.opendir(...args);
          // A read of the listing after the directory went (the next batch of entries) answers ESTALE too.
          const listing = async function* (): AsyncGenerator<fs.Dirent> {
            for await (const entry of dir) {
              yield entry;
              if (stale(args[0])) throw estale('readdir', args[0]);
            }
          };
          return { [Symbol.asyncIterator]: listing } as unknown as fs.Dir;
        });
        jest.spyOn(fsPromises, 'lstat').mockImplementation((async (...args: Parameters<typeof real.lstat>) => {
          if (stale(args[0])) throw estale('lstat', args[0]);
          try {
            return await real.lstat(...args);
          } catch (err) {
            // Even a lookup from a directory still there may answer ESTALE once its entry's handle went stale.
            if (state.swept && (err as NodeJS.ErrnoException).code === 'ENOENT') throw estale('lstat', args[0]);
            throw err;
          }
        }) as typeof fsPromises.lstat);
        return state;
      }

      it('removed with the directory above it by another NFS client, which answers ESTALE, is no error (review rL, review rS F1)', async () => {
        const top = path.join(root, NAME);
        fs.mkdirSync(path.join(top, 'restored', 'a'), { recursive: true });
        fs.writeFileSync(path.join(top, 'restored', 'a', 'f1'), 'x');
        // Another Lambda's sweep removes restored while this walk unlinks a's file.
        const sweep = nfsRemovedBy(() => fs.rmSync(path.join(top, 'restored'), { recursive: true }), 'unlink', /\/f1$/);
        // Before, the ESTALE of the lookup of restored (review rL), then of the unlink of f1 (review rS F1), ended the
        // walk of the scratch directory.
        await expect(removeScratchDirectory(root, NAME, calls(10_000))).resolves.toMatchObject({ done: true });
        expect(sweep.swept).toBe(true);
        expect(fs.readdirSync(root)).toEqual([]);
      });

      it.each([
        // Before, the ESTALE of the open of the other ended the walk.
        { when: 'between two of its subdirectories, whose open answers ESTALE', on: 'rmdir', match: /\/x$/, after: true },
        // Before, the ESTALE of a's rmdir (through restored's descriptor) ended the walk.
        { when: 'just before the rmdir of one below it, which answers ESTALE', on: 'rmdir', match: /\/a$/, after: false },
      ] as const)('removed by another NFS client $when, is no error (review rS F1)', async ({ on, match, after }) => {
        const top = path.join(root, NAME);
        for (const sub of ['x', 'y']) {
          fs.mkdirSync(path.join(top, 'restored', 'a', sub), { recursive: true });
          fs.writeFileSync(path.join(top, 'restored', 'a', sub, 'f'), 'x');
        }
        const sweep = nfsRemovedBy(() => fs.rmSync(path.join(top, 'restored'), { recursive: true }), on, match, after);
        await expect(removeScratchDirectory(root, NAME, calls(10_000))).resolves.toMatchObject({ done: true });
        expect(sweep.swept).toBe(true);
        expect(fs.readdirSync(root)).toEqual([]);
      });

      it('whose name ends with " (deleted)", as the kernel marks a removed directory, is still named as moved (review rG F2)', async () => {
        const top = path.join(root, NAME);
        const kept = path.join(tmp, 'shots (deleted)');
        // Moved during its own pass: the kernel's path of the directory held then ends with " (deleted)".
        fs.mkdirSync(path.join(top, 'shots (deleted)'), { recursive: true });
        for (const f of ['f1', 'f2']) fs.writeFileSync(path.join(top, 'shots (deleted)', f), 'x');
        let moved = false;
        jest.spyOn(fsPromises, 'unlink').mockImplementation(async (p) => {
          if (!moved && /\/f[12]$/.test(String(p))) {
            moved = true;
            fs.renameSync(path.join(top, 'shots (deleted)'), kept);
          }
          return realUnlink(p);
        });
        // Before, its path read as a removed directory's: left without a word.
        await expect(removeScratchDirectory(root, NAME, calls(10_000))).rejects.toThrow(`Scratch directory ${top}/shots (deleted) was moved or replaced during the cleanup`);
        // The pass under way ends; the directory it emptied is not removed from where it went.
        expect(fs.readdirSync(kept)).toEqual([]);
        expect(fs.readdirSync(root)).toEqual([]);
      });

      it('deeper than the kernel shows a path (PATH_MAX), is not emptied: the walk stops and names it', async () => {
        // 30 names of 201 bytes: a path of 6 KB, made through descriptors as mkdir takes no longer path.
        const name = Buffer.concat([Buffer.from('c'), Buffer.alloc(200, 0x78)]);
        fs.mkdirSync(path.join(root, NAME));
        let fd = fs.openSync(path.join(root, NAME), 'r');
        for (let i = 0; i < 30; i++) {
          fs.mkdirSync(Buffer.concat([Buffer.from(`/proc/self/fd/${fd}/`), name]));
          const next = fs.openSync(Buffer.concat([Buffer.from(`/proc/self/fd/${fd}/`), name]), 'r');
          fs.writeFileSync(`/proc/self/fd/${next}/f`, 'x');
          fs.closeSync(fd);
          fd = next;
        }
        try {
          await expect(removeScratchDirectory(root, NAME, calls(10_000))).rejects.toThrow(
            /^Scratch directory .*\/cx+ not removed: its path is longer than the 4,096 bytes Linux shows \(PATH_MAX\), so the cleanup cannot check that it is still under the scratch root .* before emptying it/,
          );
          expect(fs.readdirSync(`/proc/self/fd/${fd}`)).toEqual(['f']);
        } finally {
          fs.closeSync(fd);
        }
      });
    });

    describe('an rmdir refused', () => {
      const fsPromises = jest.requireActual<typeof fs.promises>('node:fs/promises');
      const realRmdir = fsPromises.rmdir.bind(fsPromises);
      const refuseRmdir = (name: string, code: string) =>
        jest.spyOn(fsPromises, 'rmdir').mockImplementation(async (p) => {
          if (String(p).endsWith(`/${name}`)) throw Object.assign(new Error(`${code}: refused, rmdir '${String(p)}'`), { code });
          return realRmdir(p);
        });
      afterEach(() => jest.restoreAllMocks());

      it('with EACCES stops the walk and keeps the directory’s time (review rM F4)', async () => {
        const top = path.join(root, NAME);
        fs.mkdirSync(path.join(top, 'locked'), { recursive: true });
        fs.writeFileSync(path.join(top, 'f0'), 'x');
        fs.writeFileSync(path.join(top, 'locked', 'f'), 'x');
        const twoWeeksAgo = new Date(DRILL_STARTED.getTime() - 14 * 86_400_000);
        fs.utimesSync(top, twoWeeksAgo, twoWeeksAgo);
        refuseRmdir('locked', 'EACCES');
        await expect(removeScratchDirectory(root, NAME, calls(10_000))).rejects.toMatchObject({ code: 'EACCES' });
        expect(fs.statSync(top).mtime).toEqual(twoWeeksAgo);
      });

      it('with EACCES in a second turn still names the directories an earlier turn found moved (review rG F4)', async () => {
        const top = path.join(root, NAME);
        fs.mkdirSync(path.join(top, 'locked'), { recursive: true });
        refuseRmdir('locked', 'EACCES');
        const result = await removeScratchDirectory(root, NAME, calls(10_000), { movedBefore: [{ path: `${top}/restored` }] }).catch((err: unknown) => err);
        expect(result).toMatchObject({ code: 'EACCES' });
        // Before, the error said only EACCES, and finishRemoval's record lost the move. Kept beside the error, not in
        // its message, which the record quotes (review r61M F2).
        expect(movedBeforeStop(result)).toBe(
          `Scratch directory ${top}/restored was moved or replaced during the cleanup; left alone: what it holds is no longer under the scratch root ${root}, so nothing more of it was removed; remove it by hand where it went if it is not wanted`,
        );
        expect((result as Error).message).not.toContain('Before that');
      });

      it('with ENOTEMPTY after two passes in a row that removed nothing is an error for that directory, not a loop (review rM F1, rQ F1)', async () => {
        fs.mkdirSync(path.join(root, NAME, 'stuck'), { recursive: true });
        refuseRmdir('stuck', 'ENOTEMPTY');
        await expect(removeScratchDirectory(root, NAME, calls(10_000))).rejects.toThrow(
          new DrillScratchError(
            `Scratch directory ${root}/${NAME}/stuck is not empty (ENOTEMPTY) though 2 passes over it in a row found nothing left to remove; list it (ls -la) on the file system, remove what is left by hand, and a later drill's cleanup removes the rest`,
          ),
        );
      });

      // Review r61G F3: a restored directory's name is the backup's data; its newline and ESC went raw into the drill's record.
      it('names a directory whose name holds a newline, an ANSI escape, a C1 CSI and a bidi override with them escaped', async () => {
        const name = 'photos\n\u001b[31mFORGED cleanup line\u009b2J\u202e';
        fs.mkdirSync(path.join(root, NAME, name), { recursive: true });
        refuseRmdir(name, 'ENOTEMPTY');
        const err = await removeScratchDirectory(root, NAME, calls(10_000)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DrillScratchError);
        const message = (err as DrillScratchError).message;
        expect(message).toBe(
          `Scratch directory ${root}/${NAME}/photos\\u000a\\u001b[31mFORGED cleanup line\\u009b2J\\u202e is not empty (ENOTEMPTY) though 2 passes over it in a row found nothing left to remove; list it (ls -la) on the file system, remove what is left by hand, and a later drill's cleanup removes the rest`,
        );
        expect([...message].filter((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f) || c === '\u202e')).toEqual([]);
      });

      // Review r61M F3: a backslash was shown as is, so a directory named with the text of an escape read as one whose
      // name held the character (photos\u000aX as photos, a newline, X); so did \xNN in a name that is not UTF-8.
      it.each([
        ['the text of an escape', Buffer.from('photos\\u000aX'), 'photos\\\\u000aX'],
        ['a backslash and a byte that is not UTF-8', Buffer.concat([Buffer.from('a\\xe9'), Buffer.from([0xe9])]), 'a\\\\xe9\\xe9'],
      ])('names a directory whose name holds %s with its backslash escaped', async (_what, name, shownName) => {
        fs.mkdirSync(Buffer.concat([Buffer.from(`${root}/${NAME}/`), name]), { recursive: true });
        jest.spyOn(fsPromises, 'rmdir').mockImplementation(async (p) => {
          if (Buffer.isBuffer(p) && p.subarray(-name.length - 1).equals(Buffer.concat([Buffer.from('/'), name]))) throw Object.assign(new Error('ENOTEMPTY: refused'), { code: 'ENOTEMPTY' });
          return realRmdir(p);
        });
        const err = await removeScratchDirectory(root, NAME, calls(10_000)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DrillScratchError);
        expect((err as DrillScratchError).message).toMatch(new RegExp(`^Scratch directory ${root}/${NAME}/${shownName.replace(/\\/g, '\\\\')} is not empty \\(ENOTEMPTY\\)`));
      });
    });

    describe('a late restore shard writing between a pass and its rmdir', () => {
      const fsPromises = jest.requireActual<typeof fs.promises>('node:fs/promises');
      const realRmdir = fsPromises.rmdir.bind(fsPromises);
      /** Before the rmdir of `<top>/a`, `write` runs (while it returns true): a shard's file landing after the pass listed the directory. */
      const beforeRmdirOfA = (write: () => boolean) => {
        let attempts = 0;
        jest.spyOn(fsPromises, 'rmdir').mockImplementation(async (p) => {
          if (String(p).endsWith('/a')) {
            attempts++;
            write();
          }
          return realRmdir(p);
        });
        return () => attempts;
      };
      afterEach(() => jest.restoreAllMocks());

      it('once, into a directory whose pass removed only subdirectories, is removed by the next pass (review rQ F1)', async () => {
        const top = path.join(root, NAME);
        fs.mkdirSync(path.join(top, 'a', 'b'), { recursive: true });
        fs.writeFileSync(path.join(top, 'a', 'b', 'f'), 'x');
        let written = false;
        beforeRmdirOfA(() => !written && ((written = true), fs.writeFileSync(path.join(top, 'a', 'late'), 'x'), true));
        // b's file, b, the late file, a, and the top.
        await expect(removeScratchDirectory(root, NAME, calls(10_000))).resolves.toEqual({ done: true, removed: 5 });
        expect(written).toBe(true);
        expect(fs.readdirSync(root)).toEqual([]);
      });

      it('before every rmdir, is an error for that directory after 10 passes, not the whole time (review rQ F4)', async () => {
        const top = path.join(root, NAME);
        fs.mkdirSync(path.join(top, 'a'), { recursive: true });
        // Each pass removes a file, so no pass is one that removed nothing.
        fs.writeFileSync(path.join(top, 'a', 'late'), 'x');
        const attempts = beforeRmdirOfA(() => (fs.writeFileSync(path.join(top, 'a', 'late'), 'x'), true));
        await expect(removeScratchDirectory(root, NAME, calls(10_000))).rejects.toThrow(
          new DrillScratchError(
            `Scratch directory ${root}/${NAME}/a was written to again before each of 10 attempts to remove it (ENOTEMPTY): a restore shard may still be writing into it; a later drill's cleanup removes it once the shard has stopped (a restore function's timeout at most), or list it (ls -la) on the file system and find what writes there`,
          ),
        );
        expect(attempts()).toBe(10);
      });

      it('making a subdirectory again after each walk of it is an error for its parent after 10 passes, not the whole time (review rU F1)', async () => {
        const top = path.join(root, NAME);
        fs.mkdirSync(path.join(top, 'a', 'b'), { recursive: true });
        fs.writeFileSync(path.join(top, 'a', 'b', 'f'), 'x');
        let made = 0;
        // A shard's `mkdir -p a/b; write a/b/f` right after the walk removed b: a's own rmdir is never reached.
        jest.spyOn(fsPromises, 'rmdir').mockImplementation(async (p) => {
          await realRmdir(p);
          if (String(p).endsWith('/b')) {
            made++;
            fs.mkdirSync(path.join(top, 'a', 'b'), { recursive: true });
            fs.writeFileSync(path.join(top, 'a', 'b', 'f'), 'x');
          }
        });
        await expect(removeScratchDirectory(root, NAME, calls(100_000))).rejects.toThrow(
          new DrillScratchError(
            `Scratch directory ${root}/${NAME}/a was written to again before each of 10 attempts to remove it (its subdirectories made again): a restore shard may still be writing into it; a later drill's cleanup removes it once the shard has stopped (a restore function's timeout at most), or list it (ls -la) on the file system and find what writes there`,
          ),
        );
        expect(made).toBe(10);
      });
    });

    it('without /proc removes nothing and says the directory needs Linux to be removed (review rQ F2)', async () => {
      const top = path.join(root, NAME);
      fs.mkdirSync(path.join(top, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(top, 'sub', 'f'), 'x');
      await expect(removeScratchDirectory(root, NAME, calls(10_000), { pinned: false })).rejects.toThrow(
        new DrillScratchError(
          `Scratch directory ${root}/${NAME} not removed: removing it safely needs Linux's /proc (/proc/self/fd), which this machine lacks, to pin each directory against a link a late restore shard swaps in; the drill's Lambda has it, and a later drill's cleanup on Linux removes it (or remove it by hand once no drill runs)`,
        ),
      );
      expect(fs.readdirSync(path.join(top, 'sub'))).toEqual(['f']);
    });
  });
});
