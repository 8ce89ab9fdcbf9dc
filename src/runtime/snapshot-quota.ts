import { DescribeDBClusterSnapshotsCommand, type RDSClient } from '@aws-sdk/client-rds';
import { ListServiceQuotasCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SNAPSHOT_PAGE_SIZE } from './cluster-snapshots';

/**
 * The default quota of manual DB cluster snapshots per region, used when Service Quotas cannot be asked.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/CHAP_Limits.html
 */
export const DEFAULT_MANUAL_CLUSTER_SNAPSHOT_QUOTA = 100;

/** The quota's name in Service Quotas; its code is looked up by this name. */
const QUOTA_NAME = 'Manual DB cluster snapshots';

/** How full the region is. */
export interface QuotaHeadroom {
  readonly used: number;
  readonly quota: number;
  /** `service-quotas` when the account's own value was read, `default` when the documented default was used. */
  readonly quotaSource: 'service-quotas' | 'default';
}

let cachedQuota: { quota: number; quotaSource: QuotaHeadroom['quotaSource'] } | undefined;

/** Reads the region's quota of manual cluster snapshots once per function instance. */
export async function manualClusterSnapshotQuota(quotas: ServiceQuotasClient | undefined):
Promise<{ quota: number; quotaSource: QuotaHeadroom['quotaSource'] }> {
  if (cachedQuota) {
    return cachedQuota;
  }
  let found: number | undefined;
  try {
    let token: string | undefined;
    do {
      const page = await quotas!.send(new ListServiceQuotasCommand({ ServiceCode: 'rds', NextToken: token }));
      found = page.Quotas?.find((quota) => quota.QuotaName === QUOTA_NAME)?.Value ?? found;
      token = found === undefined ? page.NextToken : undefined;
    } while (token);
  } catch {
    // Not allowed, not available in this partition, or not answering: the documented default stands in.
  }
  cachedQuota = found !== undefined && found > 0
    ? { quota: found, quotaSource: 'service-quotas' }
    : { quota: DEFAULT_MANUAL_CLUSTER_SNAPSHOT_QUOTA, quotaSource: 'default' };
  return cachedQuota;
}

/** Forgets the cached quota; tests use it. */
export function forgetCachedQuota(): void {
  cachedQuota = undefined;
}

/** Counts the region's manual cluster snapshots, a page of 100 at a time. */
export async function countManualClusterSnapshots(rds: RDSClient): Promise<number> {
  let count = 0;
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBClusterSnapshotsCommand({
      SnapshotType: 'manual', MaxRecords: SNAPSHOT_PAGE_SIZE, Marker: marker,
    }));
    count += page.DBClusterSnapshots?.length ?? 0;
    marker = page.Marker;
  } while (marker);
  return count;
}
