import { createHash } from 'node:crypto';

/**
 * What an S3 Inventory report's manifest.checksum says of the manifest.json bytes read: `matches` (the MD5 of
 * those bytes), `differs` (the MD5 of other bytes, or an MD5 cut short or emptied: a manifest or checksum torn or
 * rewritten since S3 delivered the report), or `unrecognised` (a format foreign to Lifeboat, so it says nothing
 * either way).
 */
export type ManifestChecksumVerdict = 'matches' | 'differs' | 'unrecognised';

/** 16 bytes as hex, in either case. */
const HEX_MD5 = /^[0-9a-f]{32}$/i;
/** 16 bytes as base64, padded or not: 21 characters and a last one whose 4 low bits are zero. */
const BASE64_MD5 = /^[A-Za-z0-9+/]{21}[AQgw](==)?$/;
/**
 * Text an MD5 in hex or base64 could have been before it was torn: nothing, or hex or base64 characters only. One
 * of the wrong length is a damaged checksum, not another format, and must not let its manifest through unchecked.
 */
const MD5_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

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
  else return MD5_ALPHABET.test(text) ? 'differs' : 'unrecognised';
  return named.equals(manifestMd5(manifest)) ? 'matches' : 'differs';
}

/** The MD5 of a manifest's bytes: what its manifest.checksum names, and what a continued plan checks it still is. */
export function manifestMd5(manifest: Buffer): Buffer {
  return createHash('md5').update(manifest).digest();
}
