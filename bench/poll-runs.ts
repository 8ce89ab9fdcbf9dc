/**
 * What one run costs in state transitions, polls and Lambda invocations when a snapshot takes minutes or hours, and
 * how late the run sees that it is done. The real synthesized workflow runs in the local interpreter against moto;
 * moto makes snapshots `available` at once, so `onRdsResult` rewrites each describe to `creating` with a
 * `PercentProgress` until the virtual clock passes the snapshot's duration, counted from the create call.
 */
import { Duration, Stack, App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AuroraSnapshotSchedule, Retention } from '../src';
import { BENCH_ENV, Design, benchClusterIdentifier, synthesizeDesign } from './stack-scale';
import { createAuroraCluster } from '../test/support/aws-fixtures';
import { runWorkflow, type VirtualClock, type WorkflowRun } from '../test/support/local-workflow';
import { resetMoto } from '../test/support/moto';
import { SimulatedAccount } from '../test/support/simulated-account';
import { stateMachineDefinitionFromTemplate, type AslDefinition } from '../test/support/template-definition';

/** How RDS reports progress while the snapshot is being made. */
export enum ProgressReport {
  /** `PercentProgress` grows linearly: floor(100 * elapsed / duration), as a whole number like RDS reports it. */
  LINEAR = 'linear',
  /** `PercentProgress` stays 0 until the snapshot is done: nothing to estimate from. */
  NONE = 'none',
}

/** One snapshot scenario: how long the snapshot takes and how RDS reports progress. */
export interface PollScenario {
  /** A short label, e.g. `1 h`. */
  readonly label: string;
  readonly durationSeconds: number;
  readonly progress: ProgressReport;
}

/** What one run did. */
export interface PollRunFigures {
  readonly scenario: PollScenario;
  /** The snapshot timeout the run was given. */
  readonly timeoutSeconds: number;
  readonly transitions: number;
  /** DescribeDBClusterSnapshots calls by the workflow. */
  readonly polls: number;
  readonly lambdaInvocations: number;
  /** Lambda invocations by state, e.g. `{ 'Plan the next poll': 2 }`. */
  readonly lambdaInvocationsByState: Record<string, number>;
  /** Virtual seconds between the snapshot becoming available and the poll that saw it. */
  readonly detectionLatencySeconds: number;
  /** Virtual seconds from the create call to the poll that saw the snapshot available. */
  readonly seenAfterSeconds: number;
}

/**
 * Plays RDS for one slow snapshot: rewrites each DescribeDBClusterSnapshots result on the virtual clock, and notes
 * when the snapshot was created and when a poll first saw it available.
 */
export class SlowSnapshot {
  private createdAt: number | undefined;
  private seenAt: number | undefined;
  private lastDescribeAt: number | undefined;

  constructor(private readonly scenario: PollScenario) {}

  /** The `onRdsResult` hook of the run. */
  public readonly onRdsResult = (action: string, _params: unknown, result: unknown, clock: VirtualClock): unknown => {
    if (action === 'createDBClusterSnapshot') {
      this.createdAt ??= clock.virtualSeconds;
      return undefined;
    }
    if (action !== 'describeDBClusterSnapshots' || this.createdAt === undefined) {
      return undefined;
    }
    this.lastDescribeAt = clock.virtualSeconds;
    const described = result as { DbClusterSnapshots?: Array<Record<string, unknown>> };
    const entry = described.DbClusterSnapshots?.[0];
    if (!entry) {
      throw new Error('The describe call of the benchmark run found no snapshot to rewrite.');
    }
    const elapsed = clock.virtualSeconds - this.createdAt;
    if (elapsed < this.scenario.durationSeconds) {
      entry.Status = 'creating';
      entry.PercentProgress = this.scenario.progress === ProgressReport.LINEAR
        ? Math.floor((100 * elapsed) / this.scenario.durationSeconds)
        : 0;
    } else {
      entry.Status = 'available';
      entry.PercentProgress = 100;
      this.seenAt ??= clock.virtualSeconds;
    }
    return described;
  };

  /** Virtual seconds from done to seen; throws when the run never saw the snapshot available. */
  public get detectionLatencySeconds(): number {
    return this.seenAfterSeconds - this.scenario.durationSeconds;
  }

  /** Virtual seconds from the create call to the poll that saw the snapshot available. */
  public get seenAfterSeconds(): number {
    if (this.createdAt === undefined || this.seenAt === undefined) {
      throw new Error(`The ${this.scenario.label} run never saw its snapshot available.`);
    }
    return this.seenAt - this.createdAt;
  }

  /** The virtual time of the last describe call, to check the clock against the run's own books. */
  public get lastDescribeSeconds(): number | undefined {
    return this.lastDescribeAt;
  }
}

/** The scenarios the brief asks for: 5 minutes, 1 hour and 6 hours, with and without progress. */
export const POLL_SCENARIOS: readonly PollScenario[] = [
  { label: '5 min', durationSeconds: 300, progress: ProgressReport.LINEAR },
  { label: '1 h', durationSeconds: 3600, progress: ProgressReport.LINEAR },
  { label: '6 h', durationSeconds: 6 * 3600, progress: ProgressReport.LINEAR },
  { label: '5 min', durationSeconds: 300, progress: ProgressReport.NONE },
  { label: '1 h', durationSeconds: 3600, progress: ProgressReport.NONE },
  { label: '6 h', durationSeconds: 6 * 3600, progress: ProgressReport.NONE },
];

/** The default snapshot timeout; a 6-hour snapshot needs a longer one. */
const DEFAULT_TIMEOUT_SECONDS = 4 * 3600;
/** The timeout of the schedule used for snapshots that take longer than the default allows: twice 6 hours. */
const LONG_TIMEOUT_SECONDS = 12 * 3600;

const DEFAULT_SCHEDULE = 'AuroraSnapshotsBench/Default';
const LONG_SCHEDULE = 'AuroraSnapshotsBench/Long';
const DEFAULT_CLUSTER = 'bench-default-db';
const LONG_CLUSTER = 'bench-long-db';

/** A stack with two schedules: one with the default 4-hour timeout, one with 12 hours for 6-hour snapshots. */
export function pollBenchTemplate(): Record<string, unknown> {
  const app = new App();
  const stack = new Stack(app, 'AuroraSnapshotsBench', { env: BENCH_ENV });
  new AuroraSnapshotSchedule(stack, 'Default', {
    cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'DefaultCluster', {
      clusterIdentifier: DEFAULT_CLUSTER,
    }),
    retention: Retention.keepLast(7),
  });
  new AuroraSnapshotSchedule(stack, 'Long', {
    cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'LongCluster', {
      clusterIdentifier: LONG_CLUSTER,
    }),
    retention: Retention.keepLast(7),
    snapshotTimeout: Duration.seconds(LONG_TIMEOUT_SECONDS),
  });
  return Template.fromStack(stack).toJSON();
}

/** Names of the Task states that invoke a Lambda function. */
function lambdaStates(definition: AslDefinition): Set<string> {
  return new Set(Object.entries(definition.States)
    .filter(([, state]) => typeof state.Resource === 'string'
      && (/:states:::lambda:invoke$/.test(state.Resource) || /:lambda:[^:]+:[0-9]{12}:function:/.test(state.Resource)))
    .map(([name]) => name));
}

function countLambdaInvocations(run: WorkflowRun, states: Set<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of run.statesEntered) {
    if (states.has(name)) {
      counts[name] = (counts[name] ?? 0) + 1;
    }
  }
  return counts;
}

function sum(values: Record<string, number>): number {
  return Object.values(values).reduce((total, value) => total + value, 0);
}

/**
 * Runs the library's workflow once per scenario against `account` and reports what each run did.
 *
 * @throws Error when a run does not succeed or the virtual clock disagrees with the run's books: the instrument
 *   would then be wrong, not the figure
 */
export async function measureLibraryRuns(account: SimulatedAccount): Promise<PollRunFigures[]> {
  const invokers = lambdaStates(account.definition);
  const figures: PollRunFigures[] = [];
  for (const [index, scenario] of POLL_SCENARIOS.entries()) {
    const long = scenario.durationSeconds >= DEFAULT_TIMEOUT_SECONDS;
    const cluster = long ? LONG_CLUSTER : DEFAULT_CLUSTER;
    await resetMoto(account.moto.endpoint);
    await createAuroraCluster(account.rds, cluster);

    const slow = new SlowSnapshot(scenario);
    const scheduledTime = new Date(Date.UTC(2026, 10, 1 + index, 3, 0, 0));
    const run = await account.run(account.scheduledInput(long ? LONG_SCHEDULE : DEFAULT_SCHEDULE, scheduledTime),
      { onRdsResult: slow.onRdsResult });
    if (run.status !== 'SUCCEEDED') {
      throw new Error(`The ${scenario.label} (${scenario.progress}) run ended ${run.status}: `
        + `${run.error} ${run.cause}`);
    }
    // No Wait follows the last describe, so the clock then must equal everything the run waited.
    if (slow.lastDescribeSeconds !== run.waitedSeconds + run.retryPauseSeconds) {
      throw new Error(`The virtual clock read ${slow.lastDescribeSeconds} s at the last describe, but the run waited `
        + `${run.waitedSeconds + run.retryPauseSeconds} s: onRdsResult does not see a live clock.`);
    }
    const byState = countLambdaInvocations(run, invokers);
    figures.push({
      scenario,
      timeoutSeconds: long ? LONG_TIMEOUT_SECONDS : DEFAULT_TIMEOUT_SECONDS,
      transitions: run.transitions,
      polls: run.rdsCalls.describeDBClusterSnapshots ?? 0,
      lambdaInvocations: sum(byState),
      lambdaInvocationsByState: byState,
      detectionLatencySeconds: slow.detectionLatencySeconds,
      seenAfterSeconds: slow.seenAfterSeconds,
    });
  }
  return figures;
}

/** What the naive one-minute loop costs for one snapshot duration, computed and, as a check, run. */
export interface NaiveRunFigures {
  readonly scenario: PollScenario;
  /** Create, then Wait + Describe + Choice per minute until available, then Prune: 2 + 3 * ceil(duration / 60). */
  readonly computedTransitions: number;
  /** The same, counted by running the synthesized naive state machine in the interpreter. */
  readonly runTransitions: number;
  readonly polls: number;
  readonly lambdaInvocations: number;
  readonly detectionLatencySeconds: number;
}

/** Transitions of the naive design's run for a snapshot of `durationSeconds`, from its one-minute loop. */
export function naiveTransitions(durationSeconds: number): number {
  return 2 + 3 * Math.max(1, Math.ceil(durationSeconds / 60));
}

/**
 * Counts the naive design's transitions per scenario from its loop, and runs its synthesized state machine in the
 * same interpreter to check the count.
 */
export async function measureNaiveRuns(account: SimulatedAccount): Promise<NaiveRunFigures[]> {
  const naive = synthesizeDesign(Design.NAIVE, 1);
  const definition = stateMachineDefinitionFromTemplate(naive.template);
  const invokers = lambdaStates(definition);
  const figures: NaiveRunFigures[] = [];
  for (const scenario of POLL_SCENARIOS.filter((candidate) => candidate.progress === ProgressReport.LINEAR)) {
    await resetMoto(account.moto.endpoint);
    await createAuroraCluster(account.rds, benchClusterIdentifier(0));
    const slow = new SlowSnapshot(scenario);
    const run = await runWorkflow({
      definition,
      input: {},
      rdsEndpoint: account.moto.endpoint,
      executionName: `naive-${scenario.durationSeconds}`,
      startTime: '2026-11-01T03:00:00.000Z',
      lambda: async () => ({ pruned: 0 }),
      onRdsResult: slow.onRdsResult,
    });
    if (run.status !== 'SUCCEEDED') {
      throw new Error(`The naive ${scenario.label} run ended ${run.status}: ${run.error} ${run.cause}`);
    }
    figures.push({
      scenario,
      computedTransitions: naiveTransitions(scenario.durationSeconds),
      runTransitions: run.transitions,
      polls: run.rdsCalls.describeDBClusterSnapshots ?? 0,
      lambdaInvocations: sum(countLambdaInvocations(run, invokers)),
      detectionLatencySeconds: slow.detectionLatencySeconds,
    });
  }
  return figures;
}
