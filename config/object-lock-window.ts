/**
 * How far commit and replication push an object's Object Lock retention (docs/ARCHITECTURE.md, "Object Lock"):
 * at least `days` from now, and when an object must be extended, a tenth more, at most RETENTION_SLACK_MAX_DAYS,
 * so that with a backup a day an object gets a PutObjectRetention about every days/10 days rather than with
 * every backup. Here, in config/, because the constructs need the same bound: the DR vault of another account
 * refuses the primary account any retention longer than what these functions ask for
 * (lib/constructs/vault-bucket-protection.ts). The engine imports nothing of config/, so
 * vault/repository/snapshot-locks.ts `retentionWindow` computes it too; test/infra/lib/cross-account-dr.test.ts
 * holds the two together.
 */

/** The most days a retention extension adds beyond `days` (the slack of a vault with `days` of 300 or more). */
export const RETENTION_SLACK_MAX_DAYS = 30;

/** The slack an extension adds beyond `days`: a tenth of it, rounded up, at most RETENTION_SLACK_MAX_DAYS. */
export function retentionSlackDays(days: number): number {
  return Math.min(RETENTION_SLACK_MAX_DAYS, Math.ceil(days / 10));
}

/** The longest retention, in days from now, that commit or replication ever asks S3 for in a vault locked for `days`. */
export function longestRetentionDays(days: number): number {
  return days + retentionSlackDays(days);
}
