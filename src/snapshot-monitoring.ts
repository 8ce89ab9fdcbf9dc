import { Duration, Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { RunMetricNames } from './decisions/run-metrics';

/**
 * Where alarms of this library send their notifications.
 */
export abstract class SnapshotNotifications {
  /** Alarms change state in CloudWatch only; nothing is sent. */
  public static none(): SnapshotNotifications {
    return new TopicNotifications(undefined, false);
  }

  /** Alarms notify this topic (on alarm and back to OK). */
  public static toTopic(topic: sns.ITopic): SnapshotNotifications {
    return new TopicNotifications(topic, false);
  }

  /**
   * Alarms notify a topic this library creates once per stack, encrypted with a customer-managed KMS key that
   * CloudWatch may use, and reachable over TLS only. Subscribe to it through `AuroraSnapshotEngine.notificationTopic`.
   */
  public static toNewTopic(): SnapshotNotifications {
    return new TopicNotifications(undefined, true);
  }

  /** The topic given, if any. */
  public abstract readonly topic?: sns.ITopic;

  /** Whether the engine's own encrypted topic is asked for. */
  public abstract readonly createsTopic: boolean;
}

class TopicNotifications extends SnapshotNotifications {
  constructor(public readonly topic: sns.ITopic | undefined, public readonly createsTopic: boolean) {
    super();
  }
}

/** The CloudWatch metric of this library for one cluster, or for the region when `clusterIdentifier` is absent. */
export function runMetric(metricName: string, clusterIdentifier: string | undefined, statistic: string,
  period: Duration, extraDimensions: Record<string, string> = {}): cloudwatch.Metric {
  const cluster: Record<string, string> = clusterIdentifier === undefined
    ? {} : { [RunMetricNames.CLUSTER_DIMENSION]: clusterIdentifier };
  return new cloudwatch.Metric({
    namespace: RunMetricNames.NAMESPACE,
    metricName,
    dimensionsMap: { service: RunMetricNames.SERVICE, ...cluster, ...extraDimensions },
    statistic,
    period,
  });
}

/** An Aurora storage metric of one cluster, published by RDS itself. */
export function auroraStorageMetric(metricName: string, clusterIdentifier: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/RDS',
    metricName,
    dimensionsMap: { DBClusterIdentifier: clusterIdentifier },
    statistic: cloudwatch.Stats.MAXIMUM,
    period: Duration.hours(6),
  });
}

/** What the alarms of one schedule need to know. */
export interface ScheduleAlarmsProps {
  /** The cluster the schedule snapshots; alarm descriptions and metric dimensions name it. */
  readonly clusterIdentifier: string;
  /** The schedule id (the ownership tag value); the stale alarm watches this schedule's own snapshots. */
  readonly scheduleId: string;
  /**
   * How long without a new available snapshot counts as stale.
   *
   * @default - no stale alarm
   */
  readonly staleAfter?: Duration;
  /**
   * Backup storage billed (`TotalBackupStorageBilled`) above which the billing alarm fires.
   *
   * @default - no billing alarm
   */
  readonly backupStorageBilledThreshold?: Size;
  /**
   * Where the alarms send notifications, on alarm and back to OK.
   *
   * @default - no notifications
   */
  readonly topic?: sns.ITopic;
}

/** The longest span a CloudWatch alarm can evaluate: periods times evaluation periods. */
export const MAX_ALARM_SPAN = Duration.days(7);

/**
 * The alarms of one schedule: stale snapshots, failed deletes and, optionally, backup storage billed. Each names
 * the cluster in its description. The workflow's execution alarms and the quota alarm are the engine's, once a
 * stack.
 */
export class ScheduleAlarms extends Construct {
  /** No snapshot became available for longer than the schedule's interval plus a margin; missing data breaches. */
  public readonly staleAlarm?: cloudwatch.Alarm;
  /** At least one expired snapshot could not be deleted. */
  public readonly deleteFailuresAlarm: cloudwatch.Alarm;
  /** The cluster's backup storage billed passed the threshold. */
  public readonly backupStorageAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ScheduleAlarmsProps) {
    super(scope, id);
    const cluster = props.clusterIdentifier;

    if (props.staleAfter) {
      const hours = Math.max(1, Math.ceil(props.staleAfter.toHours({ integral: false })));
      this.staleAlarm = new cloudwatch.Alarm(this, 'Stale', {
        alarmDescription: `No snapshot of Aurora cluster ${cluster} became available for ${hours} hours `
          + `(schedule ${props.scheduleId}). Check the failed executions of the snapshot workflow.`,
        // Dimensioned by schedule as well, so another schedule of the same cluster cannot keep this alarm quiet.
        metric: runMetric(RunMetricNames.SNAPSHOTS_CREATED, cluster, cloudwatch.Stats.SUM, Duration.hours(1),
          { [RunMetricNames.SCHEDULE_DIMENSION]: props.scheduleId }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: hours,
        datapointsToAlarm: hours,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }
    this.deleteFailuresAlarm = new cloudwatch.Alarm(this, 'DeleteFailures', {
      alarmDescription: `Expired snapshots of Aurora cluster ${cluster} could not be deleted (schedule `
        + `${props.scheduleId}); they are still billed. The function's log names each one and the error.`,
      metric: runMetric(RunMetricNames.DELETE_FAILURES, cluster, cloudwatch.Stats.SUM, Duration.hours(1)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.backupStorageBilledThreshold) {
      const gib = props.backupStorageBilledThreshold.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
      this.backupStorageAlarm = new cloudwatch.Alarm(this, 'BackupStorageBilled', {
        alarmDescription: `Backup storage billed for Aurora cluster ${cluster} is above ${gib} GiB `
          + `(schedule ${props.scheduleId}).`,
        metric: auroraStorageMetric('TotalBackupStorageBilled', cluster),
        threshold: props.backupStorageBilledThreshold.toBytes(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    if (props.topic) {
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(new actions.SnsAction(props.topic));
        alarm.addOkAction(new actions.SnsAction(props.topic));
      }
    }
  }

  /** Every alarm of the schedule. */
  public get alarms(): cloudwatch.Alarm[] {
    const billing = this.backupStorageAlarm ? [this.backupStorageAlarm] : [];
    const stale = this.staleAlarm ? [this.staleAlarm] : [];
    return [...stale, this.deleteFailuresAlarm, ...billing];
  }
}

/**
 * How often a schedule fires, read from its expression: `rate(...)` exactly; `cron(...)` for the common shapes
 * (every N minutes or hours, daily, weekly, monthly); a day when the shape is unusual.
 */
export function scheduleInterval(expression: string): Duration {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const amount = Number(rate[1]);
    return rate[2].startsWith('minute') ? Duration.minutes(amount)
      : rate[2].startsWith('hour') ? Duration.hours(amount) : Duration.days(amount);
  }
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+)(?: (\S+))?\)$/.exec(expression);
  if (!cron) {
    return Duration.days(1);
  }
  const [, minute, hour, dayOfMonth, , dayOfWeek] = cron;
  const every = (field: string): number | undefined => {
    const step = /^(?:\*|\d+)\/(\d+)$/.exec(field);
    return step ? Number(step[1]) : undefined;
  };
  const count = (field: string): number => field.split(',').length;
  if (minute === '*') {
    return Duration.minutes(1);
  }
  if (every(minute) !== undefined) {
    return Duration.minutes(every(minute)!);
  }
  if (count(minute) > 1 && (hour === '*' || hour === '?')) {
    return Duration.minutes(Math.floor(60 / count(minute)));
  }
  if (hour === '*') {
    return Duration.hours(1);
  }
  if (every(hour) !== undefined) {
    return Duration.hours(every(hour)!);
  }
  const anyDay = (field: string) => field === '*' || field === '?';
  if (anyDay(dayOfMonth) && anyDay(dayOfWeek)) {
    return Duration.hours(Math.floor(24 / count(hour)) || 24);
  }
  if (anyDay(dayOfMonth) && !dayOfWeek.includes('-')) {
    return Duration.hours(Math.floor((7 * 24) / count(dayOfWeek)));
  }
  if (anyDay(dayOfWeek) && /^\d+$/.test(dayOfMonth)) {
    return Duration.days(31);
  }
  return Duration.days(1);
}
