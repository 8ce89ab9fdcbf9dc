import { RDSClient } from '@aws-sdk/client-rds';
import { Logger } from '@aws-lambda-powertools/logger';
import { nextPoll } from '../decisions/poll-plan';
import type { PollPlan } from '../decisions/run-input';
import { prepareRun, type PrepareEvent } from './prepare';
import { pruneSnapshots, type PruneEvent } from './prune';
import type { SnapshotLogger } from './snapshot-logger';

/** What the workflow sends to plan the next wait while the snapshot is being created. */
export interface PollEvent {
  readonly action: 'poll';
  readonly poll: PollPlan;
  /** The last DescribeDBClusterSnapshots entry, in the aws-sdk integration's names (`PercentProgress`). */
  readonly snapshot: { readonly status?: string; readonly described?: { readonly PercentProgress?: number } };
}

/** The steps of a run this function carries out, told apart by `action`. */
export type SnapshotStepEvent = PrepareEvent | PollEvent | PruneEvent;

/** What a handler needs from outside: an RDS client and a logger. Tests pass their own. */
export interface SnapshotStepDependencies {
  readonly rds: RDSClient;
  readonly logger: SnapshotLogger;
}

/**
 * Builds the handler around its dependencies. The SDK retries throttled calls with adaptive backoff, so a busy
 * account slows a run down rather than failing it.
 */
export function createHandler(dependencies: SnapshotStepDependencies): (event: SnapshotStepEvent) => Promise<unknown> {
  return async (event) => {
    switch (event?.action) {
      case 'prepare': {
        const run = await prepareRun(event, dependencies.rds);
        dependencies.logger.info(`Prepared snapshot ${run.snapshotIdentifier} of cluster ${run.clusterIdentifier}.`, {
          cluster: run.clusterIdentifier, snapshot: run.snapshotIdentifier, schedule: run.scheduleId,
          scheduledTime: run.scheduledTime, dryRun: run.dryRun,
        });
        return run;
      }
      case 'poll':
        return nextPoll(event.poll, event.snapshot?.described?.PercentProgress);
      case 'prune':
        return pruneSnapshots(event, dependencies.rds, dependencies.logger);
      default:
        throw new Error(`The snapshot function was called with action ${JSON.stringify((event as any)?.action)}; `
          + 'it knows only "prepare", "poll" and "prune".');
    }
  };
}

let defaultHandler: ((event: SnapshotStepEvent) => Promise<unknown>) | undefined;

/** The Lambda entry point. */
export async function handler(event: SnapshotStepEvent): Promise<unknown> {
  defaultHandler ??= createHandler({
    rds: new RDSClient({ retryMode: 'adaptive', maxAttempts: 8 }),
    logger: new Logger({ serviceName: 'cdk-aurora-snapshots' }),
  });
  return defaultHandler(event);
}
