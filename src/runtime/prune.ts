import { AddTagsToResourceCommand, DeleteDBClusterSnapshotCommand, type RDSClient } from '@aws-sdk/client-rds';
import { listManualClusterSnapshots } from './cluster-snapshots';
import type { SnapshotLogger } from './snapshot-logger';
import { decideRetention } from '../decisions/retention-decision';
import type { PreparedRun, RunSummary } from '../decisions/run-input';
import { SnapshotTagKeys } from '../decisions/snapshot-tags';

/** What the workflow sends to the prune step once the new snapshot is available. */
export interface PruneEvent {
  readonly action: 'prune';
  readonly run: PreparedRun;
  /** True when pruning to make room at the quota, before this run's snapshot exists. */
  readonly beforeCreate?: boolean;
}

/** Thrown when the identifier this run wanted belongs to a snapshot that this schedule did not make. */
export class SnapshotIdentifierTaken extends Error {
  constructor(snapshotIdentifier: string, owner: string | undefined, clusterIdentifier: string, found: boolean) {
    super(found
      ? `Snapshot ${snapshotIdentifier} already exists but was not made by this schedule `
        + `(its ${SnapshotTagKeys.SCHEDULE} tag is ${owner === undefined ? 'missing' : JSON.stringify(owner)}); `
        + 'nothing was pruned.'
      : `Snapshot ${snapshotIdentifier} is not among the manual snapshots of cluster ${clusterIdentifier} (the name `
        + 'may belong to another cluster\'s snapshot), so this run made no snapshot of it; nothing was pruned.');
    this.name = 'SnapshotIdentifierTaken';
  }
}

/**
 * Applies the retention policy to this schedule's snapshots of the cluster and deletes the expired ones.
 *
 * Only snapshots the decision expires are touched; a delete that fails is logged and reported and the others go
 * on; a snapshot that is already gone counts as deleted.
 */
export async function pruneSnapshots(event: PruneEvent, rds: RDSClient, logger: SnapshotLogger): Promise<RunSummary> {
  const run = event.run;
  const snapshots = await listManualClusterSnapshots(rds, run.clusterIdentifier);

  const index = snapshots.findIndex((snapshot) => snapshot.identifier === run.snapshotIdentifier);
  const created = index >= 0 ? snapshots[index] : undefined;
  const owner = created?.tags[SnapshotTagKeys.SCHEDULE];
  if ((created === undefined && !event.beforeCreate) || (created !== undefined && owner !== run.scheduleId)) {
    // Not among this cluster's manual snapshots (the name belongs to another cluster), or not this schedule's.
    throw new SnapshotIdentifierTaken(run.snapshotIdentifier, owner, run.clusterIdentifier, created !== undefined);
  }

  // A pinned manual run whose create met this schedule's snapshot of the same minute (AlreadyExists) pins that one.
  const pin = run.tags.find((tag) => tag.Key === SnapshotTagKeys.PIN);
  if (created !== undefined && pin !== undefined && created.tags[SnapshotTagKeys.PIN] === undefined && created.arn) {
    await rds.send(new AddTagsToResourceCommand({ ResourceName: created.arn, Tags: [pin] }));
    snapshots[index] = { ...created, tags: { ...created.tags, [SnapshotTagKeys.PIN]: pin.Value } };
    logger.info(`Pinned snapshot ${created.identifier} of cluster ${run.clusterIdentifier}, which this run found `
      + 'already made for the same minute.', { cluster: run.clusterIdentifier, snapshot: created.identifier, decision: 'pin' });
  }

  const decision = decideRetention({
    snapshots,
    policy: run.retention,
    clusterIdentifier: run.clusterIdentifier,
    scheduleId: run.scheduleId,
    timeZone: run.timeZone,
    createdSnapshotIdentifier: run.snapshotIdentifier,
    // A snapshot dated after the run's own time is kept and left out of the rules, so one wrong date cannot make
    // `within` rules expire everything else.
    now: run.scheduledTime,
    snapshotPrefix: run.snapshotPrefix,
  });
  for (const verdict of decision.verdicts) {
    logger.info(`Snapshot ${verdict.identifier} of cluster ${run.clusterIdentifier}: ${verdict.reasons.join('; ')}.`, {
      cluster: run.clusterIdentifier,
      snapshot: verdict.identifier,
      decision: verdict.action,
      reasons: verdict.reasons,
      snapshotTime: verdict.time,
      dryRun: run.dryRun,
    });
  }

  const deleted: string[] = [];
  const deleteFailed: Array<{ snapshotIdentifier: string; error: string }> = [];
  for (const identifier of decision.expire) {
    if (run.dryRun) {
      deleted.push(identifier);
      continue;
    }
    try {
      await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: identifier }));
      deleted.push(identifier);
      logger.info(`Deleted expired snapshot ${identifier} of cluster ${run.clusterIdentifier}.`, {
        cluster: run.clusterIdentifier, snapshot: identifier, decision: 'deleted',
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'DBClusterSnapshotNotFoundFault') {
        deleted.push(identifier);
        logger.info(`Expired snapshot ${identifier} of cluster ${run.clusterIdentifier} was already gone.`, {
          cluster: run.clusterIdentifier, snapshot: identifier, decision: 'already-deleted',
        });
        continue;
      }
      const message = `${name}: ${(error as Error).message}`;
      deleteFailed.push({ snapshotIdentifier: identifier, error: message });
      logger.error(`Could not delete expired snapshot ${identifier} of cluster ${run.clusterIdentifier}; `
        + 'the other deletes go on and the run is reported as partial.', {
        cluster: run.clusterIdentifier, snapshot: identifier, decision: 'delete-failed', error: message,
      });
    }
  }

  const summary: RunSummary = {
    outcome: deleteFailed.length > 0 ? 'partial' : 'succeeded',
    clusterIdentifier: run.clusterIdentifier,
    scheduleId: run.scheduleId,
    snapshotIdentifier: run.snapshotIdentifier,
    scheduledTime: run.scheduledTime,
    dryRun: run.dryRun,
    kept: decision.counts.kept,
    deleted,
    deleteFailed,
    ignored: decision.counts.ignored,
    keptByRule: decision.keptByRule,
  };
  logger.info(`Run for cluster ${run.clusterIdentifier} ${summary.outcome}: snapshot ${run.snapshotIdentifier}, `
    + `${summary.kept} kept, ${deleted.length} ${run.dryRun ? 'would be deleted' : 'deleted'}, `
    + `${deleteFailed.length} failed deletes.`, { cluster: run.clusterIdentifier, snapshot: run.snapshotIdentifier, summary });
  return summary;
}
