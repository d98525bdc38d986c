import { createHash } from 'node:crypto';
import { z } from 'zod';

/** A restore id names its plan, `restore-plans/<restore id>.json`, and keys its pin and target claim: a plain S3 key part. */
const SAFE_RESTORE_ID = /^[0-9A-Za-z_-]{1,80}$/;
/** The most characters a Step Functions execution name has (StartExecution `name`). */
const MAX_EXECUTION_NAME = 80;

/**
 * The restore id of a restore runbook execution, from its name (audit R39 F3): the name itself when it is a safe id (the
 * CLI's UUIDs, the failover's and drill's ids), else the name with every other character replaced by `_`, cut to leave
 * room for `-` and 8 hex of its SHA-256, which keeps two names that differ only in those characters apart. Step Functions
 * allows names with `.`, `+`, `=`, `@` and non-ASCII letters; the runbook's resolve step and its release step derive
 * the id each on its own, so both must call this.
 */
export function restoreIdOfExecution(executionName: string): string {
  if (SAFE_RESTORE_ID.test(executionName)) return executionName;
  const hash = createHash('sha256').update(executionName).digest('hex').slice(0, 8);
  const stem = Array.from(executionName, (c) => (/^[0-9A-Za-z_-]$/.test(c) ? c : '_')).join('').slice(0, MAX_EXECUTION_NAME - hash.length - 1);
  return `${stem}-${hash}`;
}

/** The `restoreId` of the runbook's envelope: `$$.Execution.Name` (any name Step Functions allows), made a restore id. */
export const executionRestoreIdSchema = z
  .string()
  .refine((name) => name.length > 0 && Array.from(name).length <= MAX_EXECUTION_NAME, { message: `must be the execution name ($$.Execution.Name: 1 to ${MAX_EXECUTION_NAME} characters)` })
  .transform(restoreIdOfExecution);
