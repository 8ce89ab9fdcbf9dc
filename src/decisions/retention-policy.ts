import { CalendarPeriod } from './calendar';

/**
 * Which of its own snapshots a schedule keeps, as plain JSON that travels in the Step Functions
 * execution input from the construct to the function.
 *
 * Rules add up: a snapshot is kept when any rule keeps it. Counts are whole numbers of at least 1;
 * durations are whole seconds greater than 0, measured back from the newest snapshot.
 */
export interface RetentionPolicy {
  /** Keep the newest this many snapshots. */
  readonly keepLast?: number;
  /** Keep every snapshot taken less than this many seconds before the newest. */
  readonly keepWithinSeconds?: number;
  /** Keep the newest snapshot of each of the newest this many hours that hold a snapshot. */
  readonly hourly?: number;
  /** Keep the newest snapshot of each of the newest this many days that hold a snapshot. */
  readonly daily?: number;
  /** Keep the newest snapshot of each of the newest this many ISO weeks that hold a snapshot. */
  readonly weekly?: number;
  /** Keep the newest snapshot of each of the newest this many months that hold a snapshot. */
  readonly monthly?: number;
  /** Keep the newest snapshot of each of the newest this many years that hold a snapshot. */
  readonly yearly?: number;
  /** Keep the newest snapshot of each hour, for snapshots taken less than this many seconds before the newest. */
  readonly withinHourlySeconds?: number;
  /** Keep the newest snapshot of each day, for snapshots taken less than this many seconds before the newest. */
  readonly withinDailySeconds?: number;
  /** Keep the newest snapshot of each week, for snapshots taken less than this many seconds before the newest. */
  readonly withinWeeklySeconds?: number;
  /** Keep the newest snapshot of each month, for snapshots taken less than this many seconds before the newest. */
  readonly withinMonthlySeconds?: number;
  /** Keep the newest snapshot of each year, for snapshots taken less than this many seconds before the newest. */
  readonly withinYearlySeconds?: number;
}

/** One rule of a {@link RetentionPolicy}: where it sits in the JSON and how users name it. */
export interface RetentionRule {
  /** The field of {@link RetentionPolicy} that holds the rule's value. */
  readonly field: keyof RetentionPolicy;
  /** The name of the matching prop of the public `Retention` class, used in messages and counts. */
  readonly prop: string;
  /** `count` rules hold a number of snapshots or periods, `duration` rules a number of seconds. */
  readonly kind: 'count' | 'duration';
  /** The calendar period the rule keeps one snapshot of; absent for `last` and `within`. */
  readonly period?: CalendarPeriod;
  /** How the rule reads in descriptions and reasons: `last`, `daily`, `within`. */
  readonly label: string;
}

/** Every retention rule, in the order policies are described and reasons are listed. */
export const RETENTION_RULES: readonly RetentionRule[] = [
  { field: 'keepLast', prop: 'last', kind: 'count', label: 'last' },
  { field: 'keepWithinSeconds', prop: 'within', kind: 'duration', label: 'within' },
  { field: 'hourly', prop: 'hourly', kind: 'count', period: 'hour', label: 'hourly' },
  { field: 'daily', prop: 'daily', kind: 'count', period: 'day', label: 'daily' },
  { field: 'weekly', prop: 'weekly', kind: 'count', period: 'week', label: 'weekly' },
  { field: 'monthly', prop: 'monthly', kind: 'count', period: 'month', label: 'monthly' },
  { field: 'yearly', prop: 'yearly', kind: 'count', period: 'year', label: 'yearly' },
  { field: 'withinHourlySeconds', prop: 'withinHourly', kind: 'duration', period: 'hour', label: 'hourly' },
  { field: 'withinDailySeconds', prop: 'withinDaily', kind: 'duration', period: 'day', label: 'daily' },
  { field: 'withinWeeklySeconds', prop: 'withinWeekly', kind: 'duration', period: 'week', label: 'weekly' },
  { field: 'withinMonthlySeconds', prop: 'withinMonthly', kind: 'duration', period: 'month', label: 'monthly' },
  { field: 'withinYearlySeconds', prop: 'withinYearly', kind: 'duration', period: 'year', label: 'yearly' },
];

const RULE_FIELDS: ReadonlySet<string> = new Set(RETENTION_RULES.map((rule) => rule.field));

/**
 * Checks a policy and returns one full sentence per problem, naming the prop in backticks and
 * echoing the value; an empty list means the policy is sound.
 *
 * @param policy the policy to check, possibly straight from untrusted JSON
 * @param prop how the user named the policy, e.g. `retention`
 */
export function validateRetentionPolicy(policy: RetentionPolicy, prop = 'retention'): string[] {
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) {
    return [`\`${prop}\` must be a set of retention rules, got ${showValue(policy)}.`];
  }

  const errors: string[] = [];
  for (const field of Object.keys(policy)) {
    if (!RULE_FIELDS.has(field)) {
      errors.push(`\`${prop}\` holds the unknown field \`${field}\`; `
        + `the known fields are ${[...RULE_FIELDS].join(', ')}.`);
    }
  }

  for (const rule of RETENTION_RULES) {
    const value: unknown = policy[rule.field];
    if (value === undefined) {
      continue;
    }
    const name = `\`${prop}.${rule.prop}\``;
    if (rule.kind === 'count') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
        errors.push(`${name} must be a whole number of at least 1, got ${showValue(value)}.`);
      }
    } else if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
      errors.push(`${name} must be a positive duration, got ${showValue(value)} seconds.`);
    } else if (!Number.isInteger(value)) {
      errors.push(`${name} must be a whole number of seconds, got ${showValue(value)} seconds.`);
    }
  }

  if (RETENTION_RULES.every((rule) => policy[rule.field] === undefined)) {
    const names = RETENTION_RULES.map((rule) => rule.prop);
    errors.push(`\`${prop}\` keeps nothing: give at least one rule (${names.slice(0, -1).join(', ')} `
      + `or ${names[names.length - 1]}).`);
  }
  return errors;
}

/**
 * Describes a policy in a short line such as `last 7, daily 7, weekly 4, monthly 12` or
 * `within 30d, daily within 7d`.
 */
export function describeRetentionPolicy(policy: RetentionPolicy): string {
  const parts = RETENTION_RULES
    .filter((rule) => policy[rule.field] !== undefined)
    .map((rule) => describeRule(rule, policy[rule.field] as number));
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

/** How one rule with its value reads: `daily 7`, `within 30d`, `daily within 7d`. */
export function describeRule(rule: RetentionRule, value: number): string {
  if (rule.kind === 'count') {
    return `${rule.label} ${value}`;
  }
  const duration = formatSeconds(value);
  return rule.period === undefined ? `within ${duration}` : `${rule.label} within ${duration}`;
}

/**
 * Formats a number of seconds in days, hours, minutes and seconds: `30d`, `1d12h`, `1h30min`, `45s`.
 * Minutes are `min`, so that `m` is never mistaken for months.
 */
export function formatSeconds(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    return `${seconds}s`;
  }
  const units: Array<[number, string]> = [[86400, 'd'], [3600, 'h'], [60, 'min'], [1, 's']];
  let rest = seconds;
  let text = '';
  for (const [size, unit] of units) {
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return text;
}

function showValue(value: unknown): string {
  if (typeof value === 'number') {
    return String(value);
  }
  return JSON.stringify(value) ?? String(value);
}
