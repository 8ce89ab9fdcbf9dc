import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AuroraSnapshotSchedule, Retention, SnapshotNotifications } from '../src';
import { rdsClient } from './support/aws-fixtures';
import { EXAMPLE_CLUSTER, exampleApp } from './support/example-app';
import { runWorkflow } from './support/local-workflow';
import { exampleAccountForTests, SimulatedAccount } from './support/simulated-account';
import { importedCluster, nagCheckedStacks } from './support/synth';
import { RunMetricNames } from '../src/decisions/run-metrics';
import { createHandler } from '../src/runtime/snapshot.lambda';

const newStack = nagCheckedStacks('MonitoredStack');
const cluster = importedCluster;

function alarmsByDescription(template: Template, pattern: RegExp): any[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .filter((alarm: any) => pattern.test(JSON.stringify(alarm.Properties.AlarmDescription)));
}

describe('alarms', () => {
  test('each alarm watches the right metric, statistic, threshold and missing data, and names the cluster', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new AuroraSnapshotSchedule(stack, 'Orders', {
      cluster: cluster(stack),
      backupStorageBilledThreshold: Size.gibibytes(500),
    });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    const ownDimensions = [
      { Name: RunMetricNames.CLUSTER_DIMENSION, Value: 'orders-db' },
      { Name: 'service', Value: RunMetricNames.SERVICE },
    ];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('No snapshot of Aurora cluster orders-db became available for 29 hours'),
      Namespace: RunMetricNames.NAMESPACE,
      MetricName: RunMetricNames.SNAPSHOTS_CREATED,
      Dimensions: [
        { Name: RunMetricNames.CLUSTER_DIMENSION, Value: 'orders-db' },
        { Name: RunMetricNames.SCHEDULE_DIMENSION, Value: 'MonitoredStack/Orders' },
        { Name: 'service', Value: RunMetricNames.SERVICE },
      ],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 29,
      DatapointsToAlarm: 29,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('Expired snapshots of Aurora cluster orders-db could not be deleted'),
      MetricName: RunMetricNames.DELETE_FAILURES,
      Dimensions: ownDimensions,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: 'Backup storage billed for Aurora cluster orders-db is above 500 GiB (schedule MonitoredStack/Orders).',
      Namespace: 'AWS/RDS',
      MetricName: 'TotalBackupStorageBilled',
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'orders-db' }],
      Statistic: 'Maximum',
      Threshold: 500 * 1024 ** 3,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('holds 80% or more of its manual DB cluster snapshot quota.*orders-db'),
      MetricName: RunMetricNames.QUOTA_USED_PERCENT,
      Dimensions: [{ Name: 'service', Value: RunMetricNames.SERVICE }],
      Statistic: 'Maximum',
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    for (const [metric, what] of [['ExecutionsFailed', 'failed'], ['ExecutionsTimedOut', 'timed out'],
      ['ExecutionsAborted', 'were aborted']]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmDescription: Match.stringLikeRegexp(`Aurora snapshot runs ${what} for cluster\\(s\\) orders-db`),
        Namespace: 'AWS/States',
        MetricName: metric,
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  test('alarms are off by a prop', () => {
    const stack = newStack();
    new AuroraSnapshotSchedule(stack, 'Orders', { cluster: cluster(stack), alarms: false });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });

  test('the stale window follows the schedule: hourly runs go stale after interval plus timeout plus an hour', () => {
    const stack = newStack();
    new AuroraSnapshotSchedule(stack, 'Hourly', {
      cluster: cluster(stack),
      schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
      snapshotTimeout: Duration.hours(2),
    });
    expect(alarmsByDescription(Template.fromStack(stack), /became available for 4 hours/)).toHaveLength(1);
  });

  test('no stale alarm for a monthly, one-off or disabled schedule, which an alarm cannot watch for staleness', () => {
    const stack = newStack();
    new AuroraSnapshotSchedule(stack, 'Monthly', {
      cluster: cluster(stack),
      schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3', day: '1' }),
    });
    new AuroraSnapshotSchedule(stack, 'Paused', { cluster: cluster(stack, 'paused-db'), enabled: false });
    const template = Template.fromStack(stack);
    expect(alarmsByDescription(template, /became available for/)).toHaveLength(0);
    expect(alarmsByDescription(template, /could not be deleted/)).toHaveLength(2);
  });

  test('alarms notify a given topic on alarm and on OK', () => {
    // GIVEN
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Ops', {
      enforceSSL: true,
      masterKey: new kms.Key(stack, 'OpsKey', { enableKeyRotation: true }),
    });

    // WHEN
    new AuroraSnapshotSchedule(stack, 'Orders', { cluster: cluster(stack), notifications: SnapshotNotifications.toTopic(topic) });

    // THEN
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(6);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: stack.getLogicalId(topic.node.defaultChild as any) }]);
      expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
    }
  });

  test('a topic the library creates is KMS-encrypted, TLS-only, and lets CloudWatch publish and use the key', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    const schedule = new AuroraSnapshotSchedule(stack, 'Orders', {
      cluster: cluster(stack),
      notifications: SnapshotNotifications.toNewTopic(),
    });
    new AuroraSnapshotSchedule(stack, 'Billing', {
      cluster: cluster(stack, 'billing-db'),
      notifications: SnapshotNotifications.toNewTopic(),
    });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        })]),
      },
    });
    expect(schedule.engine.notificationTopic).toBeDefined();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms.every((alarm) => alarm.Properties.AlarmActions.length === 1)).toBe(true);
  });

  test('hundreds of schedules with alarms stay under 500 resources per stack, extra alarms in nested stacks', () => {
    const stack = newStack();
    for (let i = 0; i < 400; i++) {
      new AuroraSnapshotSchedule(stack, `Schedule${i}`, { cluster: cluster(stack, `cluster-${i}`) });
    }
    const template = Template.fromStack(stack);
    const resources = Object.keys(template.toJSON().Resources).length;
    expect(resources).toBeLessThan(500);
    template.resourceCountIs('AWS::CloudFormation::Stack', 3);
  });
});

describe('dashboard', () => {
  test('one row for the workflow and one row per cluster with last success, tiers, storage and failures', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new AuroraSnapshotSchedule(stack, 'Orders', { cluster: cluster(stack), dashboard: true });
    new AuroraSnapshotSchedule(stack, 'Billing', {
      cluster: cluster(stack, 'billing-db'),
      retention: Retention.policy({ daily: 7, weekly: 4, monthly: 12 }),
      dashboard: true,
    });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const widgets = dashboardWidgets(template);
    expect(widgets.map((w) => [w.title, w.y])).toEqual([
      ['Aurora snapshot workflow', 0], ['Runs', 0],
      ['orders-db: last success', 6], ['orders-db: snapshots held by tier', 6], ['orders-db: backup storage', 6],
      ['orders-db: failures and quota', 6],
      ['billing-db: last success', 12], ['billing-db: snapshots held by tier', 12], ['billing-db: backup storage', 12],
      ['billing-db: failures and quota', 12],
    ]);
    const tiers = widgets.find((w) => w.title === 'billing-db: snapshots held by tier')!;
    expect(tiers.raw.properties.metrics.map((m: any[]) => m[m.indexOf('Rule') + 1])).toEqual(['daily', 'weekly', 'monthly']);
    const storage = widgets.find((w) => w.title === 'orders-db: backup storage')!;
    expect(storage.raw.properties.metrics.map((m: any[]) => m[1]))
      .toEqual(['TotalBackupStorageBilled', 'SnapshotStorageUsed', 'BackupRetentionPeriodStorageUsed']);
    expect(widgets.find((w) => w.title === 'orders-db: last success')!.raw.properties.query)
      .toContain('filter cluster = "orders-db"');
  });

  test('the README shows the layout drawn from the dashboard definition', () => {
    // GIVEN the example app with its dashboard
    const { stack } = exampleApp();

    // WHEN
    const layout = dashboardLayout(dashboardWidgets(Template.fromStack(stack)));

    // THEN
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
    expect(readme).toContain(layout);
  });
});

describe('what the alarms watch, produced by the synthesized workflow', () => {
  const SCHEDULE = 'AuroraSnapshotsExample/OrdersNightly';
  const exampleAccount = exampleAccountForTests();
  let account: SimulatedAccount;
  beforeEach(() => {
    account = exampleAccount();
  });

  test('a successful run publishes SnapshotsCreated and the run figures for the cluster, read back from EMF', async () => {
    const run = await account.run(account.scheduledInput(SCHEDULE, '2026-11-01T03:00:00Z'));
    expect(run.status).toEqual('SUCCEEDED');
    expect(account.metricValues(RunMetricNames.SNAPSHOTS_CREATED, EXAMPLE_CLUSTER)).toEqual([1]);
    expect(account.metricValues(RunMetricNames.SNAPSHOTS_CREATED, EXAMPLE_CLUSTER,
      { [RunMetricNames.SCHEDULE_DIMENSION]: SCHEDULE })).toEqual([1]);
    expect(account.metricValues(RunMetricNames.SNAPSHOTS_KEPT, EXAMPLE_CLUSTER)).toEqual([1]);
    expect(account.metricValues(RunMetricNames.DELETE_FAILURES, EXAMPLE_CLUSTER)).toEqual([0]);
    expect(account.metricValues(RunMetricNames.SECONDS_TO_AVAILABLE, EXAMPLE_CLUSTER)).toEqual([120]);
    expect(account.metricValues(RunMetricNames.REGION_SNAPSHOT_QUOTA, EXAMPLE_CLUSTER)).toEqual([100]);
    const document = account.metricDocuments.find((d) => RunMetricNames.SNAPSHOTS_CREATED in d)!;
    expect(document._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: RunMetricNames.NAMESPACE,
      Dimensions: [expect.arrayContaining(['service', RunMetricNames.CLUSTER_DIMENSION])],
    });
  });

  test('a failed run ends FAILED (ExecutionsFailed) and publishes no SnapshotsCreated, so the stale alarm breaches', async () => {
    const run = await account.run(account.scheduledInput(SCHEDULE, '2026-11-02T03:00:00Z'), {
      onRdsCall: (action) => {
        if (action === 'createDBClusterSnapshot') {
          throw Object.assign(new Error('Cannot create more than 100 manual snapshots'),
            { name: 'SnapshotQuotaExceededFault', $fault: 'client' });
        }
      },
    });
    expect(run.status).toEqual('FAILED');
    expect(run.error).toEqual('SnapshotQuotaExceeded');
    expect(account.metricValues(RunMetricNames.SNAPSHOTS_CREATED, EXAMPLE_CLUSTER)).toEqual([]);
  });

  test('a run past the execution timeout ends TIMED_OUT (ExecutionsTimedOut) and publishes no SnapshotsCreated', async () => {
    // The execution timeout is a backstop above snapshotTimeout; a shorter one here lets a stuck snapshot reach it.
    const definition = { ...account.definition, TimeoutSeconds: 600 };
    const stuck = await runStuck(account, definition);
    expect(stuck.status).toEqual('TIMED_OUT');
    expect(account.metricValues(RunMetricNames.SNAPSHOTS_CREATED, EXAMPLE_CLUSTER)).toEqual([]);
  });
});

async function runStuck(account: SimulatedAccount, definition: object) {
  const handler = createHandler({
    rds: rdsClient(account.moto.endpoint),
    logger: account.logger,
    emitMetrics: (line) => account.metricDocuments.push(JSON.parse(line)),
  });
  return runWorkflow({
    definition,
    input: account.scheduledInput('AuroraSnapshotsExample/OrdersNightly', '2026-11-03T03:00:00Z'),
    rdsEndpoint: account.moto.endpoint,
    startTime: '2026-11-03T03:00:00.000Z',
    lambda: (payload) => handler(payload as any),
    onRdsResult: (action: string, _params: unknown, result: any) => action === 'describeDBClusterSnapshots'
      ? { ...result, DbClusterSnapshots: result.DbClusterSnapshots.map((s: any) => ({ ...s, Status: 'creating' })) }
      : result,
  });
}

interface Widget {
  readonly title: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly raw: any;
}

function dashboardWidgets(template: Template): Widget[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
  const body = dashboard.Properties.DashboardBody;
  const text = typeof body === 'string' ? body
    : body['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text).widgets.map((raw: any) => ({
    title: raw.properties.title ?? raw.properties.markdown?.split('\n')[0].replace(/^#+ /, ''),
    x: raw.x,
    y: raw.y,
    width: raw.width,
    height: raw.height,
    raw,
  }));
}

/** The dashboard as rows of widgets, the way the README shows it. */
function dashboardLayout(widgets: Widget[]): string {
  const rows = new Map<number, Widget[]>();
  for (const widget of widgets) {
    rows.set(widget.y, [...(rows.get(widget.y) ?? []), widget]);
  }
  const lines = ['| Row | Widgets (width of 24) |', '| --- | --- |'];
  let index = 0;
  for (const row of [...rows.values()]) {
    index++;
    lines.push(`| ${index} | ${row.sort((a, b) => a.x - b.x).map((w) => `${w.title} (${w.width})`).join(' · ')} |`);
  }
  return lines.join('\n');
}
