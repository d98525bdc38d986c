import { createHash } from 'node:crypto';
import { InvalidInputError } from '../runtime/errors';

/**
 * The id of a drill, `<yyyymmddThhmmssZ>-<first 8 hex of sha256(execution name)>`: every step of
 * the drill workflow gets the execution's name and start time, so each derives the same id without
 * passing it along, and ids sort by start time (the catalog's `DRILLS` items are ordered by it).
 */
export function drillIdOf(executionName: string, executionStartTime: string): string {
  const started = Date.parse(executionStartTime);
  if (executionName === '') throw new InvalidInputError('Invalid drill envelope: execution: must be the execution name ($$.Execution.Name)');
  if (Number.isNaN(started)) {
    throw new InvalidInputError(`Invalid drill envelope: startedAt: "${executionStartTime}" is not a time; pass $$.Execution.StartTime`);
  }
  const stamp = new Date(started).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${createHash('sha256').update(executionName).digest('hex').slice(0, 8)}`;
}
