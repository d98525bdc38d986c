/** Errors of the local scheduler. Names end in `Error`; each message says what to change. */

export { InvalidTimezoneError } from '../../config/invalid-timezone-error';

/** An AWS::Scheduler::Schedule of the templates that cannot be read (bad property, unresolvable value). */
export class InvalidScheduleError extends Error {
  override readonly name = 'InvalidScheduleError';
  constructor(
    readonly stackName: string,
    readonly logicalId: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${stackName}/${logicalId} (AWS::Scheduler::Schedule): ${reason}`, options);
  }
}

/** `local schedules fire NAME` with a name no template declares. */
export class ScheduleNotFoundError extends Error {
  override readonly name = 'ScheduleNotFoundError';
  constructor(
    readonly requested: string,
    readonly known: readonly string[],
  ) {
    super(`No schedule "${requested}" in the synthesized templates. Known schedules: ${known.length ? known.join(', ') : '(none)'}.`);
  }
}

/**
 * Why the scheduler may not invoke a schedule's target, as AWS would fail the invocation: the target
 * is not a state machine of the templates, the role is missing, does not trust the scheduler or may
 * not start the target, or the input is not JSON. Never retried: no retry can fix a template.
 */
export class ScheduleInvocationRefusedError extends Error {
  override readonly name = 'ScheduleInvocationRefusedError';
  constructor(
    readonly schedule: string,
    reason: string,
  ) {
    super(`Schedule ${schedule} cannot invoke its target: ${reason}`);
  }
}

/** Every attempt to start the target failed within the schedule's RetryPolicy; `cause` is the last failure. */
export class ScheduleTargetStartError extends Error {
  override readonly name = 'ScheduleTargetStartError';
  constructor(
    readonly schedule: string,
    readonly attempts: number,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`Schedule ${schedule} could not start its target after ${attempts} attempt(s) (${reason}): ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}`, options);
  }
}

/** `local schedules` or `up --with-schedules` when the scheduler process cannot start or be found. */
export class LocalSchedulerStartError extends Error {
  override readonly name = 'LocalSchedulerStartError';
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(log ? `${message}\n--- scheduler.log ---\n${log}` : message);
  }
}
