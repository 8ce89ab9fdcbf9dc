/**
 * Names of the CloudWatch metrics the snapshot function publishes (embedded metric format), shared by the
 * function that writes them and the constructs that alarm on them and chart them.
 */
export const RunMetricNames = {
  /** Namespace of every metric below. */
  NAMESPACE: 'CdkAuroraSnapshots',
  /** Value of the `service` dimension Powertools adds to every metric. */
  SERVICE: 'cdk-aurora-snapshots',
  /** Dimension naming the cluster. */
  CLUSTER_DIMENSION: 'ClusterIdentifier',
  /** Dimension naming the schedule, on a second copy of `SNAPSHOTS_CREATED` that the stale alarm watches. */
  SCHEDULE_DIMENSION: 'ScheduleId',
  /** Dimension naming the retention rule, on `SNAPSHOTS_KEPT_BY_RULE` only. */
  RULE_DIMENSION: 'Rule',

  /** 1 for each run whose new snapshot became available (Count). Absent when a run failed or was skipped. */
  SNAPSHOTS_CREATED: 'SnapshotsCreated',
  /** This schedule's snapshots kept by the run, the new one included (Count). */
  SNAPSHOTS_KEPT: 'SnapshotsKept',
  /** Expired snapshots deleted by the run (Count). */
  SNAPSHOTS_DELETED: 'SnapshotsDeleted',
  /** Deletes that failed; those snapshots are still there (Count). */
  DELETE_FAILURES: 'DeleteFailures',
  /** This schedule's snapshots that exist after the run: kept plus failed deletes (Count). */
  SNAPSHOTS_HELD: 'SnapshotsHeld',
  /** Kept snapshots per rule that keeps them (Count, with the `Rule` dimension). */
  SNAPSHOTS_KEPT_BY_RULE: 'SnapshotsKeptByRule',
  /** Seconds the new snapshot took to become available, counted in the workflow's waits (Seconds). */
  SECONDS_TO_AVAILABLE: 'SecondsToAvailable',
  /** Manual cluster snapshots the region holds before the run creates one (Count). */
  REGION_MANUAL_SNAPSHOTS: 'ManualClusterSnapshotsInRegion',
  /** The region's quota of manual cluster snapshots (Count). */
  REGION_SNAPSHOT_QUOTA: 'ManualClusterSnapshotQuota',
  /** Manual cluster snapshots in the region as a percentage of the quota (Percent). */
  QUOTA_USED_PERCENT: 'ManualClusterSnapshotQuotaUsedPercent',
} as const;

/** The EventBridge source and detail types of the run outcomes the function publishes to the default bus. */
export const RunEvents = {
  SOURCE: 'cdk-aurora-snapshots',
  RUN_COMPLETED: 'Aurora Snapshot Run Completed',
  RUN_SKIPPED: 'Aurora Snapshot Run Skipped',
} as const;
