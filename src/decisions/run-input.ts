import type { RetentionPolicy } from './retention-policy';

/**
 * What one run of the snapshot workflow is asked to do. The schedule sends all of it; a manual run may send only
 * `clusterIdentifier` (and optionally `scheduleId`, `pin`, `scheduledTime`), and the rest is taken from the
 * schedule of that cluster that the stack registered.
 */
export interface ScheduleRunInput {
  /** `DBClusterIdentifier` of the cluster to snapshot. */
  readonly clusterIdentifier: string;
  /** Value of the ownership tag: the construct path of the schedule. */
  readonly scheduleId?: string;
  /** Start of every snapshot identifier this schedule makes. */
  readonly snapshotPrefix?: string;
  /** Which of this schedule's snapshots to keep. */
  readonly retention?: RetentionPolicy;
  /** IANA time zone in which calendar periods are cut: the schedule's own. */
  readonly timeZone?: string;
  /** Report what would be deleted without deleting. */
  readonly dryRun?: boolean;
  /** Extra tags for the snapshot, `aws:` keys already removed. */
  readonly tags?: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
  /** How long a snapshot may take to become available before the run fails. */
  readonly snapshotTimeoutSeconds?: number;
  /** What to do when the cluster is stopped: `skip` (default) or `fail`. */
  readonly whenClusterStopped?: string;
  /** ISO-8601 time the run was scheduled for; manual runs fall back to the execution start time. */
  readonly scheduledTime?: string;
  /** Manual runs only: a reason to keep this snapshot forever ("before the migration"). */
  readonly pin?: string;
  /** When the region is at its manual cluster snapshot quota, prune this schedule's expired snapshots first. */
  readonly pruneBeforeCreateAtQuota?: boolean;
}

/** How full the region is with manual cluster snapshots, as the prepare step found it. */
export interface RegionQuota {
  /** Manual cluster snapshots in the region before this run's. */
  readonly used: number;
  /** The quota: from Service Quotas, or the documented default of 100. */
  readonly quota: number;
  /** Where the quota came from. */
  readonly quotaSource: 'service-quotas' | 'default';
  /** Expired snapshots deleted before creating because the region was at its quota. */
  readonly prunedBeforeCreate: string[];
}

/** The tag list this library passes to `CreateDBClusterSnapshot`, in the aws-sdk integration's shape. */
export interface SnapshotTag {
  readonly Key: string;
  readonly Value: string;
}

/** What the prepare step hands to the rest of the workflow: everything resolved, nothing left to defaults. */
export interface PreparedRun {
  readonly clusterIdentifier: string;
  readonly scheduleId: string;
  readonly snapshotPrefix: string;
  readonly snapshotIdentifier: string;
  readonly scheduledTime: string;
  readonly retention: RetentionPolicy;
  readonly timeZone: string;
  readonly dryRun: boolean;
  readonly tags: SnapshotTag[];
  readonly snapshotTimeoutSeconds: number;
  /** The first wait after the create call. */
  readonly poll: PollPlan;
  /** The region's manual cluster snapshots against the quota, before this run's snapshot. */
  readonly regionQuota?: RegionQuota;
}

/** The poll loop's state: the next wait, and the time waited so far counted in waits, not read from a clock. */
export interface PollPlan {
  /** Seconds of the next wait. */
  readonly seconds: number;
  /** Seconds waited since the create call once the next wait is over. */
  readonly elapsedSeconds: number;
  /** The snapshot timeout; once `elapsedSeconds` reaches it and the snapshot is not available, the run fails. */
  readonly timeoutSeconds: number;
}

/** How a run ended, as the execution output reports it. */
export type RunOutcome = 'succeeded' | 'partial' | 'skipped';

/** The execution output of a run that got as far as retention. */
export interface RunSummary {
  readonly outcome: RunOutcome;
  readonly clusterIdentifier: string;
  readonly scheduleId: string;
  readonly snapshotIdentifier: string;
  readonly scheduledTime: string;
  readonly dryRun: boolean;
  /** Number of this schedule's snapshots kept, the new one included. */
  readonly kept: number;
  /** Snapshots deleted by this run (or, in a dry run, that would have been). */
  readonly deleted: string[];
  /** Snapshots whose delete failed, with the error. */
  readonly deleteFailed: Array<{ readonly snapshotIdentifier: string; readonly error: string }>;
  /** Snapshots of the cluster that are not this schedule's and were left alone. */
  readonly ignored: number;
  /** How many kept snapshots each rule accounts for. */
  readonly keptByRule: Record<string, number>;
  /** The region's manual cluster snapshots against the quota, before this run's snapshot. */
  readonly regionQuota?: RegionQuota;
}
