import { S3_RESERVED_BUCKET_NAME_ENDS } from '../../config/failover-target-name';

/**
 * The rules a restore target's names must follow, checked when the runbook input is validated: a
 * name AWS or the kernel would refuse otherwise fails deep in the restore, with an error that names
 * no field. Each function returns what is wrong with its argument, or undefined.
 */

/** S3's rules for general purpose bucket names (docs: "General purpose bucket naming rules"). */
export const S3_BUCKET_NAME_RULE =
  'an S3 bucket name is 3 to 63 lowercase letters, digits, dots and hyphens, begins and ends with a letter or digit, has no two dots in a row and is no IP address';

/**
 * Length is left to the schema's own min/max checks. Legacy us-east-1 names (uppercase,
 * underscores) are refused too: no bucket can be created so any more, and a restore target is new.
 */
export function s3BucketNameProblem(name: string): string | undefined {
  const bad = otherCharacters(name, /[^a-z0-9.-]/gu);
  if (bad) return `it holds ${bad}`;
  if (/^[.-]|[.-]$/.test(name)) return 'it begins or ends with a dot or hyphen';
  if (name.includes('..')) return 'it has two dots in a row';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'it is formatted as an IP address';
  // S3 refuses these at CreateBucket (InvalidBucketName), which names no field: found here, the field is named.
  const start = S3_RESERVED_BUCKET_NAME_STARTS.find((s) => name.startsWith(s));
  if (start !== undefined) return `it begins with "${start}", which S3 reserves at the start of bucket names`;
  const end = S3_RESERVED_WHOLE_NAME_ENDS.find((e) => name.endsWith(e));
  if (end !== undefined) return `it ends with "${end}", which S3 reserves at the end of bucket names (access point aliases, directory and table buckets, Multi-Region Access Points)`;
  return undefined;
}

/** S3 refuses general purpose bucket names that start with these (its bucket naming rules). "sthree-configurator" starts with "sthree-". */
export const S3_RESERVED_BUCKET_NAME_STARTS = ['xn--', 'sthree-', 'amzn-s3-demo-'] as const;

/** ... or end with these (config/failover-target-name.ts, which the config may import): access point and Object Lambda aliases, directory buckets, table buckets. */
export { S3_RESERVED_BUCKET_NAME_ENDS };

/**
 * All the endings a whole bucket name is checked against: those above and `.mrap` (Multi-Region Access Points, review
 * 42c F7), which only a restore's own `bucket` can end with: a failover suffix holds no dot, so its list leaves it out.
 */
export const S3_RESERVED_WHOLE_NAME_ENDS = [...S3_RESERVED_BUCKET_NAME_ENDS, '.mrap'] as const;

/** DynamoDB's rule for table names (its length: the schema's min/max). */
export const DYNAMODB_TABLE_NAME_RULE = 'a DynamoDB table name is 3 to 255 letters, digits, underscores, dots and hyphens';

export function dynamoDbTableNameProblem(name: string): string | undefined {
  const bad = otherCharacters(name, /[^a-zA-Z0-9_.-]/gu);
  return bad ? `it holds ${bad}` : undefined;
}

/** Linux's PATH_MAX (4096) counts the closing NUL: a path itself has at most 4095 bytes. */
export const MAX_PATH_BYTES = 4095;
/** Linux's NAME_MAX: the bytes of one name in a directory, on every file system Lifeboat restores to (EFS, ext4, xfs). */
export const MAX_NAME_BYTES = 255;

/** A path's length in bytes (the kernel's measure, not JavaScript's UTF-16 units), and that of each of its names. */
export function linuxPathProblem(path: string): string | undefined {
  const bytes = utf8Bytes(path);
  if (bytes > MAX_PATH_BYTES) return `is ${bytes} bytes long in UTF-8; Linux takes paths of at most ${MAX_PATH_BYTES} bytes (PATH_MAX, 4096, counts the closing NUL)`;
  const long = path.split('/').find((name) => utf8Bytes(name) > MAX_NAME_BYTES);
  if (long !== undefined) {
    return `has a name of ${utf8Bytes(long)} bytes in UTF-8 (${JSON.stringify(`${[...long].slice(0, 16).join('')}…`)}); Linux takes names of at most ${MAX_NAME_BYTES} bytes (NAME_MAX) between the slashes`;
  }
  return undefined;
}

/** S3's limit on an object key, in bytes of UTF-8. */
export const MAX_S3_KEY_BYTES = 1024;

/**
 * A string that becomes part of a key or path as UTF-8: a lone UTF-16 surrogate (valid in JSON as
 * "\ud800") has no UTF-8 form, so the SDK and Node would write U+FFFD instead, a different name than
 * the one asked for; NUL ends a path in the kernel and is no character S3's XML listings can return.
 */
export function encodableTextProblem(text: string): string | undefined {
  return text.includes('\0') ? 'must not contain a NUL byte' : loneSurrogateProblem(text);
}

export function loneSurrogateProblem(text: string): string | undefined {
  return /\p{Surrogate}/u.test(text) ? 'must be well-formed Unicode: it holds a lone UTF-16 surrogate (a "\\ud800" escape without its pair), which has no UTF-8 form' : undefined;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The characters of `text` that `pattern` (global) matches, each once and quoted: `"U", "P" and "/"`; undefined when none. */
function otherCharacters(text: string, pattern: RegExp): string | undefined {
  const found = [...new Set(text.match(pattern) ?? [])].map((c) => JSON.stringify(c));
  if (found.length === 0) return undefined;
  return found.length === 1 ? found[0] : `${found.slice(0, -1).join(', ')} and ${found[found.length - 1]}`;
}
