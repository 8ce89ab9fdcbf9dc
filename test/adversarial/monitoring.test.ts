import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { AuroraSnapshotSchedule, Retention } from '../../src';

/**
 * Each schedule has its own stale alarm, but the metric it watches (`SnapshotsCreated`) carries only the cluster
 * as dimension. With two schedules on one cluster, the hourly schedule's snapshots keep the daily schedule's stale
 * alarm OK however long the daily one has been broken.
 */
test('the stale alarms of two schedules on one cluster watch different metrics', () => {
  const app = new App();
  const stack = new Stack(app, 'Two', { env: { account: '123456789012', region: 'us-east-1' } });
  const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'C', { clusterIdentifier: 'ledger-db' });
  new AuroraSnapshotSchedule(stack, 'Hourly', {
    cluster, schedule: scheduler.ScheduleExpression.cron({ minute: '0' }), retention: Retention.keepLast(24),
  });
  new AuroraSnapshotSchedule(stack, 'Daily', { cluster, retention: Retention.policy({ daily: 7, monthly: 12 }) });

  const alarms = Object.values<any>(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
    .filter((alarm) => alarm.Properties.MetricName === 'SnapshotsCreated')
    .map((alarm) => JSON.stringify([alarm.Properties.Namespace, alarm.Properties.Dimensions]));
  expect(alarms).toHaveLength(2);
  expect(alarms[0]).not.toEqual(alarms[1]);
});
