import { type SynthesizedStack } from '../synthesized-stack';
import { type DeployCheckFinding } from './deploy-check-finding';
import { deployTimeNumber, deployTimeString, resourcesOfType } from './template-resources';

// EventBridge Scheduler User Guide, "Schedule types on EventBridge Scheduler":
// rate(value unit) with a positive whole value and minute(s), hour(s) or day(s);
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
// cron(minutes hours day-of-month month day-of-week year): exactly six fields;
const CRON = /^cron\((.*)\)$/;
// at(yyyy-mm-ddThh:mm:ss): a one-time schedule.
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
// EventBridge Scheduler API Reference, Target RetryPolicy: MaximumRetryAttempts 0–185,
// MaximumEventAgeInSeconds 60–86400; FlexibleTimeWindow MaximumWindowInMinutes 1–1440.
const RETRY_ATTEMPTS = { min: 0, max: 185 };
const EVENT_AGE_SECONDS = { min: 60, max: 86_400 };
const FLEXIBLE_WINDOW_MINUTES = { min: 1, max: 1440 };

/** EventBridge Scheduler schedules: an expression Scheduler parses, and retry and window settings in range. */
export function checkSchedules(stacks: readonly SynthesizedStack[]): DeployCheckFinding[] {
  return resourcesOfType(stacks, 'AWS::Scheduler::Schedule').flatMap(({ stack, logicalId, resource }) => {
    const findings: DeployCheckFinding[] = [];
    const report = (path: string, message: string) => findings.push({ stack: stack.stackName, logicalId, path, message });
    const props = resource.Properties ?? {};
    const expression = deployTimeString(stack, props.ScheduleExpression);
    if (expression !== undefined) {
      const problem = scheduleExpressionProblem(expression);
      if (problem) report('Properties.ScheduleExpression', `"${expression}" ${problem}`);
    }
    const inRange = (path: string, value: number | undefined, range: { min: number; max: number }) => {
      if (value !== undefined && !(Number.isInteger(value) && value >= range.min && value <= range.max)) report(path, `is ${value}; Scheduler allows ${range.min} to ${range.max}`);
    };
    const target = props.Target as { RetryPolicy?: { MaximumRetryAttempts?: unknown; MaximumEventAgeInSeconds?: unknown } } | undefined;
    inRange('Properties.Target.RetryPolicy.MaximumRetryAttempts', deployTimeNumber(stack, target?.RetryPolicy?.MaximumRetryAttempts), RETRY_ATTEMPTS);
    inRange('Properties.Target.RetryPolicy.MaximumEventAgeInSeconds', deployTimeNumber(stack, target?.RetryPolicy?.MaximumEventAgeInSeconds), EVENT_AGE_SECONDS);
    const window = props.FlexibleTimeWindow as { Mode?: unknown; MaximumWindowInMinutes?: unknown } | undefined;
    if (window?.Mode === 'FLEXIBLE' && window.MaximumWindowInMinutes === undefined) report('Properties.FlexibleTimeWindow', 'is FLEXIBLE without MaximumWindowInMinutes, which Scheduler requires');
    inRange('Properties.FlexibleTimeWindow.MaximumWindowInMinutes', deployTimeNumber(stack, window?.MaximumWindowInMinutes), FLEXIBLE_WINDOW_MINUTES);
    return findings;
  });
}

/** Why Scheduler would refuse the expression, or undefined when it has the form of a rate, cron or at expression. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (value < 1) return 'has a rate of 0; the value must be a positive whole number';
    // Scheduler: "If the value is equal to 1, then the unit must be singular", and plural otherwise.
    if ((value === 1) !== !unit.endsWith('s')) return `must use the ${value === 1 ? 'singular' : 'plural'} unit for a value of ${value}`;
    return undefined;
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const fields = (cron[1] ?? '').trim().split(/\s+/);
    if (fields.length !== 6) return `has ${fields.length} cron fields; Scheduler takes six: minutes hours day-of-month month day-of-week year`;
    // One of day-of-month and day-of-week must be "?": Scheduler refuses both or neither.
    if ((fields[2] === '?') === (fields[4] === '?')) return 'must have "?" in exactly one of day-of-month (third field) and day-of-week (fifth field)';
    return undefined;
  }
  const at = AT.exec(expression);
  if (at) {
    const [, y, mo, d, h, mi, s] = at.map(Number);
    const date = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 0, h ?? 0, mi ?? 0, s ?? 0));
    if (date.getUTCMonth() !== (mo ?? 1) - 1 || date.getUTCDate() !== d || (h ?? 0) > 23 || (mi ?? 0) > 59 || (s ?? 0) > 59) return 'is not a real date and time';
    return undefined;
  }
  return 'is not a schedule expression: use rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)';
}
