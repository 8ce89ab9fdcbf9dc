import {
  ArnFormat, Aws, type CfnElement, Duration, Lazy, Names, NestedStack, Stack, Token, Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import type { ScheduleRunInput } from './decisions/run-input';
import { RunMetricNames } from './decisions/run-metrics';
import { SnapshotTagKeys } from './decisions/snapshot-tags';
import { ownershipScope } from './private/ownership';
import { workflowDefinition } from './private/workflow-definition';
import { SnapshotFunction } from './runtime/snapshot-function';
import { auroraStorageMetric, runMetric } from './snapshot-monitoring';

/** Construct id of the engine under its stack; one engine a stack. */
const ENGINE_ID = 'AuroraSnapshotEngine';

/** Longest time the workflow may retry a busy cluster: 60 + 120 + 240 + 480 + 960 seconds of backoff. */
const CLUSTER_BUSY_RETRY = { maxAttempts: 5, intervalSeconds: 60 };

/** Schedules whose alarms sit in the stack itself; later ones go to nested stacks. */
const ALARMS_IN_STACK = 25;

/** Schedules whose alarms share one nested stack (at most three alarms each, well under 500 resources). */
const SCHEDULES_PER_ALARM_STACK = 150;

/** Slack on top of the longest snapshot timeout and busy retries before an execution counts as timed out. */
const EXECUTION_TIMEOUT_MARGIN_SECONDS = 3600;

/** What one row of the dashboard shows. */
interface DashboardRow {
  readonly clusterIdentifier: string;
  readonly scheduleId: string;
  readonly rules: string[];
}

/**
 * The part of the snapshot machinery that a stack holds once, however many schedules it has: the Step Functions
 * state machine, the snapshot function, their roles and log groups, and the role EventBridge Scheduler assumes.
 *
 * Each `AuroraSnapshotSchedule` adds only its own schedule and IAM statements to it. Use `AuroraSnapshotEngine.of`
 * to reach it, for example to alarm on the state machine.
 */
export class AuroraSnapshotEngine extends Construct {
  /**
   * Returns the engine of the stack that holds `scope`, creating it on first use.
   */
  public static of(scope: IConstruct): AuroraSnapshotEngine {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(ENGINE_ID);
    return existing instanceof AuroraSnapshotEngine ? existing : new AuroraSnapshotEngine(stack, ENGINE_ID);
  }

  /** The start of every schedule id in this stack, as IAM conditions on the ownership tag match it. */
  public readonly ownershipScope: string;

  /** The workflow every schedule of the stack starts. */
  public readonly stateMachine: sfn.StateMachine;

  /** The function that prepares each run and prunes expired snapshots. */
  public readonly snapshotFunction: lambda.Function;

  /** The role EventBridge Scheduler assumes to start the workflow. */
  public readonly schedulerRole: iam.Role;

  /**
   * The stack's encrypted notification topic, when a schedule asked for one with `SnapshotNotifications.toNewTopic()`.
   */
  public notificationTopic?: sns.Topic;

  /** The stack's dashboard, when a schedule asked for one with `dashboard: true`. */
  public dashboard?: cloudwatch.Dashboard;

  /**
   * The stack's alarms, when a schedule has alarms on: the workflow's failed, timed-out and aborted executions, and
   * the region's quota headroom.
   */
  public readonly workflowAlarms: cloudwatch.Alarm[] = [];

  private readonly registeredSchedules: ScheduleRunInput[] = [];
  private readonly workflowAlarmTopics = new Set<sns.ITopic>();
  private readonly quotaWarningPercents: number[] = [];
  private alarmedSchedules = 0;
  private readonly grants: Array<{ readonly clusterArn: string; readonly snapshots: string }> = [];
  private readonly functionRole: iam.Role;
  private readonly createPolicy: iam.CfnPolicy;

  private constructor(scope: Stack, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.ownershipScope = ownershipScope(stack);

    const functionLogs = new logs.LogGroup(this, 'FunctionLogs', { retention: logs.RetentionDays.ONE_YEAR });
    this.functionRole = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Lets the Aurora snapshot function read cluster snapshots and delete expired ones it made.',
    });
    functionLogs.grantWrite(this.functionRole);
    this.snapshotFunction = new SnapshotFunction(this, 'Function', {
      role: this.functionRole,
      logGroup: functionLogs,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(5),
      description: 'Prepares Aurora cluster snapshot runs and prunes expired snapshots this library made.',
      environment: { POWERTOOLS_SERVICE_NAME: 'cdk-aurora-snapshots' },
    });

    const workflowLogs = new logs.LogGroup(this, 'WorkflowLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const definition = workflowDefinition({
      partition: Aws.PARTITION,
      functionArn: this.snapshotFunction.functionArn,
      registeredSchedules: Lazy.any({ produce: () => this.registeredSchedules }, { omitEmptyArray: false }),
      clusterBusyRetry: CLUSTER_BUSY_RETRY,
      timeoutSeconds: Lazy.number({ produce: () => this.executionTimeoutSeconds() }),
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: workflowLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      comment: 'Takes Aurora DB cluster snapshots on schedule and prunes the expired ones this library made.',
    });
    this.snapshotFunction.grantInvoke(this.stateMachine);

    // Deleting is allowed only on snapshots whose ownership tag names a schedule of this stack, so even a faulty
    // function cannot delete another team's snapshot, an automated one, or one AWS Backup made.
    const deleteOwnSnapshots = new iam.PolicyStatement({
      actions: ['rds:DeleteDBClusterSnapshot'],
      resources: [this.snapshotArn('*')],
      conditions: { StringLike: { [`rds:cluster-snapshot-tag/${SnapshotTagKeys.SCHEDULE}`]: `${ownershipScope(stack)}/*` } },
    });
    this.functionRole.addToPrincipalPolicy(deleteOwnSnapshots);
    this.stateMachine.addToRolePolicy(deleteOwnSnapshots);

    // A manual run asking for a pin may add the pin tag, and only that tag, to a snapshot of this stack's schedules.
    this.functionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['rds:AddTagsToResource'],
      resources: [this.snapshotArn('*')],
      conditions: {
        'StringLike': { [`rds:cluster-snapshot-tag/${SnapshotTagKeys.SCHEDULE}`]: `${ownershipScope(stack)}/*` },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [SnapshotTagKeys.PIN] },
      },
    }));

    // Reading is read-only and must see every snapshot of a cluster, foreign ones included, to leave them alone.
    const readSnapshots = new iam.PolicyStatement({
      actions: ['rds:DescribeDBClusters', 'rds:DescribeDBClusterSnapshots'],
      resources: [this.rdsArn('cluster', '*'), this.snapshotArn('*')],
    });
    this.functionRole.addToPrincipalPolicy(readSnapshots);
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({
      actions: ['rds:DescribeDBClusterSnapshots'],
      resources: [this.rdsArn('cluster', '*'), this.snapshotArn('*')],
    }));

    // Quota headroom: Service Quotas accepts no resource narrower than *; run outcomes go to the default bus.
    this.functionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['servicequotas:ListServiceQuotas'],
      resources: ['*'],
    }));
    this.functionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
    }));

    // Creating and tagging are granted per schedule, rendered once every schedule of the stack is known.
    this.createPolicy = new iam.CfnPolicy(this, 'SchedulesPolicy', {
      policyName: 'AuroraSnapshotSchedules',
      roles: [this.stateMachine.role.roleName],
      policyDocument: Lazy.any({ produce: () => this.renderCreatePolicy() }),
    });

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Lets EventBridge Scheduler start the Aurora snapshot workflow.',
    });
    this.stateMachine.grantStartExecution(this.schedulerRole);

    this.acknowledgeFindings();
    const byTag = 'With many schedules, creating is allowed on any cluster of the account and region, but only with '
      + 'this stack\'s ownership tag on the new snapshot (aws:RequestTag), to stay within IAM\'s policy size limit.';
    Validations.of(this.createPolicy).acknowledge(
      { id: `AwsSolutions-IAM5[Resource::${this.findingArn('*')}]`, reason: byTag },
      { id: `AwsSolutions-IAM5[Resource::${this.findingArn('*', 'cluster')}]`, reason: byTag },
    );
  }

  /**
   * Registers a schedule: its input for manual runs, and the IAM statements for its cluster and prefix.
   * @internal
   */
  public _registerSchedule(input: ScheduleRunInput, clusterArn: string): void {
    const nameSpace = `${input.snapshotPrefix}-${input.clusterIdentifier}`;
    const overlapping = this.registeredSchedules.find((other) =>
      !Token.isUnresolved(nameSpace) && `${other.snapshotPrefix}-${other.clusterIdentifier}` === nameSpace);
    if (overlapping) {
      throw new Error(`\`snapshotPrefix\` ${JSON.stringify(input.snapshotPrefix)} on cluster ${input.clusterIdentifier} gives `
        + `snapshot names (${nameSpace}-<time>) that schedule ${overlapping.scheduleId} also gives (prefix `
        + `${JSON.stringify(overlapping.snapshotPrefix)} on cluster ${overlapping.clusterIdentifier}); choose another prefix.`);
    }
    this.registeredSchedules.push(input);
    this.grants.push({ clusterArn, snapshots: this.snapshotArn(`${input.snapshotPrefix}-*`) });
    Validations.of(this.createPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${this.findingArn(`${input.snapshotPrefix}-*`)}]`,
      reason: 'Snapshot names are made at run time from the scheduled time, always under this schedule\'s prefix.',
    });
  }

  /**
   * Whether the stack has so many schedules that naming each cluster and prefix in IAM would pass the size limit
   * of a role's inline policies; then creating is allowed on any cluster of the account and region, but only
   * with this stack's ownership tag on the new snapshot.
   */
  public get grantsByTag(): boolean {
    return estimatedPolicyCharacters(this.grants) > PRECISE_GRANTS_BUDGET_CHARACTERS;
  }

  private renderCreatePolicy(): unknown {
    const stack = Stack.of(this);
    if (this.grantsByTag) {
      const ownershipOnCreate = {
        StringLike: { [`aws:RequestTag/${SnapshotTagKeys.SCHEDULE}`]: `${ownershipScope(stack)}/*` },
      };
      return stack.resolve(new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            actions: ['rds:CreateDBClusterSnapshot'],
            resources: [this.rdsArn('cluster', '*'), this.snapshotArn('*')],
            conditions: ownershipOnCreate,
          }),
          new iam.PolicyStatement({
            actions: ['rds:AddTagsToResource'],
            resources: [this.snapshotArn('*')],
            conditions: ownershipOnCreate,
          }),
        ],
      }));
    }
    const unique = (values: string[]) => [...new Set(values)];
    const snapshots = unique(this.grants.map((grant) => grant.snapshots));
    return stack.resolve(new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          actions: ['rds:CreateDBClusterSnapshot'],
          resources: [...unique(this.grants.map((grant) => grant.clusterArn)), ...snapshots],
        }),
        // Tags passed to CreateDBClusterSnapshot are authorized as AddTagsToResource on the new snapshot.
        new iam.PolicyStatement({ actions: ['rds:AddTagsToResource'], resources: snapshots }),
      ],
    }));
  }

  /**
   * The topic alarms notify for `notifications`, creating the stack's encrypted topic on first request.
   * @internal
   */
  public _topicFor(given: sns.ITopic | undefined, create: boolean): sns.ITopic | undefined {
    if (given || !create) {
      return given;
    }
    if (!this.notificationTopic) {
      const key = new kms.Key(this, 'NotificationKey', {
        enableKeyRotation: true,
        description: 'Encrypts the Aurora snapshot alarm topic; CloudWatch alarms may use it to publish.',
      });
      key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
      this.notificationTopic = new sns.Topic(this, 'NotificationTopic', {
        displayName: 'Aurora snapshot alarms',
        masterKey: key,
        enforceSSL: true,
      });
      this.notificationTopic.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.notificationTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }));
    }
    return this.notificationTopic;
  }

  /**
   * Where the alarms of `schedule` go: beside the schedule for the first schedules of the stack, and in nested
   * stacks of alarms after that, so that a stack of hundreds of schedules with alarms stays under CloudFormation's
   * 500 resources.
   * @internal
   */
  public _alarmScopeFor(schedule: Construct): [Construct, string] {
    const index = this.alarmedSchedules++;
    if (index < ALARMS_IN_STACK) {
      return [schedule, 'Alarms'];
    }
    const chunk = Math.floor((index - ALARMS_IN_STACK) / SCHEDULES_PER_ALARM_STACK);
    const id = `Alarms${chunk + 1}`;
    const nested = this.node.tryFindChild(id) as Construct | undefined
      ?? new NestedStack(this, id, { description: 'Alarms of Aurora snapshot schedules' });
    return [nested, Names.uniqueId(schedule)];
  }

  /**
   * Creates the stack's alarms once: the workflow's failed, timed-out and aborted executions (their descriptions
   * name every cluster) and the region's quota headroom at the lowest `quotaWarningPercent` of the stack.
   * @internal
   */
  public _enableStackAlarms(topic: sns.ITopic | undefined, quotaWarningPercent: number): void {
    this.quotaWarningPercents.push(quotaWarningPercent);
    if (this.workflowAlarms.length === 0) {
      const clusters = Lazy.string({ produce: () => this.clusterList() });
      const watch = [
        ['ExecutionsFailed', this.stateMachine.metricFailed(), 'failed'],
        ['ExecutionsTimedOut', this.stateMachine.metricTimedOut(), 'timed out'],
        ['ExecutionsAborted', this.stateMachine.metricAborted(), 'were aborted'],
      ] as const;
      for (const [id, metric, what] of watch) {
        this.workflowAlarms.push(new cloudwatch.Alarm(this, id, {
          alarmDescription: `Aurora snapshot runs ${what} for cluster(s) ${clusters}. The execution's error and `
            + 'cause name the cluster and what went wrong.',
          metric: metric.with({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }));
      }
      const percent = Lazy.number({ produce: () => Math.min(...this.quotaWarningPercents) });
      this.workflowAlarms.push(new cloudwatch.Alarm(this, 'QuotaHeadroom', {
        alarmDescription: Lazy.string({
          produce: () => `The region holds ${Math.min(...this.quotaWarningPercents)}% or more of its manual DB cluster `
            + `snapshot quota, as seen by the snapshot runs of cluster(s) ${this.clusterList()}; at 100% new `
            + 'snapshots fail.',
        }),
        metric: runMetric(RunMetricNames.QUOTA_USED_PERCENT, undefined, cloudwatch.Stats.MAXIMUM, Duration.hours(1)),
        threshold: percent,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }));
    }
    if (topic && !this.workflowAlarmTopics.has(topic)) {
      this.workflowAlarmTopics.add(topic);
      for (const alarm of this.workflowAlarms) {
        alarm.addAlarmAction(new actions.SnsAction(topic));
        alarm.addOkAction(new actions.SnsAction(topic));
      }
    }
  }

  /**
   * Adds a row for one cluster to the stack's dashboard, creating the dashboard and its workflow row first.
   * @internal
   */
  public _addDashboardRow(row: DashboardRow): void {
    if (!this.dashboard) {
      this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
        defaultInterval: Duration.days(14),
      });
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({
          markdown: '## Aurora snapshot workflow\nEvery schedule of this stack; one row per cluster below.',
          width: 6,
          height: 6,
        }),
        new cloudwatch.GraphWidget({
          title: 'Runs',
          left: [
            this.stateMachine.metricSucceeded({ statistic: cloudwatch.Stats.SUM, period: Duration.hours(1) }),
            this.stateMachine.metricFailed({ statistic: cloudwatch.Stats.SUM, period: Duration.hours(1) }),
            this.stateMachine.metricTimedOut({ statistic: cloudwatch.Stats.SUM, period: Duration.hours(1) }),
            this.stateMachine.metricAborted({ statistic: cloudwatch.Stats.SUM, period: Duration.hours(1) }),
          ],
          width: 18,
          height: 6,
        }),
      );
    }
    const cluster = row.clusterIdentifier;
    const day = Duration.days(1);
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: `${cluster}: last success`,
        logGroupNames: [this.snapshotFunction.logGroup.logGroupName],
        queryLines: [
          'fields @timestamp, snapshot, summary.kept as kept, summary.deleted.0 as firstDeleted',
          `filter cluster = "${cluster}" and ispresent(summary) and summary.outcome != "skipped"`,
          'sort @timestamp desc',
          'limit 1',
        ],
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 6,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${cluster}: snapshots held by tier`,
        left: row.rules.map((rule) => runMetric(RunMetricNames.SNAPSHOTS_KEPT_BY_RULE, cluster, cloudwatch.Stats.MAXIMUM,
          day, { [RunMetricNames.RULE_DIMENSION]: rule }).with({ label: rule })),
        stacked: true,
        width: 6,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${cluster}: backup storage`,
        left: ['TotalBackupStorageBilled', 'SnapshotStorageUsed', 'BackupRetentionPeriodStorageUsed']
          .map((name) => auroraStorageMetric(name, cluster)),
        width: 6,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${cluster}: failures and quota`,
        left: [
          runMetric(RunMetricNames.DELETE_FAILURES, cluster, cloudwatch.Stats.SUM, day).with({ label: 'Failed deletes' }),
          runMetric(RunMetricNames.SNAPSHOTS_CREATED, cluster, cloudwatch.Stats.SUM, day).with({ label: 'Snapshots made' }),
        ],
        right: [runMetric(RunMetricNames.QUOTA_USED_PERCENT, cluster, cloudwatch.Stats.MAXIMUM, day)
          .with({ label: 'Region quota used %' })],
        width: 6,
        height: 6,
      }),
    );
  }

  /** The stack's clusters, shortened to "a, b and 398 more" so alarm descriptions stay within 1,024 characters. */
  private clusterList(): string {
    const clusters = [...new Set(this.registeredSchedules.map((schedule) => schedule.clusterIdentifier))];
    const budget = 700;
    const shown: string[] = [];
    let length = 0;
    for (const cluster of clusters) {
      if (length + cluster.length + 2 > budget) {
        break;
      }
      shown.push(cluster);
      length += cluster.length + 2;
    }
    const more = clusters.length - shown.length;
    return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
  }

  private executionTimeoutSeconds(): number {
    const longest = Math.max(0, ...this.registeredSchedules.map((schedule) => schedule.snapshotTimeoutSeconds ?? 0));
    let busy = 0;
    for (let attempt = 0; attempt < CLUSTER_BUSY_RETRY.maxAttempts; attempt++) {
      busy += CLUSTER_BUSY_RETRY.intervalSeconds * 2 ** attempt;
    }
    return longest + busy + EXECUTION_TIMEOUT_MARGIN_SECONDS;
  }

  private rdsArn(resource: string, name: string): string {
    return Stack.of(this).formatArn({
      service: 'rds',
      resource,
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  private snapshotArn(name: string): string {
    return this.rdsArn('cluster-snapshot', name);
  }

  /**
   * cdk-nag AwsSolutions findings that the design needs, each with the reason. Region and account appear in
   * finding ids as the stack has them: literal when the stack's environment is set, `<AWS::Region>` otherwise.
   */
  private acknowledgeFindings(): void {
    Validations.of(this.snapshotFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The handler is bundled for and tested on nodejs24.x; a newer runtime comes with a tested release.',
    });
    const readReason = 'Describe calls are read-only; listing must see every snapshot of a cluster, foreign ones '
      + 'included, to leave them alone.';
    Validations.of(this.functionRole).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${this.findingArn('*')}]`,
        reason: 'Deletes are limited by a condition on the ownership tag to snapshots made by a schedule of this '
          + 'stack; the snapshot names are not known in advance. ' + readReason,
      },
      { id: `AwsSolutions-IAM5[Resource::${this.findingArn('*', 'cluster')}]`, reason: readReason },
      {
        id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.snapshotFunction.logGroup.node.defaultChild)}.Arn>:*]`,
        reason: 'Log streams are created at run time inside the function\'s own log group.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'servicequotas:ListServiceQuotas, read-only, supports no resource narrower than *.',
      },
    );
    Validations.of(this.stateMachine).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${this.findingArn('*')}]`,
        reason: 'Deleting a failed snapshot is limited by a condition on the ownership tag to snapshots made by a '
          + 'schedule of this stack. ' + readReason,
      },
      { id: `AwsSolutions-IAM5[Resource::${this.findingArn('*', 'cluster')}]`, reason: readReason },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'CloudWatch Logs delivery and X-Ray tracing for Step Functions accept no resource narrower than *.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.snapshotFunction.node.defaultChild)}.Arn>:*]`,
        reason: 'Step Functions may invoke any version of the snapshot function, as CDK grants by default.',
      },
    );
  }

  /** How cdk-nag prints an RDS ARN of this stack in a finding id. */
  private findingArn(name: string, resource = 'cluster-snapshot'): string {
    const stack = Stack.of(this);
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    return `arn:<AWS::Partition>:rds:${region}:${account}:${resource}:${name}`;
  }

  private logicalIdOf(element: IConstruct | undefined): string {
    return Stack.of(this).resolve((element as CfnElement).logicalId);
  }
}

/**
 * Budget for the per-schedule create policy. A role's inline policies may hold 10,240 characters in all, and the
 * state machine's role also holds the logging, tracing, invoke, read and delete statements.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
const PRECISE_GRANTS_BUDGET_CHARACTERS = 7_000;

/** Characters an ARN takes once CloudFormation has filled in its tokens (the partition, at most 10). */
function arnCharacters(arn: string): number {
  return Token.isUnresolved(arn) ? arn.replace(/\$\{Token\[[^\]]+\]\}/g, '').length + 10 : arn.length;
}

function estimatedPolicyCharacters(grants: ReadonlyArray<{ clusterArn: string; snapshots: string }>): number {
  const clusters = new Set(grants.map((grant) => grant.clusterArn));
  const snapshots = new Set(grants.map((grant) => grant.snapshots));
  let total = 200;
  clusters.forEach((arn) => { total += arnCharacters(arn) + 3; });
  snapshots.forEach((arn) => { total += 2 * (arnCharacters(arn) + 3); });
  return total;
}

