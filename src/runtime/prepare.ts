import { DescribeDBClustersCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { pruneSnapshots } from './prune';
import type { RunReporter } from './run-reporter';
import type { SnapshotLogger } from './snapshot-logger';
import { countManualClusterSnapshots, manualClusterSnapshotQuota } from './snapshot-quota';
import { firstPoll } from '../decisions/poll-plan';
import type { PreparedRun, RegionQuota, ScheduleRunInput, SnapshotTag } from '../decisions/run-input';
import { RunEvents, RunMetricNames } from '../decisions/run-metrics';
import { snapshotIdentifier } from '../decisions/snapshot-name';
import { SnapshotTagKeys } from '../decisions/snapshot-tags';

/** What the workflow sends to the prepare step. */
export interface PrepareEvent {
  readonly action: 'prepare';
  /** The execution input; a manual run also carries the registered schedules (added by the workflow). */
  readonly input: ScheduleRunInput & { readonly registeredSchedules?: ScheduleRunInput[] };
  /** `$$.Execution.StartTime`, used when the input has no scheduled time. */
  readonly executionStartTime: string;
}

/** Cluster states in which RDS refuses a snapshot until somebody starts the cluster. */
const STOPPED_STATES = new Set(['stopped', 'stopping']);

/** From this share of the quota on, each run logs a warning (and the quota alarm watches the metric). */
const QUOTA_WARNING_PERCENT = 80;

/** What the prepare step needs from outside. */
export interface PrepareDependencies {
  readonly rds: RDSClient;
  readonly logger: SnapshotLogger;
  readonly reporter: RunReporter;
  readonly quotas?: ServiceQuotasClient;
}

/** Default of `snapshotTimeoutSeconds` for a manual run whose schedule does not say. */
const DEFAULT_SNAPSHOT_TIMEOUT_SECONDS = 4 * 3600;

/** Thrown to end the run as `skipped`: the workflow catches this name. */
export class ClusterStoppedSkip extends Error {
  constructor(clusterIdentifier: string, status: string) {
    super(`Cluster ${clusterIdentifier} is ${status}, so no snapshot was taken; the run is skipped and the cluster is `
      + 'left as it is.');
    this.name = 'SkipRun.ClusterStopped';
  }
}

/** Thrown when the cluster is stopped and the schedule asks to fail in that case. */
export class ClusterStoppedFailure extends Error {
  constructor(clusterIdentifier: string, status: string) {
    super(`Cluster ${clusterIdentifier} is ${status}, so no snapshot was taken; the schedule asks for a failure `
      + 'rather than a skipped run.');
    this.name = 'ClusterStopped';
  }
}

/** Thrown when the run input has a field of the wrong type or a value that would put snapshots at risk. */
export class InvalidRunInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRunInput';
  }
}

/** How far a scheduled time may lie after the execution start (clock skew, flexible windows) before it is refused. */
const FUTURE_SLACK_MS = 5 * 60 * 1000;

/** The optional fields of a run input and the type each must have when present. */
const FIELD_TYPES: Record<string, string> = {
  scheduleId: 'string',
  snapshotPrefix: 'string',
  timeZone: 'string',
  dryRun: 'boolean',
  scheduledTime: 'string',
  pin: 'string',
  snapshotTimeoutSeconds: 'number',
  whenClusterStopped: 'string',
  pruneBeforeCreateAtQuota: 'boolean',
};

/** Refuses fields of the wrong type: `"dryRun": "true"` must not delete for real because it is not `true`. */
function checkFieldTypes(input: Record<string, unknown>): void {
  for (const [field, type] of Object.entries(FIELD_TYPES)) {
    if (input[field] !== undefined && input[field] !== null && typeof input[field] !== type) {
      throw new InvalidRunInput(`The run input field \`${field}\` must be a ${type}, got ${JSON.stringify(input[field])}.`);
    }
  }
}

/** Thrown when the input does not say which schedule a run belongs to and the stack cannot tell either. */
export class ScheduleNotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleNotFound';
  }
}

/**
 * Resolves the run's configuration: the schedule's input as sent, or, for a manual run that names only the
 * cluster, the one schedule the stack registered for that cluster.
 */
export function resolveRunInput(input: PrepareEvent['input']): ScheduleRunInput {
  if (typeof input?.clusterIdentifier !== 'string' || input.clusterIdentifier.length === 0) {
    throw new ScheduleNotFound('The run input must name the cluster in `clusterIdentifier`, got '
      + `${JSON.stringify(input?.clusterIdentifier)}.`);
  }
  checkFieldTypes(input as unknown as Record<string, unknown>);
  // RDS stores cluster identifiers in lower case and accepts any case in requests.
  input = { ...input, clusterIdentifier: input.clusterIdentifier.toLowerCase() };
  if (input.scheduleId && input.snapshotPrefix && input.retention) {
    return input;
  }
  const registered = (input.registeredSchedules ?? []).filter((schedule) =>
    schedule.clusterIdentifier.toLowerCase() === input.clusterIdentifier
    && (input.scheduleId === undefined || schedule.scheduleId === input.scheduleId));
  if (registered.length === 0) {
    throw new ScheduleNotFound(`No schedule in this stack snapshots cluster ${input.clusterIdentifier}`
      + (input.scheduleId ? ` under the schedule id ${input.scheduleId}` : '') + '.');
  }
  if (registered.length > 1) {
    throw new ScheduleNotFound(`Cluster ${input.clusterIdentifier} has ${registered.length} schedules in this stack `
      + `(${registered.map((schedule) => schedule.scheduleId).join(', ')}); name one in \`scheduleId\`.`);
  }
  return {
    ...registered[0],
    scheduledTime: input.scheduledTime,
    pin: input.pin,
    dryRun: input.dryRun ?? registered[0].dryRun,
  };
}

/**
 * Characters RDS accepts in a tag value; anything else in a user's pin reason becomes a space.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Tagging.html
 */
function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, ' ').trim().slice(0, 256) || 'pinned';
}

/** The tags of a new snapshot: ownership, scheduled time, the user's own, and a pin when a manual run asks. */
export function snapshotTags(run: ScheduleRunInput, scheduleId: string, scheduledTime: string): SnapshotTag[] {
  const tags: SnapshotTag[] = (run.tags ?? [])
    .filter((tag) => !tag.Key.toLowerCase().startsWith('aws:') && !tag.Key.startsWith('cdk-aurora-snapshots:'))
    .map((tag) => ({ Key: tag.Key, Value: tag.Value }));
  tags.push({ Key: SnapshotTagKeys.SCHEDULE, Value: scheduleId });
  tags.push({ Key: SnapshotTagKeys.SCHEDULED_TIME, Value: scheduledTime });
  if (run.pin !== undefined && run.pin !== null && `${run.pin}`.length > 0) {
    tags.push({ Key: SnapshotTagKeys.PIN, Value: tagValue(`${run.pin}`) });
  }
  return tags;
}

/** The scheduled time to the minute, in UTC: what the snapshot identifier and its tag are made of. */
export function scheduledMinute(scheduledTime: string | undefined, executionStartTime: string): string {
  const source = scheduledTime ?? executionStartTime;
  const time = new Date(source);
  if (typeof source !== 'string' || Number.isNaN(time.getTime())) {
    throw new ScheduleNotFound(`The scheduled time must be an ISO-8601 time, got ${JSON.stringify(source)}.`);
  }
  if (time.getTime() > new Date(executionStartTime).getTime() + FUTURE_SLACK_MS) {
    throw new InvalidRunInput(`The scheduled time ${source} is after the execution started (${executionStartTime}); `
      + 'it would make every snapshot look old, so the run is refused.');
  }
  time.setUTCSeconds(0, 0);
  return time.toISOString();
}

/**
 * Prepares one run: resolves its configuration, names the snapshot, and checks that the cluster can be
 * snapshotted. Never starts a stopped cluster.
 */
export async function prepareRun(event: PrepareEvent, dependencies: PrepareDependencies): Promise<PreparedRun> {
  const { rds, reporter } = dependencies;
  const run = resolveRunInput(event.input);
  const scheduleId = run.scheduleId!;
  const scheduledTime = scheduledMinute(run.scheduledTime, event.executionStartTime);
  const identifier = snapshotIdentifier(run.snapshotPrefix!, run.clusterIdentifier, new Date(scheduledTime));

  const described = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: run.clusterIdentifier }));
  const status = described.DBClusters?.[0]?.Status ?? 'unknown';
  if (STOPPED_STATES.has(status)) {
    const stopped = run.whenClusterStopped === 'fail'
      ? new ClusterStoppedFailure(run.clusterIdentifier, status)
      : new ClusterStoppedSkip(run.clusterIdentifier, status);
    if (stopped instanceof ClusterStoppedSkip) {
      await reporter.event(RunEvents.RUN_SKIPPED, run.clusterIdentifier, {
        outcome: 'skipped', clusterIdentifier: run.clusterIdentifier, scheduleId, scheduledTime, reason: stopped.message,
      });
    }
    throw stopped;
  }

  const timeout = run.snapshotTimeoutSeconds ?? DEFAULT_SNAPSHOT_TIMEOUT_SECONDS;
  const prepared: PreparedRun = {
    clusterIdentifier: run.clusterIdentifier,
    scheduleId,
    snapshotPrefix: run.snapshotPrefix!,
    snapshotIdentifier: identifier,
    scheduledTime,
    retention: run.retention!,
    timeZone: run.timeZone ?? 'UTC',
    dryRun: run.dryRun === true,
    tags: snapshotTags(run, scheduleId, scheduledTime),
    snapshotTimeoutSeconds: timeout,
    poll: firstPoll(timeout),
  };
  return { ...prepared, regionQuota: await checkQuotaBestEffort(prepared, run, dependencies) };
}

/** The quota check is monitoring: when it fails, the run goes on without it rather than without a snapshot. */
async function checkQuotaBestEffort(run: PreparedRun, input: ScheduleRunInput, dependencies: PrepareDependencies):
Promise<RegionQuota | undefined> {
  try {
    return await checkQuota(run, input, dependencies);
  } catch (error) {
    dependencies.logger.warn('Could not count the region\'s manual cluster snapshots before the snapshot of cluster '
      + `${run.clusterIdentifier}; the run goes on without the quota check.`, {
      cluster: run.clusterIdentifier,
      snapshot: run.snapshotIdentifier,
      error: `${(error as Error).name}: ${(error as Error).message}`,
    });
    return undefined;
  }
}

/**
 * Counts the region's manual cluster snapshots against the quota, publishes both, warns when the region is nearly
 * full, and, when it is full and the schedule allows it, prunes this schedule's expired snapshots first.
 */
async function checkQuota(run: PreparedRun, input: ScheduleRunInput, dependencies: PrepareDependencies):
Promise<RegionQuota> {
  const { rds, logger, reporter } = dependencies;
  const used = await countManualClusterSnapshots(rds);
  const { quota, quotaSource } = await manualClusterSnapshotQuota(dependencies.quotas);
  const usedPercent = Math.round((used / quota) * 1000) / 10;
  const regionMetrics = [
    { name: RunMetricNames.REGION_MANUAL_SNAPSHOTS, unit: 'Count' as const, value: used },
    { name: RunMetricNames.REGION_SNAPSHOT_QUOTA, unit: 'Count' as const, value: quota },
    { name: RunMetricNames.QUOTA_USED_PERCENT, unit: 'Percent' as const, value: usedPercent },
  ];
  // Once beside the cluster (for its dashboard row) and once for the region (for the stack's quota alarm).
  reporter.metrics(run.clusterIdentifier, regionMetrics);
  reporter.metrics(undefined, regionMetrics);
  const context = { cluster: run.clusterIdentifier, snapshot: run.snapshotIdentifier, used, quota, quotaSource };
  let prunedBeforeCreate: string[] = [];
  if (used >= quota && input.pruneBeforeCreateAtQuota) {
    logger.warn(`The region holds ${used} of ${quota} manual cluster snapshots; pruning expired snapshots of `
      + `cluster ${run.clusterIdentifier} before creating ${run.snapshotIdentifier}.`, context);
    const pruned = await pruneSnapshots({ action: 'prune', run, beforeCreate: true }, rds, logger);
    prunedBeforeCreate = pruned.dryRun ? [] : pruned.deleted;
    reporter.metrics(run.clusterIdentifier, [
      { name: RunMetricNames.SNAPSHOTS_DELETED, unit: 'Count', value: prunedBeforeCreate.length },
      { name: RunMetricNames.DELETE_FAILURES, unit: 'Count', value: pruned.deleteFailed.length },
    ]);
  } else if (used >= quota) {
    logger.warn(`The region holds ${used} of ${quota} manual cluster snapshots, so RDS will refuse the snapshot of `
      + `cluster ${run.clusterIdentifier}; set pruneBeforeCreateAtQuota or raise the quota.`, context);
  } else if (usedPercent >= QUOTA_WARNING_PERCENT) {
    logger.warn(`The region holds ${used} of ${quota} manual cluster snapshots (${usedPercent}%).`, context);
  }
  return { used, quota, quotaSource, prunedBeforeCreate };
}
