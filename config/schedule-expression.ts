/**
 * EventBridge Scheduler's schedule expressions, parsed into values next-fire-time.ts computes with:
 * - `rate(N minute|minutes|hour|hours|day|days)`: N a positive integer, singular unit for 1 and
 *   plural otherwise (EventBridge rejects `rate(1 minutes)` and `rate(5 minute)`);
 * - `cron(minutes hours day-of-month month day-of-week year)`, EventBridge's dialect of Quartz cron:
 *   `,` lists, `-` ranges, `*`, `/` steps (not in day-of-week), names JAN-DEC and SUN-SAT (day of
 *   week 1 = SUN ... 7 = SAT), years 1970-2199, and in exactly one of the two day fields `?`.
 *   Day-of-month also takes `L` (last day), `nW` (the weekday nearest day n, within the month) and
 *   `LW` (last weekday); day-of-week takes `L` (Saturday, the last day of the week), `nL` (the last
 *   day n of the month) and `n#k` (the k-th day n of the month, alone in its field, as AWS requires);
 * - `at(yyyy-mm-ddThh:mm:ss)`: one wall-clock time in the schedule's time zone.
 * Every rejection is an InvalidScheduleExpressionError naming the field at fault.
 */

/** A schedule expression EventBridge Scheduler would reject; `field` names the part that is wrong (e.g. "day-of-week"). */
export class InvalidScheduleExpressionError extends Error {
  override readonly name = 'InvalidScheduleExpressionError';
  constructor(
    readonly expression: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid schedule expression "${expression}": ${field}: ${reason}.`);
  }
}

export type RateUnit = 'minute' | 'hour' | 'day';

export type RateExpression = { kind: 'rate'; text: string; value: number; unit: RateUnit; periodMs: number };

/** A wall-clock time (no zone): month 1-12, day 1-31. */
export type WallTime = { year: number; month: number; day: number; hour: number; minute: number; second: number };

export type AtExpression = { kind: 'at'; text: string; wall: WallTime };

export type DayOfMonthRule =
  | { kind: 'any' }
  | { kind: 'days'; days: ReadonlySet<number> }
  | { kind: 'last' }
  | { kind: 'lastWeekday' }
  | { kind: 'nearestWeekday'; day: number };

export type DayOfWeekRule =
  | { kind: 'any' }
  | { kind: 'days'; days: ReadonlySet<number> }
  | { kind: 'lastInMonth'; day: number }
  | { kind: 'nthInMonth'; day: number; nth: number };

export type CronExpression = {
  kind: 'cron';
  text: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  dayOfMonth: DayOfMonthRule;
  months: ReadonlySet<number>;
  dayOfWeek: DayOfWeekRule;
  years: ReadonlySet<number>;
};

export type ScheduleExpression = RateExpression | CronExpression | AtExpression;

const UNIT_MS: Record<RateUnit, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

type FieldSpec = { name: string; min: number; max: number; names?: readonly string[]; steps: boolean };

const MINUTES: FieldSpec = { name: 'minutes', min: 0, max: 59, steps: true };
const HOURS: FieldSpec = { name: 'hours', min: 0, max: 23, steps: true };
const DAY_OF_MONTH: FieldSpec = { name: 'day-of-month', min: 1, max: 31, steps: true };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTH_NAMES, steps: true };
const DAY_OF_WEEK: FieldSpec = { name: 'day-of-week', min: 1, max: 7, names: DAY_NAMES, steps: false };
const YEAR: FieldSpec = { name: 'year', min: 1970, max: 2199, steps: true };

/**
 * The expression as it is deployed: no whitespace around it or inside its parentheses' ends, one
 * space between a rate's or a cron's fields. The parser reads `" cron(0 3 * * ? *) "` as well as
 * the canonical form; what AWS accepts of the others is nowhere documented, so the schedule that
 * reaches a template is this one. Call it on an expression that parses.
 */
export function canonicalScheduleExpression(text: string): string {
  const match = /^(rate|cron|at)\((.*)\)$/s.exec(text.trim());
  if (!match?.[1] || match[2] === undefined) return text;
  return `${match[1]}(${match[2].trim().split(/\s+/).join(' ')})`;
}

export function parseScheduleExpression(text: string): ScheduleExpression {
  const match = /^(rate|cron|at)\((.*)\)$/s.exec(text.trim());
  if (!match?.[1] || match[2] === undefined) {
    throw new InvalidScheduleExpressionError(text, 'expression', 'must be rate(value unit), cron(minutes hours day-of-month month day-of-week year) or at(yyyy-mm-ddThh:mm:ss)');
  }
  const body = match[2].trim();
  if (match[1] === 'rate') return parseRate(text, body);
  if (match[1] === 'at') return parseAt(text, body);
  return parseCron(text, body);
}

function parseRate(text: string, body: string): RateExpression {
  const match = /^(\S+)\s+(\S+)$/.exec(body);
  if (!match?.[1] || !match[2]) throw new InvalidScheduleExpressionError(text, 'rate', 'must be "value unit", e.g. rate(5 minutes)');
  const [, valueText, unitText] = match;
  if (!/^\d+$/.test(valueText) || Number(valueText) < 1) throw new InvalidScheduleExpressionError(text, 'rate value', `"${valueText}" is not a positive integer`);
  const value = Number(valueText);
  const unit = /^(minute|hour|day)s?$/.exec(unitText)?.[1] as RateUnit | undefined;
  if (!unit) throw new InvalidScheduleExpressionError(text, 'rate unit', `"${unitText}" is not one of minute, minutes, hour, hours, day, days`);
  const plural = unitText.endsWith('s');
  if (value === 1 && plural) throw new InvalidScheduleExpressionError(text, 'rate unit', `a value of 1 takes the singular unit: rate(1 ${unit})`);
  if (value > 1 && !plural) throw new InvalidScheduleExpressionError(text, 'rate unit', `a value above 1 takes the plural unit: rate(${value} ${unit}s)`);
  return { kind: 'rate', text, value, unit, periodMs: value * UNIT_MS[unit] };
}

function parseAt(text: string, body: string): AtExpression {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!match) throw new InvalidScheduleExpressionError(text, 'at', `"${body}" is not yyyy-mm-ddThh:mm:ss`);
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) throw new InvalidScheduleExpressionError(text, 'at month', `${month} is not 01-12`);
  if (day < 1 || day > daysInMonth(year, month)) throw new InvalidScheduleExpressionError(text, 'at day', `${year}-${pad(month)} has no day ${day}`);
  if (hour > 23) throw new InvalidScheduleExpressionError(text, 'at hour', `${hour} is not 00-23`);
  if (minute > 59) throw new InvalidScheduleExpressionError(text, 'at minute', `${minute} is not 00-59`);
  if (second > 59) throw new InvalidScheduleExpressionError(text, 'at second', `${second} is not 00-59`);
  return { kind: 'at', text, wall: { year, month, day, hour, minute, second } };
}

function parseCron(text: string, body: string): CronExpression {
  const fields = body.split(/\s+/).filter((f) => f.length > 0);
  if (fields.length !== 6) {
    throw new InvalidScheduleExpressionError(text, 'cron', `has ${fields.length} field(s); it needs 6: minutes hours day-of-month month day-of-week year`);
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new InvalidScheduleExpressionError(
      text,
      'day-of-month/day-of-week',
      dayOfMonth === '?' ? 'only one of the two may be ?' : 'exactly one of the two must be ? (for example cron(0 3 * * ? *) or cron(0 3 ? * MON *))',
    );
  }
  return {
    kind: 'cron',
    text,
    minutes: parseListField(text, minutes, MINUTES),
    hours: parseListField(text, hours, HOURS),
    dayOfMonth: parseDayOfMonth(text, dayOfMonth),
    months: parseListField(text, month, MONTH),
    dayOfWeek: parseDayOfWeek(text, dayOfWeek),
    years: parseListField(text, year, YEAR),
  };
}

function parseDayOfMonth(text: string, field: string): DayOfMonthRule {
  if (field === '?') return { kind: 'any' };
  if (field === 'L') return { kind: 'last' };
  if (field === 'LW') return { kind: 'lastWeekday' };
  const weekday = /^(\d+)W$/.exec(field);
  if (weekday?.[1]) return { kind: 'nearestWeekday', day: parseValue(text, weekday[1], DAY_OF_MONTH) };
  if (/[LW]/.test(field)) throw new InvalidScheduleExpressionError(text, DAY_OF_MONTH.name, `"${field}": L and W stand alone (L, LW or nW such as 15W), not in lists or ranges`);
  return { kind: 'days', days: parseListField(text, field, DAY_OF_MONTH) };
}

function parseDayOfWeek(text: string, field: string): DayOfWeekRule {
  if (field === '?') return { kind: 'any' };
  if (field === 'L') return { kind: 'days', days: new Set([7]) };
  const last = /^([^L#]+)L$/.exec(field);
  if (last?.[1]) return { kind: 'lastInMonth', day: parseValue(text, last[1], DAY_OF_WEEK) };
  if (field.includes('#')) {
    const nth = /^([^#,]+)#(\d+)$/.exec(field);
    if (!nth?.[1] || !nth[2]) throw new InvalidScheduleExpressionError(text, DAY_OF_WEEK.name, `"${field}": # takes one day and one instance (e.g. 3#2, the second Tuesday) and cannot be part of a list`);
    const instance = Number(nth[2]);
    if (instance < 1 || instance > 5) throw new InvalidScheduleExpressionError(text, DAY_OF_WEEK.name, `"${field}": the instance after # must be 1-5`);
    return { kind: 'nthInMonth', day: parseValue(text, nth[1], DAY_OF_WEEK), nth: instance };
  }
  if (field.includes('L')) throw new InvalidScheduleExpressionError(text, DAY_OF_WEEK.name, `"${field}": L stands alone (L) or after one day (6L, the last Friday)`);
  return { kind: 'days', days: parseListField(text, field, DAY_OF_WEEK) };
}

/** A field of `,`-separated parts, each `*`, `v`, `a-b`, with an optional `/step` where the field allows it. */
function parseListField(text: string, field: string, spec: FieldSpec): ReadonlySet<number> {
  if (field === '?') throw new InvalidScheduleExpressionError(text, spec.name, '? is only allowed in day-of-month or day-of-week');
  const values = new Set<number>();
  for (const part of field.split(',')) {
    if (part === '') throw new InvalidScheduleExpressionError(text, spec.name, `"${field}" has an empty list element`);
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '') throw new InvalidScheduleExpressionError(text, spec.name, `"${part}" is not value, range or value/step`);
    let step = 1;
    if (stepText !== undefined) {
      if (!spec.steps) throw new InvalidScheduleExpressionError(text, spec.name, `"${part}": / is not allowed in ${spec.name}`);
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new InvalidScheduleExpressionError(text, spec.name, `"${part}": the step after / must be a positive integer`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) throw new InvalidScheduleExpressionError(text, spec.name, `"${part}" is not a range a-b`);
      from = parseValue(text, bounds[0] ?? '', spec);
      // `a/step` runs from a to the end of the field's range.
      to = bounds[1] !== undefined ? parseValue(text, bounds[1], spec) : stepText !== undefined ? spec.max : from;
      if (to < from) throw new InvalidScheduleExpressionError(text, spec.name, `"${part}": the range runs backwards (${from} > ${to})`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function parseValue(text: string, token: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(token)) {
    const hint = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : '';
    throw new InvalidScheduleExpressionError(text, spec.name, `"${token}" is not a number ${spec.min}-${spec.max}${hint}`);
  }
  const value = Number(token);
  if (value < spec.min || value > spec.max) throw new InvalidScheduleExpressionError(text, spec.name, `${value} is out of range ${spec.min}-${spec.max}`);
  return value;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
