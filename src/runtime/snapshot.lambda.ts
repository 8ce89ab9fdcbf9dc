import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { RDSClient } from '@aws-sdk/client-rds';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { prepareRun, type PrepareEvent } from './prepare';
import { pruneSnapshots, type PruneEvent } from './prune';
import { RunReporter } from './run-reporter';
import type { SnapshotLogger } from './snapshot-logger';
import { nextPoll } from '../decisions/poll-plan';
import type { PollPlan, RunSummary } from '../decisions/run-input';
import { RunEvents, RunMetricNames } from '../decisions/run-metrics';

/** What the workflow sends to plan the next wait while the snapshot is being created. */
export interface PollEvent {
  readonly action: 'poll';
  readonly poll: PollPlan;
  /** The last DescribeDBClusterSnapshots entry, in the aws-sdk integration's names (`PercentProgress`). */
  readonly snapshot: { readonly status?: string; readonly described?: { readonly PercentProgress?: number } };
}

/** The steps of a run this function carries out, told apart by `action`. */
export type SnapshotStepEvent = PrepareEvent | PollEvent | PruneEvent;

/** What a handler needs from outside. Tests pass their own. */
export interface SnapshotStepDependencies {
  readonly rds: RDSClient;
  readonly logger: SnapshotLogger;
  /** Service Quotas, for the region's manual cluster snapshot quota; without it the documented default is used. */
  readonly quotas?: ServiceQuotasClient;
  /** EventBridge, for run outcome events; without it no event is published. */
  readonly events?: EventBridgeClient;
  /** Where embedded metric format lines go. @default - standard output, which Lambda sends to CloudWatch Logs */
  readonly emitMetrics?: (line: string) => void;
}

/**
 * Builds the handler around its dependencies. The SDK retries throttled calls with adaptive backoff, so a busy
 * account slows a run down rather than failing it.
 */
export function createHandler(dependencies: SnapshotStepDependencies): (event: SnapshotStepEvent) => Promise<unknown> {
  const reporter = new RunReporter(dependencies.logger, dependencies.events, dependencies.emitMetrics);
  const step = createStep(dependencies, reporter);
  return async (event) => {
    try {
      return await step(event);
    } catch (error) {
      throw asRdsTransient(error);
    }
  };
}

/** Error names of RDS faults worth repeating a whole step for, once the SDK's own retries are spent. */
const TRANSIENT_ERROR_NAMES = new Set([
  'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'InternalFailure',
  'ServiceUnavailable', 'RequestTimeout', 'TimeoutError', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT',
]);

/** Thrown for a transient RDS fault, so the workflow retries the step with backoff instead of failing the run. */
export class RdsTransient extends Error {
  constructor(cause: Error) {
    super(`${cause.name}: ${cause.message}`);
    this.name = 'RdsTransient';
  }
}

/** Renames a transient RDS fault to `RdsTransient`; any other error passes through unchanged. */
export function asRdsTransient(error: unknown): unknown {
  const fault = error as { name?: string; code?: string; $fault?: string; $retryable?: unknown; $metadata?: unknown };
  const transient = fault !== null && typeof fault === 'object' && (
    TRANSIENT_ERROR_NAMES.has(fault.name ?? '') || TRANSIENT_ERROR_NAMES.has(fault.code ?? '')
    || fault.$fault === 'server' || fault.$retryable !== undefined);
  return transient ? new RdsTransient(error as Error) : error;
}

function createStep(dependencies: SnapshotStepDependencies, reporter: RunReporter):
(event: SnapshotStepEvent) => Promise<unknown> {
  return async (event) => {
    switch (event?.action) {
      case 'prepare': {
        const run = await prepareRun(event, { ...dependencies, reporter });
        dependencies.logger.info(`Prepared snapshot ${run.snapshotIdentifier} of cluster ${run.clusterIdentifier}.`, {
          cluster: run.clusterIdentifier,
          snapshot: run.snapshotIdentifier,
          schedule: run.scheduleId,
          scheduledTime: run.scheduledTime,
          dryRun: run.dryRun,
        });
        return run;
      }
      case 'poll':
        return nextPoll(event.poll, event.snapshot?.described?.PercentProgress);
      case 'prune': {
        const summary = await pruneSnapshots(event, dependencies.rds, dependencies.logger);
        await report(reporter, { ...summary, regionQuota: event.run.regionQuota }, event.run.poll.elapsedSeconds);
        return { ...summary, regionQuota: event.run.regionQuota };
      }
      default:
        throw new Error(`The snapshot function was called with action ${JSON.stringify((event as any)?.action)}; `
          + 'it knows only "prepare", "poll" and "prune".');
    }
  };
}

/** Publishes the metrics and the event of a run whose new snapshot became available. */
async function report(reporter: RunReporter, summary: RunSummary, secondsToAvailable: number): Promise<void> {
  const cluster = summary.clusterIdentifier;
  reporter.metrics(cluster, [
    { name: RunMetricNames.SNAPSHOTS_CREATED, unit: 'Count', value: 1 },
    { name: RunMetricNames.SNAPSHOTS_KEPT, unit: 'Count', value: summary.kept },
    { name: RunMetricNames.SNAPSHOTS_DELETED, unit: 'Count', value: summary.dryRun ? 0 : summary.deleted.length },
    { name: RunMetricNames.DELETE_FAILURES, unit: 'Count', value: summary.deleteFailed.length },
    { name: RunMetricNames.SNAPSHOTS_HELD, unit: 'Count', value: summary.kept + summary.deleteFailed.length },
    { name: RunMetricNames.SECONDS_TO_AVAILABLE, unit: 'Seconds', value: secondsToAvailable },
  ]);
  reporter.metrics(cluster, [{ name: RunMetricNames.SNAPSHOTS_CREATED, unit: 'Count', value: 1 }],
    { [RunMetricNames.SCHEDULE_DIMENSION]: summary.scheduleId });
  for (const [rule, count] of Object.entries(summary.keptByRule)) {
    reporter.metrics(cluster, [{ name: RunMetricNames.SNAPSHOTS_KEPT_BY_RULE, unit: 'Count', value: count }],
      { [RunMetricNames.RULE_DIMENSION]: rule });
  }
  await reporter.event(RunEvents.RUN_COMPLETED, cluster, { ...summary });
}

let defaultHandler: ((event: SnapshotStepEvent) => Promise<unknown>) | undefined;

/** The Lambda entry point. */
export async function handler(event: SnapshotStepEvent): Promise<unknown> {
  defaultHandler ??= createHandler({
    rds: new RDSClient({ retryMode: 'adaptive', maxAttempts: 8 }),
    quotas: new ServiceQuotasClient({ retryMode: 'adaptive', maxAttempts: 4 }),
    events: new EventBridgeClient({ retryMode: 'adaptive', maxAttempts: 4 }),
    logger: new Logger({ serviceName: 'cdk-aurora-snapshots' }),
  });
  return defaultHandler(event);
}
