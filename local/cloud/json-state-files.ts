import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * How the local cloud keeps what s3rver and dynalite cannot (bucket owners, bucket security, table
 * protection, Object Lock, storage classes): JSON files beside their data, each replaced atomically
 * (a temp file renamed over it), so a reader never sees half a record.
 */

/** One JSON document of records by name, read whole; a missing or unreadable file is no records. `isRecord` keeps the valid ones. */
export function readRecordFile<T>(file: string, isRecord: (value: unknown) => value is T = (value): value is T => value !== undefined): Record<string, T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, T] => isRecord(entry[1])));
}

/** A record that is a JSON object (not null, not an array). */
export function isObjectRecord<T>(value: unknown): value is T {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Writes the records as one JSON document (pretty, for people reading the data directory). */
export function writeRecordFile(file: string, records: ReadonlyMap<string, unknown>): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(Object.fromEntries(records), null, 2)}\n`);
  renameSync(temp, file);
}

/**
 * One record per file (many objects, read on each request): undefined when the file does not exist.
 * Most lookups find no file (an object never moved out of STANDARD, a bucket without Object Lock): a
 * synchronous stat that reports a missing file without an error answers those at a seventh of the CPU of
 * an asynchronous open failing with ENOENT (its error and stack trace). Any other outcome of the stat
 * (the file there, or an error) goes on to the read, which answers as before. (The stat also reports no
 * file, rather than ENOTDIR, under a path component that is a file: no file is there either way.)
 */
export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  if (missingFile(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function missingFile(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false }) === undefined;
  } catch {
    return false;
  }
}

let writes = 0;
/** Replaces a one-record file atomically: a crash never leaves half a record (a lock record would read as "no lock"). */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${++writes}.tmp`;
  await writeFile(temp, JSON.stringify(value));
  await rename(temp, file);
}
