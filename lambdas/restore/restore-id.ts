import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * A restore id names its plan, `restore-plans/<restore id>.json`, and keys its pin and target claim: a plain S3 key part.
 * Exported for shown-pin-by.ts, which shows a restore's pin whole only when it holds an id of this form.
 */
export const SAFE_RESTORE_ID = /^[0-9A-Za-z_-]{1,80}$/;
/** The most characters a Step Functions execution name has (StartExecution `name`). */
const MAX_EXECUTION_NAME = 80;

/**
 * `name` made a restore id, with `suffix` (itself safe: a source's name after `-`) kept whole at its end: `name` and
 * `suffix` as they are when together they are a safe id; else `name` with every other character replaced by `_`, cut to
 * leave room for `-`, 8 hex of its SHA-256 and `suffix`: the hash keeps two names that differ only in the characters
 * replaced or cut apart. The one implementation of both ids (restoreIdOfExecution, the failover's restoreIdOf):
 * changing it changes ids that target claims, pins and restore plans already hold.
 */
export function safeRestoreId(name: string, suffix = ''): string {
  const plain = `${name}${suffix}`;
  if (SAFE_RESTORE_ID.test(plain)) return plain;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  // Per character, not per UTF-16 unit: a letter outside the BMP becomes one `_`.
  const stem = Array.from(name, (c) => (/^[0-9A-Za-z_-]$/.test(c) ? c : '_'))
    .join('')
    .slice(0, Math.max(0, MAX_EXECUTION_NAME - suffix.length - hash.length - 1));
  return `${stem}-${hash}${suffix}`;
}

/**
 * The restore id of a restore runbook execution, from its name (audit R39 F3): the name itself when it is a safe id (the
 * CLI's names, `lifeboat-restore-<UTC>-<12 hex>` with --aws and `<UTC>-<8 hex>` locally; the failover's and drill's
 * ids), else made one by safeRestoreId. Step Functions allows names with `.`,
 * `+`, `=`, `@` and non-ASCII letters; the runbook's resolve step and its release step derive the id each on its own,
 * so both must call this.
 */
export function restoreIdOfExecution(executionName: string): string {
  return safeRestoreId(executionName);
}

/** The `restoreId` of the runbook's envelope: `$$.Execution.Name` (any name Step Functions allows), made a restore id. */
export const executionRestoreIdSchema = z
  .string()
  .refine((name) => name.length > 0 && Array.from(name).length <= MAX_EXECUTION_NAME, { message: `must be the execution name ($$.Execution.Name: 1 to ${MAX_EXECUTION_NAME} characters)` })
  .transform(restoreIdOfExecution);
