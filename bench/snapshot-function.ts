/**
 * The snapshot function on its own: cold start of the bundle in a fresh `node` process, bundle size, the time the
 * retention decision takes over many snapshots, the RDS calls a run makes as the snapshot count grows (with an
 * SDK-level fake that pages by `MaxRecords`, which moto ignores), and warm handler durations against moto.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import {
  CreateDBClusterSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  type DBClusterSnapshot,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { median } from './figures';
import { decideRetention } from '../src/decisions/retention-decision';
import type { RetentionPolicy } from '../src/decisions/retention-policy';
import type { PreparedRun, ScheduleRunInput } from '../src/decisions/run-input';
import { SnapshotTagKeys, type SnapshotRecord } from '../src/decisions/snapshot-tags';
import { createHandler, type PollEvent } from '../src/runtime/snapshot.lambda';
import { createAuroraCluster, FAKE_CREDENTIALS, rdsClient } from '../test/support/aws-fixtures';
import { resetMoto, type MotoServer } from '../test/support/moto';
import { CollectingLogger } from '../test/support/simulated-account';

/** The bundled handler, as Lambda runs it. */
export const BUNDLE_PATH = path.join(__dirname, '..', 'assets', 'runtime', 'snapshot.lambda', 'index.js');

/** The tiered policy the decision benchmark and the call counts use. */
export const TIERED_POLICY: RetentionPolicy = { daily: 7, weekly: 4, monthly: 12, yearly: 3 };

const CLUSTER = 'bench-orders-db';
const SCHEDULE_ID = 'AuroraSnapshotsBench/Nightly';
const PREFIX = 'nightly';

/** The size of the bundle: as it lies on disk, and gzipped (close to what the deployment zip holds). */
export function bundleSize(): { bytes: number; gzipBytes: number } {
  return { bytes: statSync(BUNDLE_PATH).size, gzipBytes: gzipSync(readFileSync(BUNDLE_PATH), { level: 9 }).length };
}

/** One cold start: the process, the module load and the first handler call. */
export interface ColdStart {
  /** Wall time from spawning `node` to its exit. */
  readonly processMs: number;
  /** `require` of the bundle, measured inside the process. */
  readonly loadMs: number;
  /** The first handler call after the load, measured inside the process. */
  readonly firstCallMs: number;
}

const COLD_START_SCRIPT = `
const started = process.hrtime.bigint();
const bundle = require(process.env.BENCH_BUNDLE);
const loaded = process.hrtime.bigint();
bundle.handler(JSON.parse(process.env.BENCH_EVENT)).then(() => {
  const done = process.hrtime.bigint();
  process.stderr.write('\\nBENCH_COLD_START ' + JSON.stringify({
    loadMs: Number(loaded - started) / 1e6, firstCallMs: Number(done - loaded) / 1e6 }) + '\\n');
}, (error) => {
  process.stderr.write('\\nBENCH_COLD_START_ERROR ' + error.name + ': ' + error.message + '\\n');
  process.exitCode = 1;
});
`;

/**
 * Starts a fresh `node` that loads the bundle and calls the handler once with `event`. The child gets only the
 * environment it needs: fake credentials and, when given, moto's endpoint.
 */
export function coldStart(event: unknown, motoEndpoint?: string): Promise<ColdStart> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    BENCH_BUNDLE: BUNDLE_PATH,
    BENCH_EVENT: JSON.stringify(event),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    POWERTOOLS_SERVICE_NAME: 'cdk-aurora-snapshots',
    ...(motoEndpoint ? { AWS_ENDPOINT_URL: motoEndpoint } : {}),
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', COLD_START_SCRIPT], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.once('error', reject);
    child.once('exit', (code) => {
      const processMs = performance.now() - started;
      const line = /BENCH_COLD_START (\{.*\})/.exec(stderr)?.[1];
      if (code !== 0 || !line) {
        reject(new Error(`The cold-start process exited with code ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      const measured = JSON.parse(line) as { loadMs: number; firstCallMs: number };
      resolve({ processMs, ...measured });
    });
  });
}

/** Median cold starts over `times` fresh processes. */
export async function medianColdStart(event: unknown, times: number, motoEndpoint?: string): Promise<ColdStart> {
  const starts: ColdStart[] = [];
  for (let attempt = 0; attempt < times; attempt++) {
    starts.push(await coldStart(event, motoEndpoint));
  }
  return {
    processMs: median(starts.map((start) => start.processMs)),
    loadMs: median(starts.map((start) => start.loadMs)),
    firstCallMs: median(starts.map((start) => start.firstCallMs)),
  };
}

/** The poll event the cold start calls with: no I/O, so it measures the runtime and the bundle alone. */
export const COLD_POLL_EVENT: PollEvent = {
  action: 'poll',
  poll: { seconds: 120, elapsedSeconds: 120, timeoutSeconds: 14_400 },
  snapshot: { status: 'creating', described: { PercentProgress: 10 } },
};

/** A schedule's run input for the benchmark cluster. */
export function benchRunInput(scheduledTime: string, policy: RetentionPolicy = TIERED_POLICY): ScheduleRunInput {
  return {
    clusterIdentifier: CLUSTER,
    scheduleId: SCHEDULE_ID,
    snapshotPrefix: PREFIX,
    retention: policy,
    timeZone: 'Europe/Berlin',
    dryRun: false,
    tags: [{ Key: 'team', Value: 'orders' }],
    snapshotTimeoutSeconds: 14_400,
    whenClusterStopped: 'skip',
    scheduledTime,
  };
}

/** The prepare event for the benchmark cluster. */
export function benchPrepareEvent(scheduledTime: string, policy?: RetentionPolicy) {
  return { action: 'prepare' as const, input: benchRunInput(scheduledTime, policy), executionStartTime: scheduledTime };
}

/** Creates the benchmark cluster in moto, for the cold start's prepare call. */
export async function prepareMotoForColdStart(moto: MotoServer): Promise<void> {
  await resetMoto(moto.endpoint);
  const rds = rdsClient(moto.endpoint);
  try {
    await createAuroraCluster(rds, CLUSTER);
  } finally {
    rds.destroy();
  }
}

/** `count` snapshots, one an hour back from 2026-12-01 03:00 UTC: nine in ten ours, one in ten another team's. */
export function snapshotRecords(count: number): SnapshotRecord[] {
  const newest = Date.UTC(2026, 11, 1, 3, 0, 0);
  return Array.from({ length: count }, (_, index): SnapshotRecord => {
    const time = new Date(newest - index * 3_600_000).toISOString();
    const ours = index % 10 !== 9;
    const tags: Record<string, string> = ours
      ? { [SnapshotTagKeys.SCHEDULE]: SCHEDULE_ID, [SnapshotTagKeys.SCHEDULED_TIME]: time }
      : { team: 'b' };
    return {
      identifier: `${ours ? PREFIX : 'team-b'}-${CLUSTER}-${index}`,
      clusterIdentifier: CLUSTER,
      snapshotType: 'manual',
      status: 'available',
      createTime: time,
      tags,
    };
  });
}

/** Median milliseconds of `decideRetention` over `count` snapshots with the tiered policy in Europe/Berlin. */
export function decisionMilliseconds(count: number, repeats: number): { medianMs: number; expired: number } {
  const snapshots = snapshotRecords(count);
  const decide = () => decideRetention({
    snapshots,
    policy: TIERED_POLICY,
    clusterIdentifier: CLUSTER,
    scheduleId: SCHEDULE_ID,
    timeZone: 'Europe/Berlin',
    createdSnapshotIdentifier: snapshots[0].identifier,
  });
  const warm = decide();
  const times: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const started = performance.now();
    decide();
    times.push(performance.now() - started);
  }
  return { medianMs: median(times), expired: warm.expire.length };
}

/**
 * An SDK-level stand-in for RDS that answers what the function asks, pages DescribeDBClusterSnapshots by
 * `MaxRecords` and `Marker` as RDS does, deletes, and counts every call by command.
 */
export class PagingRdsFake {
  /** Calls by command name since the last `resetCalls`. */
  public calls: Record<string, number> = {};
  private readonly snapshots = new Map<string, DBClusterSnapshot>();

  constructor(snapshots: DBClusterSnapshot[]) {
    snapshots.forEach((snapshot) => this.snapshots.set(snapshot.DBClusterSnapshotIdentifier!, snapshot));
  }

  /** The client to hand to the function. */
  public get client(): RDSClient {
    return { send: (command: unknown) => this.send(command) } as unknown as RDSClient;
  }

  /** Forgets the calls counted so far. */
  public resetCalls(): void {
    this.calls = {};
  }

  /** How many snapshots the fake holds. */
  public get size(): number {
    return this.snapshots.size;
  }

  private async send(command: unknown): Promise<unknown> {
    const name = (command as object).constructor.name;
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    if (command instanceof DescribeDBClusterSnapshotsCommand) {
      const input = command.input;
      const matching = [...this.snapshots.values()].filter((snapshot) =>
        (input.DBClusterIdentifier === undefined || snapshot.DBClusterIdentifier === input.DBClusterIdentifier)
        && (input.SnapshotType === undefined || snapshot.SnapshotType === input.SnapshotType)
        && (input.DBClusterSnapshotIdentifier === undefined
          || snapshot.DBClusterSnapshotIdentifier === input.DBClusterSnapshotIdentifier));
      const pageSize = Math.min(Math.max(input.MaxRecords ?? 100, 20), 100);
      const start = Number(input.Marker ?? 0);
      const next = start + pageSize;
      return {
        DBClusterSnapshots: matching.slice(start, next),
        Marker: next < matching.length ? String(next) : undefined,
      };
    }
    if (command instanceof DeleteDBClusterSnapshotCommand) {
      const identifier = command.input.DBClusterSnapshotIdentifier!;
      const snapshot = this.snapshots.get(identifier);
      this.snapshots.delete(identifier);
      return { DBClusterSnapshot: snapshot };
    }
    if (command instanceof DescribeDBClustersCommand) {
      return { DBClusters: [{ DBClusterIdentifier: command.input.DBClusterIdentifier, Status: 'available' }] };
    }
    if (command instanceof CreateDBClusterSnapshotCommand) {
      const input = command.input;
      const snapshot = snapshotEntry(input.DBClusterSnapshotIdentifier!, input.DBClusterIdentifier!, 'manual',
        new Date().toISOString(), Object.fromEntries((input.Tags ?? []).map((tag) => [tag.Key!, tag.Value ?? ''])));
      this.snapshots.set(snapshot.DBClusterSnapshotIdentifier!, snapshot);
      return { DBClusterSnapshot: snapshot };
    }
    throw new Error(`The benchmark's fake RDS does not answer ${name}; teach it, so that the call is counted.`);
  }
}

function snapshotEntry(identifier: string, cluster: string, type: string, time: string,
  tags: Record<string, string>): DBClusterSnapshot {
  return {
    DBClusterSnapshotIdentifier: identifier,
    DBClusterIdentifier: cluster,
    SnapshotType: type,
    Status: 'available',
    SnapshotCreateTime: new Date(time),
    TagList: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

/** The snapshots of a region for the call counts: `ours` daily ones of the schedule plus other people's. */
function regionSnapshots(ours: number): DBClusterSnapshot[] {
  const newest = Date.UTC(2026, 10, 30, 3, 0, 0);
  const snapshots = Array.from({ length: ours }, (_, day) => {
    const time = new Date(newest - day * 86_400_000).toISOString();
    return snapshotEntry(`${PREFIX}-${CLUSTER}-${day}`, CLUSTER, 'manual', time,
      { [SnapshotTagKeys.SCHEDULE]: SCHEDULE_ID, [SnapshotTagKeys.SCHEDULED_TIME]: time });
  });
  for (let index = 0; index < FOREIGN_ON_CLUSTER; index++) {
    snapshots.push(snapshotEntry(`team-b-${index}`, CLUSTER, 'manual', '2026-06-01T00:00:00.000Z', { team: 'b' }));
  }
  snapshots.push(snapshotEntry(`rds:${CLUSTER}-2026-11-30`, CLUSTER, 'automated', '2026-11-30T00:00:00.000Z', {}));
  for (let index = 0; index < OTHER_CLUSTERS_SNAPSHOTS; index++) {
    snapshots.push(snapshotEntry(`other-${index}`, 'other-db', 'manual', '2026-06-01T00:00:00.000Z', {}));
  }
  return snapshots;
}

/** Manual snapshots of the cluster that are not ours, which listing must see to leave alone. */
const FOREIGN_ON_CLUSTER = 5;
/** Manual snapshots of another cluster in the region, which only the region-wide quota count reads. */
const OTHER_CLUSTERS_SNAPSHOTS = 20;

/** The RDS calls of one run (prepare, then prune once the new snapshot is there) for `ours` snapshots of ours. */
export interface RunCalls {
  readonly ours: number;
  /** Manual snapshots of the cluster the prune step lists: ours, the new one, and other people's. */
  readonly listed: number;
  /** Manual snapshots in the region, which the prepare step counts against the quota. */
  readonly regionManual: number;
  readonly prepareCalls: Record<string, number>;
  readonly pruneCalls: Record<string, number>;
  readonly deleted: number;
  /** Wall time of the prune step with the fake, decision and logging included. */
  readonly pruneMs: number;
}

/** Counts the calls of one run over a region with `ours` daily snapshots of this schedule. */
export async function runCalls(ours: number): Promise<RunCalls> {
  const fake = new PagingRdsFake(regionSnapshots(ours));
  const logger = new CollectingLogger();
  const handler = createHandler({ rds: fake.client, logger, emitMetrics: () => undefined });

  const prepared = await handler(benchPrepareEvent('2026-12-01T03:00:00Z')) as PreparedRun;
  const prepareCalls = { ...fake.calls };
  const regionManual = ours + FOREIGN_ON_CLUSTER + OTHER_CLUSTERS_SNAPSHOTS;
  // What the workflow's create step does between the two Lambda steps.
  await fake.client.send(new CreateDBClusterSnapshotCommand({
    DBClusterIdentifier: prepared.clusterIdentifier,
    DBClusterSnapshotIdentifier: prepared.snapshotIdentifier,
    Tags: prepared.tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
  }));
  fake.resetCalls();

  const started = performance.now();
  const summary = await handler({ action: 'prune', run: prepared }) as { deleted: string[] };
  const pruneMs = performance.now() - started;
  return {
    ours,
    listed: ours + 1 + FOREIGN_ON_CLUSTER,
    regionManual,
    prepareCalls,
    pruneCalls: fake.calls,
    deleted: summary.deleted.length,
    pruneMs,
  };
}

/** Warm, in-process durations of each step of the handler against moto, and the log bytes each writes. */
export interface HandlerDurations {
  readonly prepareMs: number;
  readonly pollMs: number;
  readonly pruneMs: number;
  /**
   * Bytes the function logs per step: its own lines (message and attributes as JSON, before the keys Powertools
   * adds) and its embedded metric format lines.
   */
  readonly logBytes: { readonly prepare: number; readonly poll: number; readonly prune: number };
  /** The function's own log lines per step, each of which Powertools wraps in its standard keys. */
  readonly logLines: { readonly prepare: number; readonly poll: number; readonly prune: number };
  /** RDS calls the function made per step, counted at the SDK middleware. */
  readonly rdsCalls: { readonly prepare: number; readonly prune: number };
  /** Bytes of the state the workflow carries after the prepare step, which every later state logs. */
  readonly stateBytes: number;
}

/**
 * Measures the handler's steps in this process against moto, in the steady state of a keep-last-7 daily schedule:
 * seven snapshots of ours, the new one, one to delete. Medians over `repeats` runs, after one warm-up.
 */
export async function handlerDurations(moto: MotoServer, repeats: number): Promise<HandlerDurations> {
  await resetMoto(moto.endpoint);
  const rds = rdsClient(moto.endpoint);
  const counted: Record<string, number> = {};
  rds.middlewareStack.add((next, context) => async (args) => {
    counted[context.commandName ?? 'unknown'] = (counted[context.commandName ?? 'unknown'] ?? 0) + 1;
    return next(args);
  }, { step: 'initialize', name: 'benchCallCounter' });
  await createAuroraCluster(rds, CLUSTER);
  const logger = new CollectingLogger();
  let metricBytes = 0;
  const emitMetrics = (line: string): void => {
    metricBytes += Buffer.byteLength(line, 'utf8') + 1;
  };
  const handler = createHandler({ rds, logger, emitMetrics });
  const keepLast7: RetentionPolicy = { keepLast: 7 };

  const prepareTimes: number[] = [];
  const pollTimes: number[] = [];
  const pruneTimes: number[] = [];
  const logBytes = { prepare: 0, poll: 0, prune: 0 };
  const logLines = { prepare: 0, poll: 0, prune: 0 };
  const calls = { prepare: 0, prune: 0 };
  let stateBytes = 0;
  const measured = async <T>(step: keyof typeof logBytes, times: number[], call: () => Promise<T>): Promise<T> => {
    const linesBefore = logger.lines.length;
    const metricBytesBefore = metricBytes;
    const callsBefore = Object.values(counted).reduce((total, value) => total + value, 0);
    const started = performance.now();
    const result = await call();
    times.push(performance.now() - started);
    logLines[step] = logger.lines.length - linesBefore;
    logBytes[step] = metricBytes - metricBytesBefore + logger.lines.slice(linesBefore)
      .reduce((total, line) => total + Buffer.byteLength(JSON.stringify(line), 'utf8'), 0);
    if (step !== 'poll') {
      calls[step] = Object.values(counted).reduce((total, value) => total + value, 0) - callsBefore;
    }
    return result;
  };

  for (let day = 0; day < 8 + repeats; day++) {
    const scheduledTime = new Date(Date.UTC(2026, 10, 1 + day, 3, 0, 0)).toISOString();
    const prepared = await measured('prepare', prepareTimes,
      () => handler(benchPrepareEvent(scheduledTime, keepLast7)) as Promise<PreparedRun>);
    stateBytes = Buffer.byteLength(JSON.stringify(prepared), 'utf8');
    await measured('poll', pollTimes, () => handler(COLD_POLL_EVENT));
    await rds.send(new CreateDBClusterSnapshotCommand({
      DBClusterIdentifier: CLUSTER,
      DBClusterSnapshotIdentifier: prepared.snapshotIdentifier,
      Tags: prepared.tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
    }));
    await measured('prune', pruneTimes, () => handler({ action: 'prune', run: prepared }));
  }
  rds.destroy();
  // The first eight days fill the schedule up to its steady state; only the days after count.
  const steady = (times: number[]) => median(times.slice(8));
  return {
    prepareMs: steady(prepareTimes),
    pollMs: steady(pollTimes),
    pruneMs: steady(pruneTimes),
    logBytes,
    logLines,
    rdsCalls: calls,
    stateBytes,
  };
}
