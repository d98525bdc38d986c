// Apart from kms-key-provider.ts so that checking a key object (key-object.ts, every open) does not load the KMS SDK.

/** KMS Decrypt's limit on a CiphertextBlob; a longer one is answered with a ValidationException no retry or other key cures. */
const KMS_CIPHERTEXT_MAX_BYTES = 6144;

/** Why a stored KMS ciphertext cannot be one KMS returned, or undefined: checked before calling KMS. */
export function kmsCiphertextProblem(ciphertext: string): string | undefined {
  const bytes = Buffer.from(ciphertext, 'base64');
  if (bytes.length === 0 || bytes.toString('base64') !== ciphertext) return 'The KMS-wrapped vault key is not valid base64 (or is empty)';
  if (bytes.length > KMS_CIPHERTEXT_MAX_BYTES) return `The KMS-wrapped vault key is ${bytes.length} bytes, more than KMS ciphertexts have (${KMS_CIPHERTEXT_MAX_BYTES})`;
  return undefined;
}
