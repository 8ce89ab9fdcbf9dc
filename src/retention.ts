import { Duration, TimeZone, Token } from 'aws-cdk-lib';
import {
  describeRetentionPolicy,
  RETENTION_RULES,
  RetentionPolicy,
  validateRetentionPolicy,
} from './decisions/retention-policy';

/**
 * The rules of a retention policy. Rules add up: a snapshot is kept when any rule keeps it.
 *
 * Calendar rules count in the schedule's time zone, weeks run Monday to Sunday, and only periods that
 * hold a snapshot count. Durations reach back from the newest snapshot, not from now, so snapshots
 * do not age out while the schedule is broken.
 */
export interface RetentionProps {
  /**
   * Keep the newest this many snapshots.
   *
   * @default - no count of newest snapshots is kept
   */
  readonly last?: number;

  /**
   * Keep every snapshot taken less than this long before the newest snapshot.
   *
   * @default - snapshots are not kept for their age alone
   */
  readonly within?: Duration;

  /**
   * Keep the newest snapshot of each of the newest this many hours that hold a snapshot.
   *
   * @default - no hourly snapshots are kept
   */
  readonly hourly?: number;

  /**
   * Keep the newest snapshot of each of the newest this many days that hold a snapshot.
   *
   * @default - no daily snapshots are kept
   */
  readonly daily?: number;

  /**
   * Keep the newest snapshot of each of the newest this many weeks (Monday to Sunday) that hold a snapshot.
   *
   * @default - no weekly snapshots are kept
   */
  readonly weekly?: number;

  /**
   * Keep the newest snapshot of each of the newest this many months that hold a snapshot.
   *
   * @default - no monthly snapshots are kept
   */
  readonly monthly?: number;

  /**
   * Keep the newest snapshot of each of the newest this many years that hold a snapshot.
   *
   * @default - no yearly snapshots are kept
   */
  readonly yearly?: number;

  /**
   * Keep the newest snapshot of each hour among the snapshots taken less than this long before the newest.
   *
   * @default - hourly snapshots are not kept for their age
   */
  readonly withinHourly?: Duration;

  /**
   * Keep the newest snapshot of each day among the snapshots taken less than this long before the newest.
   *
   * @default - daily snapshots are not kept for their age
   */
  readonly withinDaily?: Duration;

  /**
   * Keep the newest snapshot of each week among the snapshots taken less than this long before the newest.
   *
   * @default - weekly snapshots are not kept for their age
   */
  readonly withinWeekly?: Duration;

  /**
   * Keep the newest snapshot of each month among the snapshots taken less than this long before the newest.
   *
   * @default - monthly snapshots are not kept for their age
   */
  readonly withinMonthly?: Duration;

  /**
   * Keep the newest snapshot of each year among the snapshots taken less than this long before the newest.
   *
   * @default - yearly snapshots are not kept for their age
   */
  readonly withinYearly?: Duration;

  /**
   * The time zone in which hours, days, weeks, months and years are cut. Periods are always cut in the schedule's
   * own time zone; give this to have synth check that the schedule carries the zone you expect.
   *
   * @default - the schedule's time zone, whatever it is
   */
  readonly timeZone?: TimeZone;
}

/**
 * Which of its own snapshots a schedule keeps; every other snapshot it made is deleted when it prunes.
 *
 * The rules work like restic's `forget --keep-*` options: `Retention.policy({ last: 7, daily: 7,
 * weekly: 4, monthly: 12 })` keeps the newest 7 snapshots and the newest of each of the last 7 days,
 * 4 weeks and 12 months that hold one. Snapshots the schedule did not make, snapshots that carry the
 * pin tag, the newest snapshot and the one a run has just made are never deleted.
 */
export class Retention {
  /**
   * Keep the newest `count` snapshots.
   *
   * @param count a whole number of at least 1
   */
  public static keepLast(count: number): Retention {
    return Retention.policy({ last: count });
  }

  /**
   * Keep every snapshot taken less than `duration` before the newest snapshot.
   *
   * @param duration a positive whole number of seconds or more
   */
  public static keepWithin(duration: Duration): Retention {
    return Retention.policy({ within: duration });
  }

  /**
   * Keep what any of the given rules keeps.
   *
   * @throws Error when no rule is given, a count is not a whole number of at least 1, or a duration is
   *   not a positive whole number of seconds
   */
  public static policy(props: RetentionProps): Retention {
    return new Retention(props.timeZone?.timezoneName, {
      keepLast: props.last,
      keepWithinSeconds: toSeconds(props.within),
      hourly: props.hourly,
      daily: props.daily,
      weekly: props.weekly,
      monthly: props.monthly,
      yearly: props.yearly,
      withinHourlySeconds: toSeconds(props.withinHourly),
      withinDailySeconds: toSeconds(props.withinDaily),
      withinWeeklySeconds: toSeconds(props.withinWeekly),
      withinMonthlySeconds: toSeconds(props.withinMonthly),
      withinYearlySeconds: toSeconds(props.withinYearly),
    });
  }

  /**
   * The policy as plain JSON for the workflow input.
   *
   * @internal
   */
  public readonly _policy: RetentionPolicy;

  /**
   * The time zone the user expects the schedule to carry, if they said.
   *
   * @internal
   */
  public readonly _timeZone?: string;

  private constructor(timeZone: string | undefined, policy: RetentionPolicy) {
    this._timeZone = timeZone;
    const given: Record<string, number> = {};
    const checked: Record<string, number> = {};
    for (const rule of RETENTION_RULES) {
      const value = policy[rule.field];
      if (value !== undefined) {
        given[rule.field] = value;
        // Tokens resolve at deploy time; stand in a sound value so the other rules are still checked.
        checked[rule.field] = Token.isUnresolved(value) ? 1 : value;
      }
    }

    const problems = validateRetentionPolicy(checked);
    if (problems.length > 0) {
      throw new Error(problems.join('\n'));
    }
    this._policy = given;
  }

  /** The policy in a short line, e.g. `last 7, daily 7, weekly 4, monthly 12`. */
  public toString(): string {
    return describeRetentionPolicy(this._policy);
  }
}

function toSeconds(duration: Duration | undefined): number | undefined {
  // Not integral, so that a fractional number of seconds reaches the check and its message.
  return duration === undefined ? undefined : duration.toSeconds({ integral: false });
}
