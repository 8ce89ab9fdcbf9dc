import {
  DescribeDBClusterSnapshotsCommand,
  type DBClusterSnapshot,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { SnapshotRecord } from '../decisions/snapshot-tags';

/** Page size for DescribeDBClusterSnapshots; 100 is the most RDS returns in one page. */
export const SNAPSHOT_PAGE_SIZE = 100;

/**
 * Lists every manual snapshot of exactly one cluster, following `Marker` through every page. Tags come from
 * `TagList` in the same response, so the cost is one call per hundred snapshots and nothing per snapshot.
 */
export async function listManualClusterSnapshots(rds: RDSClient, clusterIdentifier: string): Promise<SnapshotRecord[]> {
  const snapshots: SnapshotRecord[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBClusterSnapshotsCommand({
      DBClusterIdentifier: clusterIdentifier,
      SnapshotType: 'manual',
      MaxRecords: SNAPSHOT_PAGE_SIZE,
      Marker: marker,
    }));
    for (const snapshot of page.DBClusterSnapshots ?? []) {
      snapshots.push(toSnapshotRecord(snapshot));
    }
    marker = page.Marker;
  } while (marker);
  return snapshots;
}

/** The facts the retention decision needs, read from one DescribeDBClusterSnapshots entry. */
export function toSnapshotRecord(snapshot: DBClusterSnapshot): SnapshotRecord {
  const tags: Record<string, string> = {};
  for (const tag of snapshot.TagList ?? []) {
    if (tag.Key !== undefined) {
      tags[tag.Key] = tag.Value ?? '';
    }
  }
  return {
    identifier: snapshot.DBClusterSnapshotIdentifier ?? '',
    arn: snapshot.DBClusterSnapshotArn,
    clusterIdentifier: snapshot.DBClusterIdentifier ?? '',
    snapshotType: snapshot.SnapshotType ?? '',
    status: snapshot.Status ?? '',
    createTime: snapshot.SnapshotCreateTime ? new Date(snapshot.SnapshotCreateTime).toISOString() : undefined,
    tags,
  };
}
