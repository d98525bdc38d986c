import * as z from 'zod/mini';
import { manifestEntrySchema } from './manifest-entry';
import { countSchema as count, hexIdSchema as hexId } from '../repository/vault-schema';

/**
 * Manifest pages and roots (docs/FORMAT.md §7). Pages hold sorted entries; a root lists its pages
 * with their first/last paths so that a lookup or a prefix restore loads only the pages it needs.
 * Both are sealed, content-addressed objects under `manifest/`; the root's id (SHA-256 of its stored
 * bytes) is the snapshot's *root hash*: it commits to every page, hence every entry and blob id.
 */
const positive = z.int().check(z.positive());

export const pageRefSchema = z.object({
  id: hexId,
  first: z.string(),
  last: z.string(),
  count: positive,
  /** Sum of the entries' sizes. */
  bytes: count,
});
export type PageRef = z.infer<typeof pageRefSchema>;

export const manifestPageSchema = z.object({
  v: z.literal(1),
  entries: z.array(manifestEntrySchema).check(z.minLength(1)),
});

/**
 * A reference to a manifest node (docs/FORMAT.md §7): a sealed object listing up to
 * MANIFEST_FANOUT consecutive page references. `pages` is how many; the rest sums or bounds them.
 */
export const nodeRefSchema = z.extend(pageRefSchema, { pages: positive });
export type NodeRef = z.infer<typeof nodeRefSchema>;

export const manifestNodeSchema = z.object({
  v: z.literal(1),
  pages: z.array(pageRefSchema).check(z.minLength(1)),
});

/** A root that lists its pages itself: every manifest of at most MANIFEST_FANOUT pages (about two million entries). */
const flatRootSchema = z.object({
  v: z.literal(1),
  entries: count,
  bytes: count,
  pages: z.array(pageRefSchema),
});

/** A root over nodes, each listing up to MANIFEST_FANOUT pages: a manifest of more pages than one root should list. */
const nodeRootSchema = z.object({
  v: z.literal(2),
  entries: count,
  bytes: count,
  nodes: z.array(nodeRefSchema).check(z.minLength(1)),
});

export const manifestRootSchema = z.discriminatedUnion('v', [flatRootSchema, nodeRootSchema]);
export type ManifestRoot = z.infer<typeof manifestRootSchema>;

/**
 * Page references in a root, and in a node: a billion entries make 500,000 pages, whose references
 * in one root would be a 150 MB object that every restore, prune and replication reads whole. Past
 * this many pages the root lists nodes instead (about 500 at a billion entries, each ~300 KB).
 */
export const MANIFEST_FANOUT = 1000;

/** One sorted run of pages; a manifest part has one or more runs. */
export type ManifestRun = readonly PageRef[];

/**
 * What one SnapshotWriter produced: its sorted runs of manifest pages, the index objects it wrote
 * and its counters. JSON-serialisable, so a shard can hand it to the commit step through a
 * workflow payload or an object.
 */
export const manifestPartSchema = z.object({
  v: z.literal(1),
  runs: z.array(z.array(pageRefSchema)),
  indexes: z.array(hexId),
  stats: z.object({
    entries: count,
    bytesScanned: count,
    bytesNew: count,
    bytesStored: count,
    blobsNew: count,
    bytesReused: count,
  }),
});
export type ManifestPart = z.infer<typeof manifestPartSchema>;
export type WriterStats = ManifestPart['stats'];

/** Pages close at this many entries or this many bytes of JSON, whichever comes first. */
export const PAGE_MAX_ENTRIES = 2000;
export const PAGE_MAX_JSON_BYTES = 1024 * 1024;
