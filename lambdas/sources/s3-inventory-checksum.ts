import { createHash } from 'node:crypto';

/**
 * What an S3 Inventory report's manifest.checksum says of the manifest.json bytes read: `matches` (the MD5 of
 * those bytes), `differs` (the MD5 of other bytes, or an MD5 cut short or emptied: a manifest or checksum torn or
 * rewritten since S3 delivered the report), or `unrecognised` (a format foreign to Lifeboat, such as a longer hash
 * or a keyword, so it says nothing either way).
 */
export type ManifestChecksumVerdict = 'matches' | 'differs' | 'unrecognised';

/** 16 bytes as hex, in either case. */
const HEX_MD5 = /^[0-9a-f]{32}$/i;
/** 16 bytes as base64, padded or not: 21 characters and a last one whose 4 low bits are zero. */
const BASE64_MD5 = /^[A-Za-z0-9+/]{21}[AQgw](==)?$/;
/** Hex shorter than an MD5's 32 characters: what S3's lowercase hex MD5 is once cut short. */
const HEX_CUT_SHORT = /^[0-9a-f]{1,31}$/i;
/**
 * Base64 shorter than an MD5's 22 characters, without padding (a value cut short has lost the `==` at its end; a
 * short value with its padding is whole, the checksum of another algorithm such as a CRC32C).
 */
const BASE64_CUT_SHORT = /^[A-Za-z0-9+/]{1,21}$/;
/**
 * A word, in one case or capitalised (UNSIGNED, none, Unsigned): a keyword of a format of its own, not base64 cut
 * short, which at 6 characters or more is letters of one case less than once in a hundred.
 */
const WORD = /^(?:[A-Z]+|[A-Z]?[a-z]+)$/;

/**
 * Whether `checksumFile` (the content of manifest.checksum) is the MD5 of `manifest`. AWS documents the file only as
 * "the MD5 hash of the content of the manifest.json file" (S3 writes lowercase hex today), so hex in either case and
 * base64 are read; surrounding whitespace (a trailing newline) is ignored.
 */
export function checkManifestChecksum(manifest: Buffer, checksumFile: Buffer): ManifestChecksumVerdict {
  const text = checksumFile.toString('utf8').trim();
  let named: Buffer;
  if (HEX_MD5.test(text)) named = Buffer.from(text, 'hex');
  else if (BASE64_MD5.test(text)) named = Buffer.from(text, 'base64');
  else return isCutShortMd5(text) ? 'differs' : 'unrecognised';
  return named.equals(manifestMd5(manifest)) ? 'matches' : 'differs';
}

/**
 * Whether `text` is what an MD5 in hex or base64 is when emptied or cut short. Longer text of those alphabets is the
 * checksum of another algorithm (a SHA-1 or SHA-256 in hex or base64), not a torn MD5: taking it for a mismatch would
 * pass over every report of the source and fail each of its backups, where a warning lets them run.
 */
function isCutShortMd5(text: string): boolean {
  return text === '' || HEX_CUT_SHORT.test(text) || (BASE64_CUT_SHORT.test(text) && !WORD.test(text));
}

/** The MD5 of a manifest's bytes: what its manifest.checksum names, and what a continued plan checks it still is. */
export function manifestMd5(manifest: Buffer): Buffer {
  return createHash('md5').update(manifest).digest();
}
