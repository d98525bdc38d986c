import { createHash } from 'node:crypto';

/**
 * What an S3 Inventory report's manifest.checksum says of the manifest.json bytes read: `matches` (the MD5 of
 * those bytes), `differs` (the MD5 of other bytes: a manifest torn or rewritten since S3 delivered the report), or
 * `unrecognised` (not an MD5 in a form Lifeboat reads, so it says nothing either way).
 */
export type ManifestChecksumVerdict = 'matches' | 'differs' | 'unrecognised';

/** 16 bytes as hex, in either case. */
const HEX_MD5 = /^[0-9a-f]{32}$/i;
/** 16 bytes as base64, padded or not: 21 characters and a last one whose 4 low bits are zero. */
const BASE64_MD5 = /^[A-Za-z0-9+/]{21}[AQgw](==)?$/;

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
  else return 'unrecognised';
  return named.equals(createHash('md5').update(manifest).digest()) ? 'matches' : 'differs';
}
