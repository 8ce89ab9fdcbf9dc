/**
 * The tag keys this library writes on the snapshots it makes and reads back when it prunes.
 *
 * Tag keys are shared by the construct (IAM conditions), the workflow (tags on create) and the
 * function (ownership and pin checks), so they live in one place.
 */
export const SnapshotTagKeys = {
  /** Names the schedule that made the snapshot; only snapshots carrying this schedule's value are ever pruned. */
  SCHEDULE: 'cdk-aurora-snapshots:schedule',
  /** The scheduled time of the run that made the snapshot, ISO-8601 in UTC. */
  SCHEDULED_TIME: 'cdk-aurora-snapshots:scheduled-time',
  /** Any value keeps the snapshot forever; users may set it in the console. */
  PIN: 'cdk-aurora-snapshots:pin',
} as const;

/** One cluster snapshot as the retention decision sees it: the facts RDS reports, nothing derived. */
export interface SnapshotRecord {
  /** `DBClusterSnapshotIdentifier`. */
  readonly identifier: string;
  /** `DBClusterSnapshotArn`, when RDS reported it. */
  readonly arn?: string;
  /** `DBClusterIdentifier` of the cluster the snapshot was taken from. */
  readonly clusterIdentifier: string;
  /** `SnapshotType`: `manual`, `automated`, `awsbackup` or another value RDS reports. */
  readonly snapshotType: string;
  /** `Status`: `available`, `creating`, `failed`, ... */
  readonly status: string;
  /** `SnapshotCreateTime` as an ISO-8601 instant, when RDS reported one. */
  readonly createTime?: string;
  /** The snapshot's tags (`TagList`) as key to value. */
  readonly tags: Readonly<Record<string, string>>;
}
