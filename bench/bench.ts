/**
 * `npm run bench`: measures what the library costs at scale and per run, beside AWS Backup and a naive per-cluster
 * design, prints one line per figure, and writes the same to `bench/results.json` and a README table to
 * `bench/results.md`. Figures are printed against their goals, never asserted; the process fails only when the
 * instrument itself fails (a run that does not succeed, a clock that does not add up).
 *
 * Takes about a minute on 2 cores: it synthesizes stacks of 1 to 400 clusters, runs the synthesized workflow in the
 * local Step Functions interpreter against moto, and starts the bundled function in fresh `node` processes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import {
  ASSUMED_RDS_CALL_MS,
  billedMilliseconds,
  CPU_SHARE_SCALE,
  PRICES,
  RUNS_PER_MONTH,
  runCost,
  stepLogBytes,
  workflowLogBytes,
  type MeasuredStep,
} from './cost-model';
import { FigureBook, formatNumber, median, rounded } from './figures';
import {
  measureLibraryRuns,
  measureNaiveRuns,
  naiveTransitions,
  pollBenchTemplate,
  ProgressReport,
  type NaiveRunFigures,
  type PollRunFigures,
} from './poll-runs';
import {
  benchPrepareEvent,
  bundleSize,
  COLD_POLL_EVENT,
  decisionMilliseconds,
  handlerDurations,
  medianColdStart,
  prepareMotoForColdStart,
  runCalls,
  TIERED_POLICY,
  type ColdStart,
  type HandlerDurations,
  type RunCalls,
} from './snapshot-function';
import {
  BENCH_ENV,
  benchClusterIdentifier,
  definitionSize,
  Design,
  rolePolicySizes,
  synthesizeDesign,
  type SynthesizedStack,
} from './stack-scale';
import { AuroraSnapshotEngine, AuroraSnapshotSchedule, Retention } from '../src';
import { SimulatedAccount } from '../test/support/simulated-account';

/**
 * CloudFormation: resources one template may declare.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
 */
const CFN_MAX_RESOURCES = 500;
/** CloudFormation: a template body in S3 may be 1 MB; read as 1,000,000 bytes, as CDK's own check does. */
const CFN_MAX_TEMPLATE_BYTES = 1_000_000;
/**
 * Step Functions: a state machine definition may be 1 MB (a hard quota); a state's input or output 256 KiB.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
const SFN_MAX_DEFINITION_BYTES = 1_048_576;
const SFN_MAX_STATE_BYTES = 262_144;
/**
 * IAM: all inline policies of one role together, white space not counted.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
const IAM_MAX_ROLE_INLINE_CHARACTERS = 10_240;
/** The goal for a run whose snapshot takes an hour. */
const MAX_TRANSITIONS_ONE_HOUR = 25;
/** The default snapshot timeout, to mark runs that were given a longer one. */
const DEFAULT_TIMEOUT_SECONDS = 4 * 3600;

const CLUSTER_COUNTS = [1, 10, 100, 400] as const;
const MOST_CLUSTERS = CLUSTER_COUNTS[CLUSTER_COUNTS.length - 1];
const SCALE = 'stack scale';
const RUNS = 'transitions per run';
const FUNCTION = 'snapshot function';
const COST = 'cost per cluster-month';

const book = new FigureBook();

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`cdk-aurora-snapshots benchmark at ${sourceRevision()}: Node.js ${process.version}, ${cpus().length} `
    + `cores, ${cpus()[0]?.model ?? 'unknown CPU'}`);

  const scale = measureStackScale();
  const account = await SimulatedAccount.start(pollBenchTemplate());
  try {
    const runs = await measureRuns(account);
    const snapshotFunction = await measureSnapshotFunction(account);
    const cost = measureCost(runs.library, runs.naive, snapshotFunction.durations, snapshotFunction.coldPoll);

    const markdown = resultsMarkdown(scale, runs.library, runs.naive, snapshotFunction, cost);
    const seconds = (Date.now() - started) / 1000;
    writeResults(markdown, seconds);
    console.log(`\n${markdown}`);
    // The comparison designs are measured against the same limits; their misses are the point of the comparison.
    const isComparison = (figure: { name: string }) => /AWS Backup|naive/.test(figure.name);
    const ours = book.missed.filter((figure) => !isComparison(figure)).map((f) => `${f.section} / ${f.name}`);
    const theirs = book.missed.filter(isComparison).length;
    console.log(`benchmark: ${book.figures.length} figures in ${rounded(seconds)} s; this library: `
      + `${ours.length === 0 ? 'every goal met' : `${ours.length} goals missed: ${ours.join('; ')}`}; `
      + `comparison designs: ${theirs} limits exceeded.`);
  } finally {
    await account.stop();
  }
}

// 1 and 5a, 5b: stack scale, for this library and beside AWS Backup and the naive design.

type LibraryStack = SynthesizedStack & {
  readonly definitionBytes: number;
  readonly manualRunLookupBytes: number;
  readonly largestRoleCharacters: number;
  readonly largestRole: string;
};

/** Resources each added cluster costs, in the top-level stack and in all stacks together. */
interface PerCluster {
  readonly topLevel: number;
  readonly allStacks: number;
}

interface ScaleResults {
  readonly stacks: SynthesizedStack[];
  readonly library: LibraryStack[];
  readonly preciseGrantsUpTo: number;
  readonly preciseGrantsRoleCharacters: number;
  readonly perCluster: Record<Design, PerCluster>;
  readonly mostClusters: { readonly clusters: number; readonly reached?: string };
}

/** Synthesis times vary from run to run; this library's are the median of this many. */
const LIBRARY_SYNTHS = 3;

function measureStackScale(): ScaleResults {
  // The first synthesis in a process pays for loading aws-cdk-lib; measure from the second on.
  synthesizeDesign(Design.LIBRARY, 1);

  const stacks: SynthesizedStack[] = [];
  const library: LibraryStack[] = [];
  for (const design of Object.values(Design)) {
    for (const clusters of CLUSTER_COUNTS) {
      let stack = synthesizeDesign(design, clusters);
      if (design === Design.LIBRARY) {
        const times = [stack.synthSeconds];
        for (let repeat = 1; repeat < LIBRARY_SYNTHS; repeat++) {
          times.push(synthesizeDesign(design, clusters).synthSeconds);
        }
        stack = { ...stack, synthSeconds: median(times) };
      }
      stacks.push(stack);
      const label = `${design}, ${clusters} clusters`;
      book.atMost(SCALE, `resources, ${label}`, stack.resources, 'resources', CFN_MAX_RESOURCES,
        stack.nested.length > 0 ? `top-level stack, ${stack.nested.length} nested stacks counted as one each` : '');
      book.atMost(SCALE, `template size, ${label}`, stack.templateBytes, 'bytes', CFN_MAX_TEMPLATE_BYTES);
      if (stack.nested.length > 0) {
        book.atMost(SCALE, `largest nested stack, ${label}`, Math.max(...stack.nested.map((file) => file.resources)),
          'resources', CFN_MAX_RESOURCES);
        book.atMost(SCALE, `largest nested template, ${label}`,
          Math.max(...stack.nested.map((file) => file.templateBytes)), 'bytes', CFN_MAX_TEMPLATE_BYTES);
        book.info(SCALE, `resources in all stacks, ${label}`, stack.totalResources, 'resources');
      }
      book.record({
        section: SCALE,
        name: `CloudFormation schema violations found at synth, ${label}`,
        value: stack.schemaViolations.length,
        unit: 'findings',
        goal: '0',
        met: stack.schemaViolations.length === 0,
        note: stack.schemaViolations.length > 0 ? violationSummary(stack) : undefined,
      });
      book.info(SCALE, `synth time, ${label}`, rounded(stack.synthSeconds, 2), 's',
        'new App() to app.synth(), asset staging included'
        + (design === Design.LIBRARY ? `, median of ${LIBRARY_SYNTHS}` : ''));
      if (design === Design.LIBRARY) {
        library.push(measureLibraryStack(stack, label));
      }
    }
  }

  const perCluster = {} as Record<Design, PerCluster>;
  for (const design of Object.values(Design)) {
    const first = stacks.find((stack) => stack.design === design && stack.clusters === CLUSTER_COUNTS[0])!;
    const last = stacks.find((stack) => stack.design === design && stack.clusters === MOST_CLUSTERS)!;
    const added = last.clusters - first.clusters;
    perCluster[design] = {
      topLevel: rounded((last.resources - first.resources) / added, 2),
      allStacks: rounded((last.totalResources - first.totalResources) / added, 2),
    };
    book.info(SCALE, `resources each added cluster costs, ${design}`, perCluster[design].topLevel, 'resources',
      perCluster[design].allStacks !== perCluster[design].topLevel
        ? `${perCluster[design].allStacks} counting nested stacks' resources` : undefined);
  }

  // A role's policies are largest just before creates switch from names to the tag condition.
  const preciseGrantsUpTo = lastCountWithPreciseGrants();
  const [boundaryRole] = rolePolicySizes(synthesizeDesign(Design.LIBRARY, preciseGrantsUpTo).template);
  book.info(SCALE, 'most schedules whose creates are granted by name', preciseGrantsUpTo, 'schedules',
    'beyond this, engine.grantsByTag is true');
  book.atMost(SCALE, `largest role's inline policies, ${preciseGrantsUpTo} clusters (the most granted by name)`,
    boundaryRole.characters, 'characters', IAM_MAX_ROLE_INLINE_CHARACTERS, boundaryRole.role);

  const most = library.find((stack) => stack.clusters === MOST_CLUSTERS)!;
  const reached = limitReached(most) ?? (boundaryRole.characters > IAM_MAX_ROLE_INLINE_CHARACTERS
    ? 'role inline policies just before creates switch to the tag' : undefined);
  book.record({
    section: SCALE,
    name: `${MOST_CLUSTERS} clusters in one stack within every limit`,
    value: reached ? 0 : 1,
    unit: '(1 = yes)',
    goal: '1',
    met: !reached,
    note: reached ?? 'resources, template size and schema of every stack; definition, lookup state, role policies',
  });

  const limit = mostClustersWithinLimits();
  book.record({
    section: SCALE,
    name: 'most clusters in one stack within every limit',
    value: limit.clusters,
    unit: 'clusters',
    goal: `>= ${MOST_CLUSTERS}`,
    met: limit.clusters >= MOST_CLUSTERS,
    note: limit.reached ? `one more reaches: ${limit.reached}` : `searched up to ${SEARCH_CEILING}`,
  });
  return {
    stacks,
    library,
    preciseGrantsUpTo,
    preciseGrantsRoleCharacters: boundaryRole.characters,
    perCluster,
    mostClusters: limit,
  };
}

/** The first limit a library stack reaches, in words; `undefined` when it is within all of them. */
function limitReached(stack: LibraryStack): string | undefined {
  const checks: Array<[string, number, number]> = [
    ['CloudFormation resources, top-level stack', stack.resources, CFN_MAX_RESOURCES],
    ['CloudFormation template size, top-level stack', stack.templateBytes, CFN_MAX_TEMPLATE_BYTES],
    ...stack.nested.flatMap((file): Array<[string, number, number]> => [
      [`CloudFormation resources, ${file.file}`, file.resources, CFN_MAX_RESOURCES],
      [`CloudFormation template size, ${file.file}`, file.templateBytes, CFN_MAX_TEMPLATE_BYTES],
    ]),
    ['Step Functions definition size', stack.definitionBytes, SFN_MAX_DEFINITION_BYTES],
    ['Step Functions state size of the manual-run lookup', stack.manualRunLookupBytes, SFN_MAX_STATE_BYTES],
    ['IAM inline policies of a role', stack.largestRoleCharacters, IAM_MAX_ROLE_INLINE_CHARACTERS],
  ];
  const over = checks.find(([, value, max]) => value > max);
  if (over) {
    return `${over[0]} (${formatNumber(over[1])} > ${formatNumber(over[2])})`;
  }
  return stack.schemaViolations.length > 0 ? `CloudFormation schema: ${violationSummary(stack)}` : undefined;
}

/** The first schema finding of a stack and how many more there are, for a figure's note. */
function violationSummary(stack: SynthesizedStack): string {
  const [first, ...more] = stack.schemaViolations;
  return `${first.rule} ${first.description} on ${first.constructs.join(', ')}`
    + (more.length > 0 ? `, and ${more.length} more` : '');
}

/** The bisection for the most clusters stops here. */
const SEARCH_CEILING = 2_000;

/** The most clusters one stack holds within every limit, and the limit one more would reach, by bisection. */
function mostClustersWithinLimits(): { clusters: number; reached?: string } {
  const reachedAt = (count: number): string | undefined =>
    limitReached(sizedLibraryStack(quietly(() => synthesizeDesign(Design.LIBRARY, count))));
  if (reachedAt(SEARCH_CEILING) === undefined) {
    return { clusters: SEARCH_CEILING };
  }
  let low = 1;
  let high = SEARCH_CEILING - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (reachedAt(middle) === undefined) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return { clusters: low, reached: reachedAt(low + 1) };
}

function measureLibraryStack(stack: SynthesizedStack, label: string): LibraryStack {
  const sized = sizedLibraryStack(stack);
  book.atMost(SCALE, `state machine definition, ${label}`, sized.definitionBytes, 'bytes', SFN_MAX_DEFINITION_BYTES);
  book.atMost(SCALE, `largest role's inline policies, ${label}`, sized.largestRoleCharacters, 'characters',
    IAM_MAX_ROLE_INLINE_CHARACTERS, `${sized.largestRole}; creates granted by ${stack.grantsByTag ? 'tag' : 'name'}`);
  book.atMost(SCALE, `manual-run lookup state output, ${label}`, sized.manualRunLookupBytes, 'bytes',
    SFN_MAX_STATE_BYTES, 'every registered schedule, carried into the prepare step');
  return sized;
}

function sizedLibraryStack(stack: SynthesizedStack): LibraryStack {
  const [largest] = rolePolicySizes(stack.template);
  return {
    ...stack,
    ...definitionSize(stack.template),
    largestRoleCharacters: largest.characters,
    largestRole: largest.role,
  };
}

/**
 * Runs `synthesize` with CDK's validation report kept off the console: the search synthesizes many stacks, and the
 * figures already carry what the report says.
 */
function quietly<T>(synthesize: () => T): T {
  const print = console.error;
  console.error = () => undefined;
  try {
    return synthesize();
  } finally {
    console.error = print;
  }
}

/** The largest schedule count whose creates the engine still grants by cluster and prefix, found by bisection. */
function lastCountWithPreciseGrants(): number {
  const byTag = (count: number): boolean => {
    const stack = new Stack(new App(), 'AuroraSnapshotsScale', { env: BENCH_ENV });
    for (let index = 0; index < count; index++) {
      new AuroraSnapshotSchedule(stack, `Nightly${String(index).padStart(4, '0')}`, {
        cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, `Cluster${index}`, {
          clusterIdentifier: benchClusterIdentifier(index),
        }),
        retention: Retention.policy({ daily: 7, weekly: 4, monthly: 12 }),
      });
    }
    return AuroraSnapshotEngine.of(stack).grantsByTag;
  };
  if (byTag(1)) {
    return 0;
  }
  let low = 1;
  let high = MOST_CLUSTERS;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (byTag(middle)) {
      high = middle - 1;
    } else {
      low = middle;
    }
  }
  return low;
}

// 2 and 5b: transitions per run, for this library and the naive one-minute loop.

interface RunResults {
  readonly library: PollRunFigures[];
  readonly naive: NaiveRunFigures[];
}

async function measureRuns(account: SimulatedAccount): Promise<RunResults> {
  const library = await measureLibraryRuns(account);
  for (const run of library) {
    const label = `${run.scenario.label} snapshot, ${progressLabel(run.scenario.progress)}`;
    const timeout = `timeout ${run.timeoutSeconds / 3600} h`;
    if (run.scenario.durationSeconds === 3600) {
      book.atMost(RUNS, `transitions, ${label}`, run.transitions, 'transitions', MAX_TRANSITIONS_ONE_HOUR, timeout);
    } else {
      book.info(RUNS, `transitions, ${label}`, run.transitions, 'transitions', timeout);
    }
    book.info(RUNS, `polls, ${label}`, run.polls, 'describe calls');
    book.info(RUNS, `Lambda invocations, ${label}`, run.lambdaInvocations, 'invocations',
      Object.entries(run.lambdaInvocationsByState).map(([state, count]) => `${state} ${count}`).join(', '));
    book.info(RUNS, `detection latency, ${label}`, run.detectionLatencySeconds, 'virtual s',
      'from available to the poll that saw it');
  }

  const naive = await measureNaiveRuns(account);
  for (const run of naive) {
    book.record({
      section: RUNS,
      name: `naive one-minute loop transitions, ${run.scenario.label} snapshot`,
      value: run.computedTransitions,
      unit: 'transitions',
      goal: `= ${formatNumber(run.runTransitions)} counted by running it`,
      met: run.computedTransitions === run.runTransitions,
      note: `2 + 3 x ceil(duration / 60 s); ${run.polls} polls, ${run.lambdaInvocations} Lambda invocation`,
    });
  }
  return { library, naive };
}

function progressLabel(progress: ProgressReport): string {
  return progress === ProgressReport.LINEAR ? 'PercentProgress linear' : 'PercentProgress 0 until done';
}

// 3: the snapshot function.

interface FunctionResults {
  readonly bundle: { readonly bytes: number; readonly gzipBytes: number };
  readonly coldPoll: ColdStart;
  readonly coldPrepare: ColdStart;
  readonly decisions: Array<{ readonly count: number; readonly medianMs: number }>;
  readonly calls: RunCalls[];
  readonly durations: HandlerDurations;
}

const COLD_STARTS = 5;
const WARM_REPEATS = 15;

async function measureSnapshotFunction(account: SimulatedAccount): Promise<FunctionResults> {
  const bundle = bundleSize();
  book.info(FUNCTION, 'bundle size', bundle.bytes, 'bytes', `${formatNumber(bundle.gzipBytes)} bytes gzipped`);

  const coldPoll = await medianColdStart(COLD_POLL_EVENT, COLD_STARTS);
  book.info(FUNCTION, 'cold start: module load', rounded(coldPoll.loadMs), 'ms',
    `require of the bundle in a fresh node, median of ${COLD_STARTS}`);
  book.info(FUNCTION, 'cold start: first poll call', rounded(coldPoll.firstCallMs), 'ms', 'no I/O');
  book.info(FUNCTION, 'cold start: whole node process, poll', rounded(coldPoll.processMs), 'ms',
    'spawn to exit, Node.js start-up included');
  await prepareMotoForColdStart(account.moto);
  const coldPrepare = await medianColdStart(benchPrepareEvent('2026-12-01T03:00:00Z'), COLD_STARTS,
    account.moto.endpoint);
  book.info(FUNCTION, 'cold start: module load (prepare run)', rounded(coldPrepare.loadMs), 'ms');
  book.info(FUNCTION, 'cold start: first prepare call against moto', rounded(coldPrepare.firstCallMs), 'ms',
    'SDK client set-up and the first calls included');

  const decisions: Array<{ count: number; medianMs: number }> = [];
  for (const [count, repeats] of [[1_000, 20], [10_000, 5], [100_000, 3]] as const) {
    const { medianMs } = decisionMilliseconds(count, repeats);
    decisions.push({ count, medianMs });
    book.info(FUNCTION, `retention decision, ${formatNumber(count)} snapshots`, rounded(medianMs, 2), 'ms',
      `tiered ${JSON.stringify(TIERED_POLICY)} in Europe/Berlin, median of ${repeats}`);
  }

  const calls: RunCalls[] = [];
  for (const ours of [50, 250, 1_000]) {
    const run = await runCalls(ours);
    calls.push(run);
    recordRunCalls(run);
  }

  const durations = await handlerDurations(account.moto, WARM_REPEATS);
  book.info(FUNCTION, 'warm prepare step against moto', rounded(durations.prepareMs, 2), 'ms',
    `${durations.rdsCalls.prepare} RDS calls, median of ${WARM_REPEATS}`);
  book.info(FUNCTION, 'warm poll step', rounded(durations.pollMs, 3), 'ms');
  book.info(FUNCTION, 'warm prune step against moto, keep-last-7 steady state', rounded(durations.pruneMs, 2), 'ms',
    `${durations.rdsCalls.prune} RDS calls, median of ${WARM_REPEATS}`);
  return { bundle, coldPoll, coldPrepare, decisions, calls, durations };
}

function recordRunCalls(run: RunCalls): void {
  const pages = run.pruneCalls.DescribeDBClusterSnapshotsCommand ?? 0;
  const deletes = run.pruneCalls.DeleteDBClusterSnapshotCommand ?? 0;
  const other = total(run.pruneCalls) - pages - deletes;
  const expectedPages = Math.ceil(run.listed / 100);
  book.record({
    section: FUNCTION,
    name: `prune RDS calls, ${run.ours} snapshots of ours`,
    value: pages + deletes + other,
    unit: 'calls',
    goal: `= ${expectedPages} pages + ${run.deleted} deletes`,
    met: pages === expectedPages && deletes === run.deleted && other === 0,
    note: `${pages} pages of ${run.listed} listed, ${deletes} deletes, ${other} other`,
  });
  const preparePages = run.prepareCalls.DescribeDBClusterSnapshotsCommand ?? 0;
  book.info(FUNCTION, `prepare RDS calls, ${run.ours} snapshots of ours`, total(run.prepareCalls), 'calls',
    `${preparePages} pages counting the region's ${run.regionManual} manual snapshots for the quota, `
    + `${total(run.prepareCalls) - preparePages} other`);
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

// 4: cost per cluster-month.

interface CostRow {
  readonly schedule: keyof typeof RUNS_PER_MONTH;
  readonly snapshot: string;
  readonly libraryOrchestration: number;
  readonly libraryWithObservability: number;
  readonly naiveOrchestration: number;
}

function measureCost(library: PollRunFigures[], naive: NaiveRunFigures[], durations: HandlerDurations,
  cold: ColdStart): CostRow[] {
  const step = (name: 'prepare' | 'poll' | 'prune', rdsCalls: number): MeasuredStep => ({
    warmMs: { prepare: durations.prepareMs, poll: durations.pollMs, prune: durations.pruneMs }[name],
    rdsCalls,
    logLines: durations.logLines[name],
    logBytes: durations.logBytes[name],
  });
  const prepare = step('prepare', durations.rdsCalls.prepare);
  const poll = step('poll', 0);
  const prune = step('prune', durations.rdsCalls.prune);

  const rows: CostRow[] = [];
  for (const snapshot of ['5 min', '1 h']) {
    const run = library.find((candidate) => candidate.scenario.label === snapshot
      && candidate.scenario.progress === ProgressReport.LINEAR)!;
    const polls = run.lambdaInvocations - 2;
    const ours = runCost({
      transitions: run.transitions,
      lambdaBilledMs: [prepare, ...Array<MeasuredStep>(polls).fill(poll), prune]
        .map((measured) => billedMilliseconds(measured, cold.loadMs)),
      functionLogBytes: stepLogBytes(prepare) + polls * stepLogBytes(poll) + stepLogBytes(prune),
      // Tasks: the Lambda invocations, the create call and the polls.
      workflowLogBytes: workflowLogBytes(run.transitions, run.lambdaInvocations + 1 + run.polls, durations.stateBytes),
      traced: true,
    });
    const naiveRun = naive.find((candidate) => candidate.scenario.label === snapshot)!;
    const theirs = runCost({
      transitions: naiveTransitions(naiveRun.scenario.durationSeconds),
      lambdaBilledMs: [billedMilliseconds(prune, cold.loadMs)],
      functionLogBytes: 0,
      workflowLogBytes: 0,
      traced: false,
    });
    for (const schedule of ['daily', 'hourly'] as const) {
      const runs = RUNS_PER_MONTH[schedule];
      const row: CostRow = {
        schedule,
        snapshot,
        libraryOrchestration: ours.orchestrationUsd * runs,
        libraryWithObservability: (ours.orchestrationUsd + ours.observabilityUsd) * runs,
        naiveOrchestration: theirs.orchestrationUsd * runs,
      };
      rows.push(row);
      const label = `${schedule} schedule, ${snapshot} snapshot`;
      book.info(COST, `this library, orchestration, ${label}`, rounded(row.libraryOrchestration, 5), 'USD',
        'transitions + Lambda + Scheduler');
      book.info(COST, `this library, with logs and X-Ray, ${label}`, rounded(row.libraryWithObservability, 5), 'USD',
        'log bytes estimated');
      book.info(COST, `naive one-minute loop, orchestration, ${label}`, rounded(row.naiveOrchestration, 5), 'USD');
    }
  }
  return rows;
}

// 6: the README table and the result files.

function resultsMarkdown(scale: ScaleResults, library: PollRunFigures[], naive: NaiveRunFigures[],
  snapshotFunction: FunctionResults, cost: CostRow[]): string {
  const lines: string[] = [
    `Measured by \`npm run bench\` (Node.js ${process.version}, ${cpus().length} cores); figures are printed, never `
      + 'asserted. Limits: CloudFormation 500 resources and 1 MB template; Step Functions 1 MB definition and 256 KiB '
      + 'state; IAM 10,240 characters of inline policy per role.',
    '',
    ...scaleTables(scale),
    ...runTable(library, naive),
    ...functionTables(snapshotFunction),
    ...costTable(cost),
  ];
  return lines.join('\n') + '\n';
}

function scaleTables(scale: ScaleResults): string[] {
  const lines = [
    '**One stack, imported clusters, one schedule each**',
    '',
    '| Clusters | Resources (nested stacks) | Template | Largest nested | Schema findings | Synth | Definition '
      + '| Largest role\'s inline policies | Manual-run lookup |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const stack of scale.library) {
    const nested = stack.nested.length > 0
      ? `${Math.max(...stack.nested.map((file) => file.resources))} / `
        + kilobytes(Math.max(...stack.nested.map((file) => file.templateBytes)))
      : '-';
    lines.push(`| ${stack.clusters} | ${stack.resources} (${stack.nested.length}) | ${kilobytes(stack.templateBytes)} `
      + `| ${nested} | ${stack.schemaViolations.length} | ${rounded(stack.synthSeconds, 1)} s `
      + `| ${kilobytes(stack.definitionBytes)} `
      + `| ${formatNumber(stack.largestRoleCharacters)} chars (creates by ${stack.grantsByTag ? 'tag' : 'name'}) `
      + `| ${kilobytes(stack.manualRunLookupBytes)} |`);
  }
  const { topLevel, allStacks } = scale.perCluster[Design.LIBRARY];
  lines.push('', `Each added cluster costs ${topLevel} resources in the top-level stack (${allStacks} counting nested `
    + `stacks). One stack holds ${formatNumber(scale.mostClusters.clusters)} clusters within every limit`
    + (scale.mostClusters.reached ? `; one more reaches ${scale.mostClusters.reached}` : '')
    + `. Creates are granted by cluster and prefix up to ${scale.preciseGrantsUpTo} schedules (largest role then `
    + `${formatNumber(scale.preciseGrantsRoleCharacters)} characters), by the ownership tag beyond.`, '');

  const designs = Object.values(Design);
  lines.push('**Beside other designs** (resources / template size)', '',
    `| Clusters | ${designs.join(' | ')} |`,
    `| ---: | ${designs.map(() => '---:').join(' | ')} |`);
  for (const clusters of CLUSTER_COUNTS) {
    const cells = designs.map((design) => {
      const stack = scale.stacks.find((candidate) => candidate.design === design && candidate.clusters === clusters)!;
      const over = stack.resources > CFN_MAX_RESOURCES || stack.templateBytes > CFN_MAX_TEMPLATE_BYTES
        || stack.schemaViolations.some((violation) => !/resources, maximum is/.test(violation.description));
      return `${formatNumber(stack.resources)} / ${kilobytes(stack.templateBytes)}${over ? ' (over a limit)' : ''}`;
    });
    lines.push(`| ${clusters} | ${cells.join(' | ')} |`);
  }
  lines.push(`| each added cluster | ${designs.map((design) => scale.perCluster[design].topLevel).join(' | ')} |`, '',
    'AWS Backup: a vault, a daily plan, and a selection with its own role per cluster, as a team adding clusters one '
    + 'at a time would write it; one selection may instead name up to 500 ARNs. Naive: per cluster a state machine '
    + 'that polls every minute, a function, their roles and a schedule.', '');
  return lines;
}

function runTable(library: PollRunFigures[], naive: NaiveRunFigures[]): string[] {
  const lines = [
    '**One run**, on the virtual clock; RDS reports `PercentProgress` as a whole number',
    '',
    '| Snapshot takes | Progress reported | Transitions | Polls | Lambda invocations | Seen after done '
      + '| Naive one-minute loop |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const run of library) {
    const naiveRun = naive.find((candidate) => candidate.scenario.label === run.scenario.label);
    const timeout = run.timeoutSeconds !== DEFAULT_TIMEOUT_SECONDS ? ` (timeout ${run.timeoutSeconds / 3600} h)` : '';
    lines.push(`| ${run.scenario.label}${timeout} `
      + `| ${run.scenario.progress === ProgressReport.LINEAR ? 'linear' : '0 until done'} | ${run.transitions} `
      + `| ${run.polls} | ${run.lambdaInvocations} | ${humanDuration(run.detectionLatencySeconds)} `
      + `| ${naiveRun ? `${formatNumber(naiveRun.computedTransitions)} transitions` : '-'} |`);
  }
  lines.push('');
  return lines;
}

function functionTables(results: FunctionResults): string[] {
  const { bundle, coldPoll, coldPrepare, decisions, calls } = results;
  const decisionTimes = decisions
    .map((decision) => `${formatNumber(decision.count)} snapshots ${rounded(decision.medianMs, 1)} ms`)
    .join(', ');
  const lines = [
    '**The function**',
    '',
    `Bundle ${kilobytes(bundle.bytes)} (${kilobytes(bundle.gzipBytes)} gzipped). Cold start in a fresh \`node\`: `
      + `module load ${rounded(coldPoll.loadMs)} ms, first poll ${rounded(coldPoll.firstCallMs)} ms, first prepare `
      + `against moto ${rounded(coldPrepare.firstCallMs)} ms. Retention decision (tiered, Europe/Berlin): `
      + `${decisionTimes}.`,
    '',
    '| Snapshots of ours | Prune: pages + deletes | Prepare: calls (pages counting the region for the quota) |',
    '| ---: | ---: | ---: |',
  ];
  for (const run of calls) {
    lines.push(`| ${formatNumber(run.ours)} | ${run.pruneCalls.DescribeDBClusterSnapshotsCommand ?? 0} + `
      + `${run.pruneCalls.DeleteDBClusterSnapshotCommand ?? 0} | ${total(run.prepareCalls)} `
      + `(${run.prepareCalls.DescribeDBClusterSnapshotsCommand ?? 0}) |`);
  }
  lines.push('');
  return lines;
}

function costTable(cost: CostRow[]): string[] {
  const lines = [
    '**Cost per cluster-month**, us-east-1, free tiers and snapshot storage left out',
    '',
    '| Schedule | Snapshot takes | This library | With its logs and X-Ray | Naive one-minute loop |',
    '| --- | --- | ---: | ---: | ---: |',
  ];
  for (const row of cost) {
    lines.push(`| ${row.schedule} | ${row.snapshot} | $${row.libraryOrchestration.toFixed(4)} `
      + `| $${row.libraryWithObservability.toFixed(4)} | $${row.naiveOrchestration.toFixed(4)} |`);
  }
  const prices = Object.values(PRICES).map((price) => `${price.item} ${price.stated}`).join('; ');
  lines.push('', `Prices read ${PRICES.stateTransition.readOn}: ${prices}. Lambda durations are measured warm in `
    + `process, scaled by ${rounded(CPU_SHARE_SCALE, 2)} for a 256 MB function's CPU share, plus `
    + `${ASSUMED_RDS_CALL_MS} ms per RDS call and a cold start on every invocation; log bytes are estimated.`);
  return lines;
}

function kilobytes(bytes: number): string {
  return `${formatNumber(rounded(bytes / 1024, 1))} KB`;
}

function humanDuration(seconds: number): string {
  if (seconds < 60) {
    return `${seconds} s`;
  }
  return seconds < 3600 ? `${rounded(seconds / 60, 1)} min` : `${rounded(seconds / 3600, 1)} h`;
}

/** The commit measured, marked `-dirty` when the working tree had changes; `BENCH_REVISION` overrides it. */
function sourceRevision(): string {
  if (process.env.BENCH_REVISION) {
    return process.env.BENCH_REVISION;
  }
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: __dirname, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function writeResults(markdown: string, seconds: number): void {
  const results = {
    generatedAt: new Date().toISOString(),
    revision: sourceRevision(),
    seconds: rounded(seconds),
    machine: { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model },
    prices: PRICES,
    figures: book.figures,
  };
  writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(results, undefined, 2) + '\n');
  writeFileSync(path.join(__dirname, 'results.md'), markdown);
  copyIntoReadme(markdown);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

/** Puts the fresh tables into the README between its bench markers, so the README always shows the last run. */
function copyIntoReadme(markdown: string): void {
  const readmePath = path.join(__dirname, '..', 'README.md');
  const readme = readFileSync(readmePath, 'utf-8');
  const start = '<!-- bench:start -->\n';
  const end = '\n<!-- bench:end -->';
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) {
    throw new Error('README.md has no <!-- bench:start --> ... <!-- bench:end --> block to put the figures in.');
  }
  writeFileSync(readmePath, readme.slice(0, from + start.length) + markdown.trim() + readme.slice(to));
}
