import { type ChecksumAlgorithm, type CompletedPart as SdkCompletedPart } from '@aws-sdk/client-s3';

/**
 * The checksum a restore's multipart uploads declare when they are created, as the vault's own
 * (S3VaultStore) do. The SDK adds a CRC32 to every UploadPart by default; S3 has answered a part
 * checksum of an algorithm its upload was not created with by refusing the part ("Checksum Type
 * mismatch occurred, expected checksum Type: null, actual checksum Type: crc32"), or by refusing the
 * completion, and S3-compatible stores still do. Declared, the rules are the documented ones: each
 * part carries its CRC32, and CompleteMultipartUpload gives each part's (local/cloud/multipart-checksums.ts
 * emulates them).
 */
export const MULTIPART_CHECKSUM: ChecksumAlgorithm = 'CRC32';

export type CompletedPart = { PartNumber: number; ETag: string; ChecksumCRC32?: string } & SdkCompletedPart;

/** A part as CompleteMultipartUpload needs it: its number, its ETag and its CRC32 from the UploadPart answer (a store that returns none: left out). */
export function completedPart(PartNumber: number, answer: { ETag?: string; ChecksumCRC32?: string }): CompletedPart {
  return { PartNumber, ETag: answer.ETag ?? '', ...(answer.ChecksumCRC32 ? { ChecksumCRC32: answer.ChecksumCRC32 } : {}) };
}
