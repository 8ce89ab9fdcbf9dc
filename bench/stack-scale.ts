/**
 * How a stack grows with the number of clusters it snapshots: resources, template bytes, synth time, the state
 * machine definition and the IAM policies, for this library and for two designs a team might write instead
 * (AWS Backup, and one state machine and function per cluster polling every minute).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { App, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { AuroraSnapshotEngine, AuroraSnapshotSchedule, Retention } from '../src';
import { WorkflowStates } from '../src/private/workflow-definition';
import { stateMachineDefinitionFromTemplate } from '../test/support/template-definition';

/** The account and region every benchmark stack is in. */
export const BENCH_ENV = { account: '123456789012', region: 'us-east-1' } as const;

/** The context key of CDK's own check of the 500-resource limit; 0 turns the check off. */
const STACK_RESOURCE_LIMIT_CONTEXT = '@aws-cdk/core:stackResourceLimit';

/** The stack name of every scale stack; schedule ids are `<stack>/<construct id>`. */
const SCALE_STACK = 'AuroraSnapshotsScale';

/** The ways of snapshotting many clusters that the benchmark compares. */
export enum Design {
  /** This library: one engine per stack, one schedule per cluster. */
  LIBRARY = 'cdk-aurora-snapshots',
  /** AWS Backup: a vault, a daily plan, and one selection per cluster, as a team adding clusters one by one would. */
  BACKUP_SELECTION_PER_CLUSTER = 'AWS Backup, a selection per cluster',
  /** AWS Backup with one selection naming every cluster (up to 500 ARNs a selection). */
  BACKUP_ONE_SELECTION = 'AWS Backup, one selection',
  /** One state machine, one function, their roles and a schedule per cluster, polling every minute. */
  NAIVE = 'naive: state machine + function per cluster',
}

/** The identifier of the `index`th benchmark cluster: 26 characters, like a real team's naming. */
export function benchClusterIdentifier(index: number): string {
  return `tenant-${String(index).padStart(4, '0')}-aurora-cluster`;
}

/** The template of a nested stack; CloudFormation applies the per-template limits to each one. */
export interface NestedTemplate {
  /** The template's file name in the cloud assembly. */
  readonly file: string;
  readonly resources: number;
  readonly templateBytes: number;
}

/** One finding of CDK's validation of the templates against CloudFormation's resource schemas. */
export interface SchemaViolation {
  /** The rule, e.g. `F3033`. */
  readonly rule: string;
  /** What is wrong, e.g. `AlarmDescription: length 1142 exceeds maximum 1024`. */
  readonly description: string;
  /** The construct paths it was found on. */
  readonly constructs: string[];
}

/** One synthesized stack and what it costs. */
export interface SynthesizedStack {
  readonly design: Design;
  readonly clusters: number;
  /** Entries under the top-level template's `Resources`, nested stacks counted as one each. */
  readonly resources: number;
  /** Bytes of the top-level template file `cdk synth` writes, which is what CloudFormation receives. */
  readonly templateBytes: number;
  /** The nested stacks' templates, if the design uses any. */
  readonly nested: NestedTemplate[];
  /** Resources of the top-level stack and every nested stack, the nested stacks themselves not counted. */
  readonly totalResources: number;
  /**
   * What CDK's own check of the templates against CloudFormation's resource schemas found at synth (values too long,
   * too many resources...), each of which would fail the deployment.
   */
  readonly schemaViolations: SchemaViolation[];
  /** Wall time from `new App()` to the end of `app.synth()`, asset staging included. */
  readonly synthSeconds: number;
  readonly template: Record<string, any>;
  /** Whether this library switched creating to the ownership tag condition (`engine.grantsByTag`). */
  readonly grantsByTag?: boolean;
}

/** Synthesizes one stack of `design` with `clusters` imported clusters. */
export function synthesizeDesign(design: Design, clusters: number): SynthesizedStack {
  const outdir = mkdtempSync(path.join(tmpdir(), 'aurora-snapshots-bench-'));
  try {
    const started = performance.now();
    // CDK refuses to synthesize more than 500 resources; lift that here, so that a design over the limit is measured
    // and reported as over it rather than stopping the benchmark.
    const app = new App({ outdir, context: { [STACK_RESOURCE_LIMIT_CONTEXT]: 0 } });
    const stack = new Stack(app, SCALE_STACK, { env: BENCH_ENV });
    const imported = Array.from({ length: clusters }, (_, index) =>
      rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, `Cluster${index}`, {
        clusterIdentifier: benchClusterIdentifier(index),
      }));
    buildDesign(design, stack, imported);
    const assembly = app.synth();
    const synthSeconds = (performance.now() - started) / 1000;

    const templatePath = assembly.getStackArtifact(stack.artifactId).templateFullPath;
    const template = JSON.parse(readFileSync(templatePath, 'utf8'));
    const nested = readdirSync(outdir).filter((file) => file.endsWith('.nested.template.json')).map((file) => ({
      file,
      resources: Object.keys(JSON.parse(readFileSync(path.join(outdir, file), 'utf8')).Resources ?? {}).length,
      templateBytes: statSync(path.join(outdir, file)).size,
    }));
    const resources = Object.keys(template.Resources ?? {}).length;
    const report = path.join(outdir, 'validation-report.json');
    const schemaViolations: SchemaViolation[] = existsSync(report)
      ? (JSON.parse(readFileSync(report, 'utf8')).pluginReports ?? []).flatMap((plugin: any) =>
        (plugin.violations ?? []).map((violation: any) => ({
          rule: String(violation.ruleName),
          description: String(violation.description),
          constructs: (violation.violatingConstructs ?? []).map((construct: any) => String(construct.constructPath)),
        })))
      : [];
    return {
      schemaViolations,
      design,
      clusters,
      resources,
      templateBytes: statSync(templatePath).size,
      nested,
      totalResources: resources - nested.length + nested.reduce((sum, file) => sum + file.resources, 0),
      synthSeconds,
      template,
      grantsByTag: design === Design.LIBRARY ? AuroraSnapshotEngine.of(stack).grantsByTag : undefined,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function buildDesign(design: Design, stack: Stack, clusters: rds.IDatabaseCluster[]): void {
  switch (design) {
    case Design.LIBRARY:
      clusters.forEach((cluster, index) => {
        new AuroraSnapshotSchedule(stack, `Nightly${String(index).padStart(4, '0')}`, {
          cluster,
          retention: Retention.policy({ daily: 7, weekly: 4, monthly: 12 }),
        });
      });
      return;
    case Design.BACKUP_SELECTION_PER_CLUSTER:
    case Design.BACKUP_ONE_SELECTION: {
      const vault = new backup.BackupVault(stack, 'Vault');
      const plan = new backup.BackupPlan(stack, 'Plan', {
        backupVault: vault,
        backupPlanRules: [backup.BackupPlanRule.daily()],
      });
      if (design === Design.BACKUP_ONE_SELECTION) {
        plan.addSelection('Clusters', {
          resources: clusters.map((cluster) => backup.BackupResource.fromRdsDatabaseCluster(cluster)),
        });
      } else {
        clusters.forEach((cluster, index) => plan.addSelection(`Cluster${index}`, {
          resources: [backup.BackupResource.fromRdsDatabaseCluster(cluster)],
        }));
      }
      return;
    }
    case Design.NAIVE:
      clusters.forEach((cluster, index) => new NaiveClusterSnapshots(stack, `Naive${index}`, cluster));
      return;
  }
}

/**
 * The design this library is compared with: per cluster, a function that prunes, a state machine that creates a
 * snapshot and polls it every minute (Wait, Describe, Choice), their roles, and a daily schedule.
 */
export class NaiveClusterSnapshots extends Construct {
  /** The state machine of this cluster. */
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, cluster: rds.IDatabaseCluster) {
    super(scope, id);
    const stack = Stack.of(this);
    const snapshotArns = stack.formatArn({
      service: 'rds',
      resource: 'cluster-snapshot',
      resourceName: 'naive-*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const prune = new lambda.Function(this, 'Prune', {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ pruned: 0 });'),
      memorySize: 256,
      timeout: Duration.minutes(5),
    });
    prune.addToRolePolicy(new iam.PolicyStatement({
      actions: ['rds:DescribeDBClusterSnapshots', 'rds:DeleteDBClusterSnapshot'],
      resources: ['*'],
    }));

    const snapshotIdentifier = sfn.JsonPath.format('naive-{}', sfn.JsonPath.executionName);
    const create = new tasks.CallAwsService(this, 'Create', {
      service: 'rds',
      action: 'createDBClusterSnapshot',
      parameters: { DbClusterIdentifier: cluster.clusterIdentifier, DbClusterSnapshotIdentifier: snapshotIdentifier },
      iamResources: [cluster.clusterArn, snapshotArns],
      resultPath: sfn.JsonPath.DISCARD,
    });
    const wait = new sfn.Wait(this, 'Wait a minute', { time: sfn.WaitTime.duration(Duration.minutes(1)) });
    const describe = new tasks.CallAwsService(this, 'Describe', {
      service: 'rds',
      action: 'describeDBClusterSnapshots',
      parameters: { DbClusterSnapshotIdentifier: snapshotIdentifier },
      iamResources: ['*'],
      resultSelector: { status: sfn.JsonPath.stringAt('$.DbClusterSnapshots[0].Status') },
      resultPath: '$.snapshot',
    });
    const pruneTask = new tasks.LambdaInvoke(this, 'Prune expired', { lambdaFunction: prune });
    const done = new sfn.Choice(this, 'Available?')
      .when(sfn.Condition.stringEquals('$.snapshot.status', 'available'), pruneTask)
      .when(sfn.Condition.stringEquals('$.snapshot.status', 'failed'), new sfn.Fail(this, 'Failed'))
      .otherwise(wait);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(create.next(wait).next(describe).next(done)),
    });

    new scheduler.Schedule(this, 'Daily', {
      schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3' }),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {}),
    });
  }
}

/** The inline policies of one role, as IAM counts their size. */
export interface RolePolicySize {
  /** The role's logical id. */
  readonly role: string;
  /** Characters of all its inline policies together, white space not counted, as IAM counts them. */
  readonly characters: number;
  /** Characters of its largest inline policy. */
  readonly largestPolicyCharacters: number;
}

/**
 * The aggregate size of each role's inline policies (`AWS::IAM::Policy` resources attached to it and its own
 * `Policies`), once CloudFormation has filled in names and ARNs. Names are taken at their longest (64 characters),
 * so the figure is an upper estimate.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
export function rolePolicySizes(template: Record<string, any>): RolePolicySize[] {
  const resources = (template.Resources ?? {}) as Record<string, { Type: string; Properties?: any }>;
  const documentsByRole = new Map<string, unknown[]>();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::IAM::Role') {
      const own = (resource.Properties?.Policies ?? []).map((policy: any) => policy.PolicyDocument);
      documentsByRole.set(id, [...(documentsByRole.get(id) ?? []), ...own]);
    }
  }
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') {
      continue;
    }
    for (const role of resource.Properties?.Roles ?? []) {
      const roleId = typeof role === 'object' && role !== null ? role.Ref : undefined;
      if (typeof roleId === 'string' && documentsByRole.has(roleId)) {
        documentsByRole.get(roleId)!.push(resource.Properties.PolicyDocument);
      }
    }
  }

  return [...documentsByRole.entries()].map(([role, documents]) => {
    const sizes = documents.map((document) => policyCharacters(resolvedForSize(document, resources)));
    return {
      role,
      characters: sizes.reduce((sum, size) => sum + size, 0),
      largestPolicyCharacters: sizes.length > 0 ? Math.max(...sizes) : 0,
    };
  }).sort((a, b) => b.characters - a.characters);
}

/** IAM does not count white space in a policy's size. */
function policyCharacters(document: unknown): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}

/** A physical name of the longest length CloudFormation generates for roles and functions. */
const LONGEST_NAME = 'N'.repeat(64);

const ARN_KINDS: Record<string, (name: string) => string> = {
  'AWS::IAM::Role': (name) => `arn:aws:iam::${BENCH_ENV.account}:role/${name}`,
  'AWS::Lambda::Function': (name) => `arn:aws:lambda:${BENCH_ENV.region}:${BENCH_ENV.account}:function:${name}`,
  'AWS::Logs::LogGroup': (name) => `arn:aws:logs:${BENCH_ENV.region}:${BENCH_ENV.account}:log-group:${name}:*`,
  'AWS::StepFunctions::StateMachine': (name) =>
    `arn:aws:states:${BENCH_ENV.region}:${BENCH_ENV.account}:stateMachine:${name}`,
};

const UNKNOWN_ARN = (name: string): string => `arn:aws:unknown:${BENCH_ENV.region}:${BENCH_ENV.account}:${name}`;

/** Replaces CloudFormation intrinsics with values of realistic length, to measure a policy as IAM will see it. */
function resolvedForSize(value: unknown, resources: Record<string, { Type: string }>): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => resolvedForSize(item, resources));
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, argument] = entries[0];
    if (key === 'Ref') {
      return refValue(argument as string);
    }
    if (key === 'Fn::GetAtt') {
      const [id] = argument as string[];
      const arnOf = ARN_KINDS[resources[id]?.Type ?? ''] ?? UNKNOWN_ARN;
      return arnOf(LONGEST_NAME);
    }
    if (key === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map((part) => String(resolvedForSize(part, resources))).join(separator);
    }
    if (key.startsWith('Fn::')) {
      throw new Error(`The policy size estimate cannot resolve ${key}: ${JSON.stringify(argument)}.`);
    }
  }
  return Object.fromEntries(entries.map(([key, member]) => [key, resolvedForSize(member, resources)]));
}

function refValue(name: string): string {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': BENCH_ENV.region,
    'AWS::AccountId': BENCH_ENV.account,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  return pseudo[name] ?? LONGEST_NAME;
}

/** The state machine definition of a library stack as Step Functions stores it, and its manual-run lookup. */
export interface DefinitionSize {
  /** Bytes of the definition once tokens are filled in. */
  readonly definitionBytes: number;
  /** Bytes of the output of the lookup state of a manual run, which carries every registered schedule. */
  readonly manualRunLookupBytes: number;
}

/** Measures the state machine definition of a library stack. */
export function definitionSize(template: Record<string, any>): DefinitionSize {
  const definition = stateMachineDefinitionFromTemplate(template);
  const lookup = definition.States[WorkflowStates.LOOK_UP_SCHEDULE] as { Result?: unknown };
  const manualInput = { clusterIdentifier: benchClusterIdentifier(0), registeredSchedules: lookup.Result ?? [] };
  return {
    definitionBytes: Buffer.byteLength(JSON.stringify(definition), 'utf8'),
    manualRunLookupBytes: Buffer.byteLength(JSON.stringify(manualInput), 'utf8'),
  };
}
