/**
 * Dollars per cluster-month, from the measured transitions, Lambda invocations and durations and AWS's published
 * prices for US East (N. Virginia). Free tiers are left out: they are per account, not per cluster, and a team with
 * many clusters uses them up elsewhere. Snapshot storage is left out too: it is the same whichever design takes the
 * snapshots.
 */

/** One published price, with where and when it was read. */
export interface Price {
  readonly item: string;
  /** Dollars per unit. */
  readonly usd: number;
  /** The price as AWS states it, e.g. `$0.025 per 1,000 transitions`. */
  readonly stated: string;
  readonly source: string;
  /** The day the price was read, ISO-8601. */
  readonly readOn: string;
}

const READ_ON = '2026-12-04';

/** The prices the model uses, us-east-1. */
export const PRICES = {
  stateTransition: {
    item: 'Step Functions Standard state transition',
    usd: 0.025 / 1000,
    stated: '$0.025 per 1,000 transitions',
    source: 'https://aws.amazon.com/step-functions/pricing/',
    readOn: READ_ON,
  },
  lambdaRequest: {
    item: 'Lambda request',
    usd: 0.20 / 1_000_000,
    stated: '$0.20 per 1M requests',
    source: 'https://aws.amazon.com/lambda/pricing/',
    readOn: READ_ON,
  },
  lambdaArmGbSecond: {
    item: 'Lambda duration, Arm (arm64), first pricing tier',
    usd: 0.0000133334,
    stated: '$0.0000133334 per GB-second',
    source: 'https://aws.amazon.com/lambda/pricing/',
    readOn: READ_ON,
  },
  schedulerInvocation: {
    item: 'EventBridge Scheduler invocation',
    usd: 1.00 / 1_000_000,
    stated: '$1.00 per 1M invocations (the first 14M a month free)',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
    readOn: READ_ON,
  },
  logIngestionGb: {
    item: 'CloudWatch Logs ingestion, Standard class (vended logs start at the same rate)',
    usd: 0.50,
    stated: '$0.50 per GB',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    readOn: READ_ON,
  },
  xrayTrace: {
    item: 'X-Ray trace recorded',
    usd: 5.00 / 1_000_000,
    stated: '$5.00 per 1M traces',
    source: 'https://aws.amazon.com/xray/pricing/',
    readOn: READ_ON,
  },
} satisfies Record<string, Price>;

/** The function's memory, as `AuroraSnapshotEngine` configures it. */
export const FUNCTION_MEMORY_MB = 256;

/**
 * Lambda gives a function CPU in proportion to its memory, a whole vCPU at 1,769 MB; durations measured on a full
 * core here are scaled by 1769 / 256 for the function's share, which overstates the time spent waiting on I/O.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
 */
export const CPU_SHARE_SCALE = 1769 / FUNCTION_MEMORY_MB;

/** An assumed round trip of one RDS API call from Lambda, which calls to moto on 127.0.0.1 do not show. */
export const ASSUMED_RDS_CALL_MS = 100;

/** Hours in a month as AWS prices them. */
const HOURS_PER_MONTH = 730;

/** Runs a month for each schedule the model prices. */
export const RUNS_PER_MONTH = { daily: HOURS_PER_MONTH / 24, hourly: HOURS_PER_MONTH } as const;

/**
 * Bytes of the keys Powertools Logger adds to each line (level, timestamp, service, cold start, function name,
 * ARN, memory, request id, X-Ray trace id), and of Lambda's own START, END and REPORT lines per invocation.
 */
const LOG_LINE_ENVELOPE_BYTES = 350;
const LAMBDA_PLATFORM_LOG_BYTES = 400;
/** Bytes of a Step Functions history event in the log group besides the state's input or output. */
const HISTORY_EVENT_ENVELOPE_BYTES = 300;

/** What one run of a design does, as the model prices it. */
export interface RunProfile {
  readonly transitions: number;
  /** Billed milliseconds of each Lambda invocation of the run. */
  readonly lambdaBilledMs: readonly number[];
  /** Bytes the function writes to CloudWatch Logs in the run, or 0 when the design does not log. */
  readonly functionLogBytes: number;
  /** Bytes the state machine writes to CloudWatch Logs (level ALL, with execution data), or 0. */
  readonly workflowLogBytes: number;
  /** Whether each execution is traced with X-Ray. */
  readonly traced: boolean;
}

/** Dollars of one run, split into orchestration (transitions, Lambda, Scheduler) and observability (logs, X-Ray). */
export interface RunCost {
  readonly orchestrationUsd: number;
  readonly observabilityUsd: number;
}

/** Prices one run. */
export function runCost(profile: RunProfile): RunCost {
  const gb = FUNCTION_MEMORY_MB / 1024;
  const lambdaUsd = profile.lambdaBilledMs.reduce((total, ms) =>
    total + PRICES.lambdaRequest.usd + (ms / 1000) * gb * PRICES.lambdaArmGbSecond.usd, 0);
  const orchestrationUsd = profile.transitions * PRICES.stateTransition.usd + lambdaUsd
    + PRICES.schedulerInvocation.usd;
  const logGb = (profile.functionLogBytes + profile.workflowLogBytes) / 1e9;
  const observabilityUsd = logGb * PRICES.logIngestionGb.usd + (profile.traced ? PRICES.xrayTrace.usd : 0);
  return { orchestrationUsd, observabilityUsd };
}

/** A step of the function as measured in process: warm duration, RDS calls, and what it logs. */
export interface MeasuredStep {
  readonly warmMs: number;
  readonly rdsCalls: number;
  readonly logLines: number;
  readonly logBytes: number;
}

/**
 * Billed milliseconds of one invocation of a step: its warm duration scaled to the function's CPU share, an assumed
 * round trip per RDS call, and, because a schedule's invocations are far apart, a cold start (module load, also
 * scaled) on every one; Lambda bills the init phase. Rounded up to the millisecond as Lambda bills.
 */
export function billedMilliseconds(step: MeasuredStep, coldLoadMs: number): number {
  return Math.ceil((step.warmMs + coldLoadMs) * CPU_SHARE_SCALE + step.rdsCalls * ASSUMED_RDS_CALL_MS);
}

/** Bytes a step writes to CloudWatch Logs, Powertools' keys and Lambda's own lines included. */
export function stepLogBytes(step: MeasuredStep): number {
  return step.logBytes + step.logLines * LOG_LINE_ENVELOPE_BYTES + LAMBDA_PLATFORM_LOG_BYTES;
}

/**
 * Bytes the state machine logs for a run at level ALL with execution data: every state entered and exited, every
 * task scheduled, started and succeeded, and the execution's start and end, each carrying about `stateBytes` of
 * input or output. An estimate: AWS does not publish the envelope's size.
 */
export function workflowLogBytes(transitions: number, tasks: number, stateBytes: number): number {
  const events = 2 * transitions + 3 * tasks + 2;
  return events * (HISTORY_EVENT_ENVELOPE_BYTES + stateBytes);
}
