import { ArnFormat, Aws, type CfnElement, Duration, Lazy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import type { ScheduleRunInput } from './decisions/run-input';
import { SnapshotTagKeys } from './decisions/snapshot-tags';
import { workflowDefinition } from './private/workflow-definition';
import { SnapshotFunction } from './runtime/snapshot-function';

/** Construct id of the engine under its stack; one engine a stack. */
const ENGINE_ID = 'AuroraSnapshotEngine';

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

  /** The workflow every schedule of the stack starts. */
  public readonly stateMachine: sfn.StateMachine;

  /** The function that prepares each run and prunes expired snapshots. */
  public readonly snapshotFunction: lambda.Function;

  /** The role EventBridge Scheduler assumes to start the workflow. */
  public readonly schedulerRole: iam.Role;

  private readonly registeredSchedules: ScheduleRunInput[] = [];
  private readonly grants: Array<{ readonly clusterArn: string; readonly snapshots: string }> = [];
  private readonly functionRole: iam.Role;
  private readonly createPolicy: iam.CfnPolicy;

  private constructor(scope: Stack, id: string) {
    super(scope, id);
    const stack = Stack.of(this);

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
      clusterBusyRetry: { maxAttempts: 5, intervalSeconds: 60 },
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
      conditions: { StringLike: { [`rds:cluster-snapshot-tag/${SnapshotTagKeys.SCHEDULE}`]: `${stack.node.path}/*` } },
    });
    this.functionRole.addToPrincipalPolicy(deleteOwnSnapshots);
    this.stateMachine.addToRolePolicy(deleteOwnSnapshots);

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
        StringLike: { [`aws:RequestTag/${SnapshotTagKeys.SCHEDULE}`]: `${stack.node.path}/*` },
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
