import { Annotations, Duration, type Size, Stack, Token } from 'aws-cdk-lib';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { isValidTimeZone } from './decisions/calendar';
import { MIN_POLL_SECONDS } from './decisions/poll-plan';
import { RETENTION_RULES } from './decisions/retention-policy';
import type { ScheduleRunInput } from './decisions/run-input';
import { prefixFromConstructId, validateSnapshotPrefix } from './decisions/snapshot-name';
import { ownershipScope } from './private/ownership';
import { Retention } from './retention';
import { AuroraSnapshotEngine } from './snapshot-engine';
import { MAX_ALARM_SPAN, ScheduleAlarms, scheduleInterval, SnapshotNotifications } from './snapshot-monitoring';

/** What a run does when the cluster is stopped when the schedule fires. */
export enum WhenClusterStopped {
  /** End the run as `skipped`: no snapshot, no pruning, no failure. The cluster is never started. */
  SKIP = 'skip',
  /** Fail the run, so that the failed-execution alarm fires. The cluster is never started. */
  FAIL = 'fail',
}

/** Properties of an `AuroraSnapshotSchedule`. */
export interface AuroraSnapshotScheduleProps {
  /**
   * The Aurora DB cluster to snapshot. Imported clusters work; the cluster must be in the stack's account and
   * region, because the workflow calls RDS there.
   */
  readonly cluster: rds.IDatabaseCluster;

  /**
   * When to take a snapshot, with its time zone. Retention cuts days, weeks, months and years in this time zone.
   *
   * @default - once a day at 03:00 UTC
   * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
   */
  readonly schedule?: scheduler.ScheduleExpression;

  /**
   * Which of this schedule's snapshots to keep. Snapshots that the policy does not keep are deleted after each new
   * snapshot becomes available; the newest one is always kept.
   *
   * @default - keep the last 7 snapshots
   */
  readonly retention?: Retention;

  /**
   * Start of every snapshot identifier, followed by the cluster identifier and the scheduled time in UTC, e.g.
   * `nightly-orders-20261204-0300`. 1 to 40 letters, digits or hyphens, a letter first, no `--`, no trailing hyphen.
   * The IAM policy lets the workflow create snapshots only under this prefix.
   *
   * @default - derived from the construct id, e.g. `nightly-orders` for `NightlyOrders`
   */
  readonly snapshotPrefix?: string;

  /**
   * How long a new snapshot may take to become available before the run fails. Retention does not run after a
   * timeout, so no old snapshot is deleted while the new one is in doubt.
   *
   * @default Duration.hours(4)
   */
  readonly snapshotTimeout?: Duration;

  /**
   * Extra tags for each snapshot. Keys starting with `aws:` are reserved by AWS and are dropped with a warning.
   *
   * @default - only the tags this library writes
   */
  readonly tags?: { [key: string]: string };

  /**
   * Report what retention would delete, and delete nothing.
   *
   * @default false
   */
  readonly dryRun?: boolean;

  /**
   * What a run does when the cluster is stopped.
   *
   * @default WhenClusterStopped.SKIP
   */
  readonly whenClusterStopped?: WhenClusterStopped;

  /**
   * Whether the schedule is enabled.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Whether to create alarms: on the workflow's failed, timed-out and aborted executions (once per stack), on no
   * new snapshot for longer than `staleAfter`, on failed deletes, and on quota headroom.
   *
   * @default true
   */
  readonly alarms?: boolean;

  /**
   * Where alarms send notifications.
   *
   * @default SnapshotNotifications.none() - alarms change state in CloudWatch only
   */
  readonly notifications?: SnapshotNotifications;

  /**
   * How long without a new available snapshot before the stale alarm fires; missing data counts as no snapshot.
   * At most 7 days, the longest span a CloudWatch alarm evaluates.
   *
   * @default - the schedule's interval plus `snapshotTimeout` plus one hour
   */
  readonly staleAfter?: Duration;

  /**
   * Share of the region's manual DB cluster snapshot quota, in percent, at which the quota alarm fires and each run
   * logs a warning.
   *
   * @default 80
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/CHAP_Limits.html
   */
  readonly quotaWarningPercent?: number;

  /**
   * When the region is at its manual cluster snapshot quota, prune this schedule's expired snapshots before creating
   * the new one (otherwise RDS refuses the new snapshot and the run fails).
   *
   * @default false
   */
  readonly pruneBeforeCreateAtQuota?: boolean;

  /**
   * An alarm when the cluster's `TotalBackupStorageBilled` (published by Aurora) exceeds this size.
   *
   * @default - no billing alarm
   */
  readonly backupStorageBilledThreshold?: Size;

  /**
   * Add a row for this cluster to the stack's CloudWatch dashboard (created with the first such schedule).
   *
   * @default false
   */
  readonly dashboard?: boolean;
}

/** The longest `snapshotTimeout`: far above any real snapshot, far below Step Functions' one-year limit. */
const MAX_SNAPSHOT_TIMEOUT_SECONDS = 30 * 86_400;

/** The keys of the tags this library writes itself; a user's tags may not use them. */
const RESERVED_TAG_PREFIX = 'cdk-aurora-snapshots:';

/**
 * What RDS accepts in a tag key or value.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Tagging.html
 */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Tags RDS allows on one resource, less the three this library may write. */
const MAX_USER_TAGS = 50 - 3;

/**
 * Takes snapshots of one Aurora DB cluster on a schedule and keeps only those its retention policy asks for.
 *
 * Each schedule adds an EventBridge Scheduler schedule and IAM statements; the state machine and the function are
 * shared by every schedule in the stack (see `AuroraSnapshotEngine`).
 *
 * @example
 * new AuroraSnapshotSchedule(this, 'Nightly', {
 *   cluster,
 *   schedule: scheduler.ScheduleExpression.cron({ hour: '2', minute: '30', timeZone: TimeZone.EUROPE_BERLIN }),
 *   retention: Retention.policy({ daily: 7, weekly: 4, monthly: 12 }),
 * });
 */
export class AuroraSnapshotSchedule extends Construct {
  /** The EventBridge Scheduler schedule that starts each run. */
  public readonly schedule: scheduler.Schedule;

  /** The shared engine of the stack: state machine, function and roles. */
  public readonly engine: AuroraSnapshotEngine;

  /** The value of the ownership tag on every snapshot this schedule makes. */
  public readonly scheduleId: string;

  /** The prefix of every snapshot identifier this schedule makes, in lower case as RDS stores it. */
  public readonly snapshotPrefix: string;

  /** The IANA time zone of the schedule, in which retention cuts calendar periods. */
  public readonly timeZone: string;

  /** The schedule's alarms, unless `alarms` is false. */
  public readonly alarms?: ScheduleAlarms;

  constructor(scope: Construct, id: string, props: AuroraSnapshotScheduleProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const prefix = props.snapshotPrefix ?? prefixFromConstructId(id);
    if (Token.isUnresolved(prefix)) {
      throw new Error('`snapshotPrefix` must be known at synth time, because it names the IAM resources and every '
        + `snapshot and is checked against RDS rules here; got the token ${prefix}.`);
    }
    const errors = validateSnapshotPrefix(prefix);
    if (errors.length > 0) {
      throw new Error(errors.join(' '));
    }
    this.snapshotPrefix = prefix.toLowerCase();

    const timeout = props.snapshotTimeout ?? Duration.hours(4);
    if (!Token.isUnresolved(timeout.toSeconds())) {
      const seconds = timeout.toSeconds({ integral: false });
      if (!(seconds >= MIN_POLL_SECONDS && seconds <= MAX_SNAPSHOT_TIMEOUT_SECONDS)) {
        throw new Error(`\`snapshotTimeout\` must be at least ${MIN_POLL_SECONDS} seconds, the shortest wait between `
          + `two polls of the snapshot, and at most 30 days, got ${timeout.toHumanString()}.`);
      }
    }

    this.checkClusterEnvironment(props.cluster, stack);
    const clusterIdentifier = props.cluster.clusterIdentifier;
    if (!Token.isUnresolved(clusterIdentifier) && clusterIdentifier !== clusterIdentifier.toLowerCase()) {
      throw new Error(`\`cluster\` has the identifier ${JSON.stringify(clusterIdentifier)}, but RDS stores cluster `
        + `identifiers in lower case; import it as ${JSON.stringify(clusterIdentifier.toLowerCase())} so that IAM `
        + 'policies and snapshot listings match.');
    }

    const expression = props.schedule ?? scheduler.ScheduleExpression.cron({ minute: '0', hour: '3' });
    this.timeZone = expression.timeZone?.timezoneName ?? 'UTC';
    const retention = props.retention ?? Retention.keepLast(7);
    if (!Token.isUnresolved(this.timeZone) && !isValidTimeZone(this.timeZone)) {
      throw new Error(`\`schedule\` carries the time zone ${JSON.stringify(this.timeZone)}, which is not an IANA time `
        + 'zone this library can cut calendar periods in.');
    }
    if (retention._timeZone !== undefined && !Token.isUnresolved(retention._timeZone)
      && !sameTimeZone(retention._timeZone, this.timeZone)) {
      throw new Error(`\`retention.timeZone\` is ${retention._timeZone} but \`schedule\` carries ${this.timeZone}; `
        + 'periods are cut in the schedule\'s time zone, so give the schedule that zone or drop retention.timeZone.');
    }
    const interval = Token.isUnresolved(expression.expressionString)
      ? Duration.days(1) : scheduleInterval(expression.expressionString);
    if (interval.toSeconds() < 3600) {
      Annotations.of(this).addWarningV2('cdk-aurora-snapshots:scheduleMoreOftenThanHourly',
        `\`schedule\` ${expression.expressionString} fires about every ${interval.toHumanString()}: each run is a `
        + 'manual snapshot billed while kept, and a region holds 100 manual cluster snapshots by default.');
    }
    const quotaWarningPercent = props.quotaWarningPercent ?? 80;
    if (!Token.isUnresolved(quotaWarningPercent)
      && !(Number.isFinite(quotaWarningPercent) && quotaWarningPercent > 0 && quotaWarningPercent <= 100)) {
      throw new Error(`\`quotaWarningPercent\` must be a number above 0 and at most 100, got ${quotaWarningPercent}.`);
    }
    const naturalStaleAfter = interval.toSeconds() + Math.ceil(timeout.toSeconds({ integral: false })) + 3600;
    const staleAfter = props.staleAfter ?? Duration.seconds(Math.min(MAX_ALARM_SPAN.toSeconds(), naturalStaleAfter));
    // A stale alarm only makes sense for a schedule that fires, and that fires more often than an alarm can look back.
    const staleAlarm = (props.enabled ?? true) && !expression.expressionString.startsWith('at(')
      && (props.staleAfter !== undefined || naturalStaleAfter <= MAX_ALARM_SPAN.toSeconds());
    if ((props.alarms ?? true) && !staleAlarm) {
      Annotations.of(this).addInfo('No stale-snapshot alarm: the schedule is disabled, fires once, or fires less often '
        + 'than the 7 days a CloudWatch alarm can look back; the failed-execution alarms still watch it.');
    }
    if (!Token.isUnresolved(staleAfter.toSeconds()) && (staleAfter.toSeconds() < 3600
      || staleAfter.toSeconds() > MAX_ALARM_SPAN.toSeconds())) {
      throw new Error('`staleAfter` must be between 1 hour and 7 days, the longest span a CloudWatch alarm '
        + `evaluates, got ${staleAfter.toHumanString()}.`);
    }

    this.engine = AuroraSnapshotEngine.of(this);
    this.scheduleId = `${ownershipScope(Stack.of(this))}${this.node.path.slice(Stack.of(this).node.path.length)}`;
    if (!Token.isUnresolved(this.scheduleId) && (this.scheduleId.length > 256 || !TAG_VALUE.test(this.scheduleId))) {
      throw new Error(`The schedule id ${JSON.stringify(this.scheduleId)} (stack name and construct path) becomes the `
        + 'value of the ownership tag, so it may hold only letters, digits, spaces and _ . : / = + - @, at most 256 '
        + 'characters; rename the construct or the stack.');
    }
    const runInput: ScheduleRunInput = {
      clusterIdentifier: props.cluster.clusterIdentifier,
      scheduleId: this.scheduleId,
      snapshotPrefix: this.snapshotPrefix,
      retention: retention._policy,
      timeZone: this.timeZone,
      dryRun: props.dryRun ?? false,
      tags: this.userTags(props.tags ?? {}),
      snapshotTimeoutSeconds: Math.ceil(timeout.toSeconds({ integral: false })),
      whenClusterStopped: props.whenClusterStopped ?? WhenClusterStopped.SKIP,
      pruneBeforeCreateAtQuota: props.pruneBeforeCreateAtQuota ?? false,
    };
    this.engine._registerSchedule(runInput, props.cluster.clusterArn);

    const notifications = props.notifications ?? SnapshotNotifications.none();
    const topic = this.engine._topicFor(notifications.topic, notifications.createsTopic);
    if (props.alarms ?? true) {
      this.engine._enableStackAlarms(topic, quotaWarningPercent);
      const [alarmScope, alarmId] = this.engine._alarmScopeFor(this);
      this.alarms = new ScheduleAlarms(alarmScope, alarmId, {
        clusterIdentifier: props.cluster.clusterIdentifier,
        scheduleId: this.scheduleId,
        staleAfter: staleAlarm ? staleAfter : undefined,
        backupStorageBilledThreshold: props.backupStorageBilledThreshold,
        topic,
      });
    }
    if (props.dashboard) {
      this.engine._addDashboardRow({
        clusterIdentifier: props.cluster.clusterIdentifier,
        scheduleId: this.scheduleId,
        rules: Object.keys(retention._policy).map((field) => ruleLabel(field)),
      });
    }

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: expression,
      description: `Takes a snapshot of an Aurora cluster and prunes expired ones (${this.scheduleId}).`,
      enabled: props.enabled ?? true,
      target: new targets.StepFunctionsStartExecution(this.engine.stateMachine, {
        role: this.engine.schedulerRole,
        input: scheduler.ScheduleTargetInput.fromObject({
          ...runInput,
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
  }

  private userTags(tags: { [key: string]: string }): Array<{ Key: string; Value: string }> {
    const kept: Array<{ Key: string; Value: string }> = [];
    for (const [key, value] of Object.entries(tags).sort(([a], [b]) => a.localeCompare(b))) {
      if (key.toLowerCase().startsWith('aws:')) {
        Annotations.of(this).addWarningV2('cdk-aurora-snapshots:reservedTagDropped',
          `\`tags\` key ${JSON.stringify(key)} starts with "aws:", which AWS reserves; it is not added to snapshots.`);
        continue;
      }
      if (key.startsWith(RESERVED_TAG_PREFIX)) {
        throw new Error(`\`tags\` key ${JSON.stringify(key)} starts with "${RESERVED_TAG_PREFIX}", which this `
          + 'library reserves for ownership, scheduled-time and pin tags.');
      }
      if (!Token.isUnresolved(key) && (key.length < 1 || key.length > 128 || !TAG_VALUE.test(key)
        || key.toLowerCase().startsWith('rds:'))) {
        throw new Error(`\`tags\` key ${JSON.stringify(key)} is not a tag key RDS accepts: 1 to 128 letters, digits, `
          + 'spaces and _ . : / = + - @, not starting with "rds:".');
      }
      if (!Token.isUnresolved(value) && (value.length > 256 || !TAG_VALUE.test(value))) {
        throw new Error(`\`tags\` value ${JSON.stringify(value)} of key ${JSON.stringify(key)} is not a tag value RDS `
          + 'accepts: at most 256 letters, digits, spaces and _ . : / = + - @.');
      }
      kept.push({ Key: key, Value: value });
    }
    if (kept.length > MAX_USER_TAGS) {
      throw new Error(`\`tags\` has ${kept.length} tags; RDS allows 50 on a snapshot and this library writes up to 3, `
        + `so give at most ${MAX_USER_TAGS}.`);
    }
    return kept;
  }

  private checkClusterEnvironment(cluster: rds.IDatabaseCluster, stack: Stack): void {
    const { region, account } = cluster.env;
    if (!Token.isUnresolved(region) && !Token.isUnresolved(stack.region) && region !== stack.region) {
      throw new Error(`\`cluster\` is in region ${region} but the stack is in ${stack.region}; the workflow calls `
        + 'RDS in its own region, so put the schedule in a stack in the cluster\'s region.');
    }
    if (!Token.isUnresolved(account) && !Token.isUnresolved(stack.account) && account !== stack.account) {
      throw new Error(`\`cluster\` is in account ${account} but the stack is in ${stack.account}; the workflow calls `
        + 'RDS in its own account, so put the schedule in a stack in the cluster\'s account.');
    }
  }
}

/** The rule name the function uses as the `Rule` dimension (`keptByRule` key), for a field of the retention policy. */
function ruleLabel(field: string): string {
  return RETENTION_RULES.find((rule) => rule.field === field)?.prop ?? field;
}

/** Whether two zone names are the same zone, so `UTC` and `Etc/UTC` agree. */
function sameTimeZone(a: string, b: string): boolean {
  if (a === b) {
    return true;
  }
  if (!isValidTimeZone(a) || !isValidTimeZone(b)) {
    return false;
  }
  const resolved = (zone: string) => new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  return resolved(a) === resolved(b);
}
