import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { compareKeys, S3ListingOrderError, type S3ObjectSummary } from './s3-bucket-source';
import { isS3AccessDenied, isS3NotFound } from '../../vault';
import { checkManifestChecksum, type ManifestChecksumVerdict, manifestMd5 } from './s3-inventory-checksum';
import { isMissingS3Object } from './s3-missing-object';
import { decodeUrlEncodedKey, listObjectPages, listObjectsPage } from './url-encoded-listing';

/** Where a bucket's S3 Inventory reports are delivered (the source's `inventory` config). */
export type S3InventoryLocation = { bucket: string; prefix: string; configId?: string };

/** The inventory cannot be used: none delivered yet, several configurations to choose from, a format Lifeboat does not read, a row it cannot read, or a manifest gone or changed while a run plans from it. */
export class S3InventoryError extends Error {
  override readonly name = 'S3InventoryError';
}

/** The parts of an inventory's manifest.json the planner reads (docs: "Amazon S3 Inventory list", manifest.json). */
const inventoryManifestSchema = z.object({
  sourceBucket: z.string(),
  fileFormat: z.string(),
  fileSchema: z.string(),
  files: z.array(z.object({ key: z.string() })),
});

/**
 * The report a plan reads: its manifest, the manifest's bytes as read and checked against manifest.checksum (the
 * step that chose the report plans from them, so what was checked is what is planned), and when S3 began it (the
 * time its date folder names, UTC); the MD5 of those bytes in hex (a continued plan checks the manifest is still
 * them); and the manifests of newer reports passed over because their manifest.checksum does not match them (the
 * caller says so).
 */
export type InventoryReport = { manifestKey: string; manifest: Buffer; manifestMd5: string; createdAt: Date; mismatched: string[] };

/**
 * The newest complete report of the source bucket's inventory: reports are delivered to
 * <prefix>/<source bucket>/<configuration id>/<YYYY-MM-DDTHH-MMZ>/manifest.json and manifest.checksum
 * (date folders sort as text). S3 writes manifest.checksum once the report is delivered (AWS: "Setting
 * up Amazon S3 event notifications for inventory completion", storage-inventory-notification.html), so a
 * folder without both is a report still arriving or one whose manifest was deleted, and one whose
 * manifest.checksum is not the MD5 of its manifest.json (what S3 writes there) a torn or replaced manifest;
 * an older complete report is taken instead, as it is when a manifest is deleted between the listing and its read
 * (a lifecycle rule expiring reports). Without `configId`, the source bucket must have exactly one
 * inventory configuration delivering there. `source` is the source's name, for the warnings logged.
 */
export async function latestInventoryReport(s3: S3Client, sourceBucket: string, location: S3InventoryLocation, source: string): Promise<InventoryReport> {
  const base = `${location.prefix ? `${location.prefix.replace(/\/+$/, '')}/` : ''}${sourceBucket}/`;
  let configFolder: string;
  if (location.configId !== undefined) {
    configFolder = `${base}${location.configId}/`;
  } else {
    // hive/ and data/ are inside each configuration folder, so every folder here is a configuration (one may be named "hive").
    const configs = await folders(s3, location.bucket, base);
    if (configs.length !== 1) {
      throw new S3InventoryError(
        `s3://${location.bucket}/${base} holds ${configs.length === 0 ? 'no inventory configuration' : `${configs.length} inventory configurations (${configs.join(', ')})`}; ` +
          'give the source\'s inventory.configId, or check the inventory configuration\'s destination.',
      );
    }
    configFolder = configs[0] as string;
  }
  const dates = (await folders(s3, location.bucket, configFolder)).filter((f) => REPORT_FOLDER.test(f)).sort();
  if (dates.length === 0) throw new S3InventoryError(`s3://${location.bucket}/${configFolder} has no inventory report yet (the first one arrives within 48 hours of configuring it).`);
  const mismatched: string[] = [];
  for (const folder of dates.reverse()) {
    if (!(await holdsBothManifests(s3, location.bucket, configFolder, folder))) continue;
    const manifestKey = `${folder}manifest.json`;
    const read = await readCheckedManifest(s3, location.bucket, manifestKey, source);
    // Deleted since the listing found it: as a folder without it.
    if ('missing' in read) continue;
    if (read.verdict !== 'differs') {
      return { manifestKey, manifest: read.body, manifestMd5: manifestMd5(read.body).toString('hex'), createdAt: reportTime(folder), mismatched };
    }
    mismatched.push(manifestKey);
  }
  throw new S3InventoryError(
    `s3://${location.bucket}/${configFolder} has ${dates.length} inventory report folder(s) but none holds both manifest.json and manifest.checksum` +
      (mismatched.length > 0 ? ` matching it (${mismatched.length} whose manifest.json is not the one its manifest.checksum names: ${mismatched.join(', ')})` : '') +
      ': the first report is still being delivered (wait for its manifest.checksum), or the manifests were deleted or rewritten (check the inventory bucket\'s lifecycle rules and what else writes there).',
  );
}

/** A report's date folder: <config folder>/YYYY-MM-DDTHH-MMZ/. */
const REPORT_FOLDER = /\/(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})Z\/$/;

function reportTime(folder: string): Date {
  const [, day, hour, minute] = REPORT_FOLDER.exec(folder) ?? [];
  return new Date(`${day}T${hour}:${minute}:00Z`);
}

/**
 * Whether a date folder holds manifest.json and manifest.checksum. Listed from the configuration folder
 * rather than under the date folder: the planner may list only the configuration folder (source-access.ts).
 * The listing starts after `<folder>manifest.`, so other objects of the folder (a user's, sorting before the
 * manifests) are skipped by S3 rather than read, and pages are followed until a key sorts past manifest.json.
 */
async function holdsBothManifests(s3: S3Client, bucket: string, configFolder: string, folder: string): Promise<boolean> {
  const json = `${folder}manifest.json`;
  const checksum = `${folder}manifest.checksum`;
  let found = 0;
  for await (const page of listObjectPages(s3, { Bucket: bucket, Prefix: configFolder, StartAfter: `${folder}manifest.`, MaxKeys: 10 })) {
    for (const { Key: key } of page.Contents ?? []) {
      if (key === undefined) continue;
      if (key === json || key === checksum) found++;
      // manifest.checksum sorts before manifest.json: past it, neither can follow.
      if (compareKeys(key, json) >= 0) return found === 2;
    }
  }
  return found === 2;
}

/** A report's manifest.json as read and what its manifest.checksum says of those bytes; or which of the two is gone. */
type ManifestRead = { body: Buffer; verdict: ManifestChecksumVerdict } | { missing: string; cause: unknown };

/**
 * The manifest `manifestKey` and the verdict of its date folder's manifest.checksum on the very bytes read (a
 * mismatch is a manifest torn or replaced since S3 delivered the report, whose data files may not be the ones
 * listed). A checksum in a form not recognised as an MD5 is logged as a warning and the manifest taken as it is.
 */
async function readCheckedManifest(s3: S3Client, bucket: string, manifestKey: string, source: string): Promise<ManifestRead> {
  const checksumKey = `${manifestKey.slice(0, manifestKey.lastIndexOf('/') + 1)}manifest.checksum`;
  const body = await readUnlessMissing(s3, bucket, manifestKey);
  if (!Buffer.isBuffer(body)) return body;
  const checksum = await readUnlessMissing(s3, bucket, checksumKey);
  if (!Buffer.isBuffer(checksum)) return checksum;
  const verdict = checkManifestChecksum(body, checksum);
  if (verdict === 'unrecognised') {
    // Fail open: AWS documents the file only as "the MD5 hash" of the manifest, and a format we do not know must not
    // stop every backup of the source; the manifest is still parsed and checked against the source bucket.
    const warning =
      `s3://${bucket}/${checksumKey} is not an MD5 in hex or base64 (it holds ${JSON.stringify(checksum.toString('utf8').trim().slice(0, 64))}): ` +
      `planning from s3://${bucket}/${manifestKey} without checking that it is the manifest S3 delivered. Report the checksum's format to Lifeboat's maintainers.`;
    console.warn(JSON.stringify({ level: 'WARN', source, warning }));
  }
  return { body, verdict };
}

/** The object `key` of a report's date folder, or that it is gone (as isMissingManifest finds it). */
async function readUnlessMissing(s3: S3Client, bucket: string, key: string): Promise<Buffer | { missing: string; cause: unknown }> {
  try {
    return await readWhole(s3, bucket, key);
  } catch (err) {
    if (await isMissingManifest(s3, bucket, key, err)) return { missing: key, cause: err };
    throw err;
  }
}

async function folders(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await listObjectsPage(s3, { Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token });
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) found.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return found;
}

/**
 * The objects an inventory report lists under `prefix`, after `startAfter`, in S3's key order, read
 * as a stream (gzip CSV, one data file at a time, line by line; nothing but the current line and the
 * previous key held). Delete markers and non-current versions of an all-versions inventory are left
 * out. The keys must ascend across the report's files as S3 lists them; otherwise the report cannot
 * place key-range boundaries and S3ListingOrderError says so. `manifestBody` is the manifest as
 * latestInventoryReport read and checked it (the step that chose the report); without it (a step continuing
 * the plan) the manifest is read again and must have `manifestMd5`, the MD5 in hex of the bytes chosen.
 */
export async function* listInventoryObjects(
  s3: S3Client,
  inventoryBucket: string,
  manifestKey: string,
  options: { source: string; sourceBucket: string; prefix: string; startAfter?: string; position?: InventoryPosition; manifestBody?: Buffer; manifestMd5?: string },
): AsyncGenerator<S3ObjectSummary> {
  const body = options.manifestBody ?? (await readContinuedManifest(s3, inventoryBucket, manifestKey, options.source, options.manifestMd5));
  const manifest = inventoryManifestSchema.parse(JSON.parse(body.toString('utf8')));
  if (manifest.fileFormat !== 'CSV') {
    throw new S3InventoryError(`Inventory s3://${inventoryBucket}/${manifestKey} is ${manifest.fileFormat}; Lifeboat reads CSV inventories only (set the inventory configuration's output format to CSV).`);
  }
  if (manifest.sourceBucket !== options.sourceBucket) {
    throw new S3InventoryError(`Inventory s3://${inventoryBucket}/${manifestKey} lists bucket ${manifest.sourceBucket}, not the source's bucket ${options.sourceBucket}.`);
  }
  const fields = manifest.fileSchema.split(',').map((f) => f.trim());
  const column = (name: string): number => fields.indexOf(name);
  const keyAt = column('Key');
  if (keyAt < 0) throw new S3InventoryError(`Inventory s3://${inventoryBucket}/${manifestKey} has no Key field (fileSchema: ${manifest.fileSchema}).`);
  const sizeAt = column('Size');
  // Without sizes no object can be split, nor a shard sized by bytes: an object larger than one Lambda run reads
  // would fail its shard at every run, and a newer report of the same configuration would not help.
  if (sizeAt < 0) {
    throw new S3InventoryError(
      `Inventory s3://${inventoryBucket}/${manifestKey} has no Size field (fileSchema: ${manifest.fileSchema}): Lifeboat sizes shards and splits large objects by it. Add Size to the inventory configuration's optional fields (the next report carries it), or remove "inventory" from the source to plan by listing the bucket.`,
    );
  }
  const etagAt = column('ETag');
  const modifiedAt = column('LastModifiedDate');
  const latestAt = column('IsLatest');
  const deleteMarkerAt = column('IsDeleteMarker');
  let previous: string | undefined;
  const position = options.position ?? { file: 0 };
  // Files before position.file hold only keys up to startAfter (keys ascend across files), so a
  // continued plan starts at the file it stopped in instead of reading the report from the start.
  for (; position.file < manifest.files.length; position.file++) {
    const file = manifest.files[position.file] as { key: string };
    const lines = createInterface({ input: (await openBody(s3, inventoryBucket, file.key)).pipe(createGunzip()), crlfDelay: Infinity });
    const place: InventoryRowPlace = { bucket: inventoryBucket, file: file.key, line: 0 };
    for await (const line of lines) {
      place.line++;
      if (line === '') continue;
      const row = parseCsvLine(line);
      if (latestAt >= 0 && row[latestAt] === 'false') continue;
      if (deleteMarkerAt >= 0 && row[deleteMarkerAt] === 'true') continue;
      const key = rowKey(row[keyAt], line, place);
      if (previous !== undefined && compareKeys(key, previous) <= 0) throw new S3ListingOrderError(options.sourceBucket, previous, key);
      previous = key;
      if (!key.startsWith(options.prefix)) continue;
      if (options.startAfter !== undefined && compareKeys(key, options.startAfter) <= 0) continue;
      const etag = etagAt >= 0 ? (row[etagAt] ?? '') : '';
      yield {
        key,
        size: rowSize(row[sizeAt], place),
        // Inventories give the ETag bare; ListObjectsV2 quotes it.
        etag: etag === '' || etag.startsWith('"') ? etag : `"${etag}"`,
        lastModified: modifiedAt >= 0 ? (row[modifiedAt] ?? '') : '',
      };
    }
  }
}

/** Which data file of the report the listing is in: read by the planner when it stops, to resume there. */
export type InventoryPosition = { file: number };

/** Inventory keys are URL-encoded ('+' never stands for itself: a literal '+' is %2B). Malformed escapes throw URIError. */
export function decodeInventoryKey(encoded: string): string {
  return decodeUrlEncodedKey(encoded);
}

/** Where a row lies: the data file (in the inventory bucket) and its line, 1-based, counting every line of the file. */
type InventoryRowPlace = { bucket: string; file: string; line: number };

/**
 * A row the planner cannot read: the report is damaged or was not written by S3 Inventory. Planning
 * stops (a guessed key or size would misplace a range boundary or a split) and the error names the
 * data file, the line and the field as it is in the file.
 */
function malformedRow(place: InventoryRowPlace, what: string, options?: { cause: unknown }): S3InventoryError {
  return new S3InventoryError(
    `Inventory data file s3://${place.bucket}/${place.file}, line ${place.line}: ${what}. The report is damaged or not an S3 Inventory CSV report, so the source cannot be planned from it; ` +
      'remove the source\'s inventory setting to plan it by listing the bucket until a sound report is delivered.',
    options,
  );
}

function rowKey(field: string | undefined, line: string, place: InventoryRowPlace): string {
  if (field === undefined || field === '') throw malformedRow(place, `the row has no Key field (${JSON.stringify(line)})`);
  try {
    return decodeInventoryKey(field);
  } catch (err) {
    if (err instanceof URIError) throw malformedRow(place, `the Key field ${JSON.stringify(field)} is not valid URL encoding`, { cause: err });
    throw err;
  }
}

function rowSize(field: string | undefined, place: InventoryRowPlace): number {
  if (field === undefined) throw malformedRow(place, 'the row has no Size field');
  if (!/^\d+$/.test(field) || !Number.isSafeInteger(Number(field))) throw malformedRow(place, `the Size field ${JSON.stringify(field)} is not a number of bytes`);
  return Number(field);
}

/** One CSV record of an inventory data file: fields in double quotes, a quote inside doubled. */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i];
        i++;
      }
      fields.push(value);
      i++; // the comma
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

async function openBody(s3: S3Client, bucket: string, key: string): Promise<Readable> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (object.Body instanceof Readable) return object.Body;
  if (object.Body === undefined) return Readable.from([]);
  return Readable.from([Buffer.from(await object.Body.transformToByteArray())]);
}

/**
 * The manifest a continued plan names, read again: the run's earlier steps planned from the manifest as it was when
 * chosen, so one gone or changed since fails the run (its shards would list objects by two reports) with an error
 * naming it and the source. Changed is told by `chosenMd5`, the MD5 of the bytes chosen: checking against
 * manifest.checksum alone passes a manifest.json and manifest.checksum both replaced (another report written to the
 * folder). A continuation without it (written before the plan carried it) is checked against manifest.checksum.
 */
async function readContinuedManifest(s3: S3Client, bucket: string, key: string, source: string, chosenMd5: string | undefined): Promise<Buffer> {
  const changed = (how: string): S3InventoryError =>
    new S3InventoryError(
      `Inventory manifest s3://${bucket}/${key} of source "${source}" changed while the backup was being planned from it: ${how}, so the rest of the plan could list other objects than the shards already planned. ` +
        'Run the backup again: it plans from the newest complete report (check what else writes to the inventory bucket).',
    );
  const gone = (missing: { missing: string; cause: unknown }): S3InventoryError =>
    new S3InventoryError(
      `Inventory manifest s3://${bucket}/${missing.missing} of source "${source}" does not exist (deleted since the plan chose it?). Run the backup again: it plans from the newest complete report, or remove the source's inventory setting to plan it by listing the bucket.`,
      { cause: missing.cause },
    );
  if (chosenMd5 === undefined) {
    const read = await readCheckedManifest(s3, bucket, key, source);
    if ('missing' in read) throw gone(read);
    if (read.verdict === 'differs') throw changed('its manifest.checksum is no longer the MD5 of its manifest.json (rewritten or torn since the plan chose it)');
    return read.body;
  }
  const body = await readUnlessMissing(s3, bucket, key);
  if (!Buffer.isBuffer(body)) throw gone(body);
  const md5 = manifestMd5(body).toString('hex');
  if (md5 !== chosenMd5.toLowerCase()) throw changed(`its manifest.json is no longer the one the plan chose (MD5 ${chosenMd5} then, ${md5} now: rewritten, or replaced by another report, since)`);
  return body;
}

/**
 * Whether reading `key` (<config folder><date folder>manifest.json or manifest.checksum) failed because it is gone. As
 * isMissingS3Object, but a 403 is checked by listing from the configuration folder: with a configId the planner may
 * list only with s3:prefix equal to that folder (source-access.ts), so a listing under the key itself would be refused
 * too and the deletion reported as a bare AccessDenied. As in holdsBothManifests, the listing starts after
 * `<date folder>manifest.` (other objects of the date folder are skipped by S3) and pages are followed until past the key.
 */
async function isMissingManifest(s3: S3Client, bucket: string, key: string, err: unknown): Promise<boolean> {
  const dateFolder = key.slice(0, key.lastIndexOf('/') + 1);
  const folder = REPORT_FOLDER.exec(dateFolder);
  if (folder === null || isS3NotFound(err)) return isMissingS3Object(s3, bucket, key, err);
  if (!isS3AccessDenied(err) || (err instanceof Error && err.name === 'InvalidObjectState')) return false;
  const configFolder = dateFolder.slice(0, dateFolder.length - folder[0].length + 1);
  try {
    let truncated = false;
    for await (const page of listObjectPages(s3, { Bucket: bucket, Prefix: configFolder, StartAfter: `${dateFolder}manifest.`, MaxKeys: 10 })) {
      for (const { Key: listed } of page.Contents ?? []) {
        if (listed === undefined) continue;
        if (listed === key) return false;
        // Only a listing that kept to the prefix proves the key absent: an endpoint that ignores Prefix proves nothing.
        if (!listed.startsWith(configFolder)) return false;
        if (compareKeys(listed, key) > 0) return true;
      }
      truncated = page.IsTruncated === true;
    }
    // The end of the listing proves the key absent; a truncated page without a token to follow does not.
    return !truncated;
  } catch {
    // The listing's own failure says nothing about the manifest: the original refusal is the error to report.
    return false;
  }
}

async function readWhole(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await openBody(s3, bucket, key)) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
