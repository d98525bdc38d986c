/**
 * The AWS account an access key id belongs to, read from the id itself, offline: in an outage of the primary region
 * the CLI must know whose copy of a stack's environment to use without calling STS (review r60N F4). The key id of a
 * session (ASIA…) changes every session, its account does not (review r60O F1: a copy keyed by the key id was never
 * found again).
 *
 * The scheme is not documented by AWS; it was worked out by Aidan Steele ("AWS Access Key ID formats", 2020) and
 * corrected by Tal Be'ery ("A short note on AWS KEY ID", 2021): after the 4-character prefix (AKIA, ASIA) the id is
 * base32 (RFC 4648); of its first 6 bytes, as a big-endian integer, the bits 0x7fffffffff80 shifted right by 7 are
 * the account. Their example: ASIAY34FZKBOKMUTVV7A is of account 609629065308 (what sts:GetAccessKeyInfo answers).
 *
 * Only ids of the current format carry it: bit 47 (the top bit of the first base32 character: Q–Z, 2–7) says so. An
 * id of the old format (the AWS docs' AKIAIOSFODNN7EXAMPLE, IAM users' keys made before 2019, some roles' ASIAI…/ASIAJ…
 * session keys) decodes to a made-up number, another one for each key and each session (review r61B F1: the CLI
 * refused its own copy, and each session had a directory of its own); such an id gives no account, as trufflehog
 * does, and its credentials find their copy by a pointer (credentials-account.ts, review r61H).
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The ids that carry their account: an IAM user's long-lived key (AKIA) or a session's temporary one (ASIA), of the
 * current format (its first character after the prefix has bit 47 set).
 */
const ACCOUNT_KEY_ID = /^(AKIA|ASIA)([Q-Z2-7][A-Z2-7]{15,})$/;

/**
 * The 12-digit account of `accessKeyId`, or undefined when it is not an id of that format (LocalStack's `test`, an id
 * of the old format).
 */
export function accessKeyAccount(accessKeyId: string): string | undefined {
  const match = ACCOUNT_KEY_ID.exec(accessKeyId);
  const encoded = match?.[2];
  if (encoded === undefined) return undefined;
  // The first 6 bytes are the first 48 bits: 10 base32 characters (50 bits), of which the last 2 bits are dropped.
  let bits = 0n;
  for (const char of encoded.slice(0, 10)) bits = (bits << 5n) | BigInt(BASE32.indexOf(char));
  const firstSixBytes = bits >> 2n;
  const account = (firstSixBytes & 0x7fffffffff80n) >> 7n;
  return account.toString().padStart(12, '0');
}

/** The account of a role's ARN (`arn:<partition>:iam::<account>:role/<name>`), or undefined when it is no such ARN. */
export function roleArnAccount(roleArn: string): string | undefined {
  return /^arn:[a-z0-9-]+:iam::(\d{12}):role\//.exec(roleArn)?.[1];
}
