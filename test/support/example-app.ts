import { App, Stack, TimeZone } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { AuroraSnapshotSchedule, Retention } from '../../src';

/** The cluster the example app snapshots; the demo creates it in moto under this identifier. */
export const EXAMPLE_CLUSTER = 'orders-db';

/** The cluster the tiered example snapshots, in a non-UTC time zone. */
export const EXAMPLE_TIERED_CLUSTER = 'billing-db';

/**
 * The example app used by the README, the snapshot test, the demo and the benchmarks: one stack with an imported
 * cluster, snapshotted daily at 03:00 UTC and keeping the last 7, and one with a tiered policy in Europe/Berlin.
 */
export function exampleApp(outdir?: string): { app: App; stack: Stack } {
  const app = new App({ outdir });
  const stack = new Stack(app, 'AuroraSnapshotsExample', { env: { account: '123456789012', region: 'us-east-1' } });

  new AuroraSnapshotSchedule(stack, 'OrdersNightly', {
    cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Orders', { clusterIdentifier: EXAMPLE_CLUSTER }),
    schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3' }),
    retention: Retention.keepLast(7),
    tags: { team: 'orders' },
    dashboard: true,
  });

  new AuroraSnapshotSchedule(stack, 'BillingTiered', {
    cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Billing', {
      clusterIdentifier: EXAMPLE_TIERED_CLUSTER,
    }),
    schedule: scheduler.ScheduleExpression.cron({ minute: '30', hour: '1', timeZone: TimeZone.EUROPE_BERLIN }),
    retention: Retention.policy({ daily: 7, weekly: 4, monthly: 12 }),
    dashboard: true,
  });
  return { app, stack };
}
