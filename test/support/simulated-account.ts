/**
 * A synthesized stack "deployed" into moto: the state machine definition and the schedule inputs are read from the
 * template, and each run executes the real definition in the local interpreter with the real handler. Tests, the
 * demo and the benchmarks all drive the library through this one class.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { RDSClient } from '@aws-sdk/client-rds';
import { Template } from 'aws-cdk-lib/assertions';
import { createAuroraCluster, FAKE_CREDENTIALS, rdsClient } from './aws-fixtures';
import { EXAMPLE_CLUSTER, exampleApp } from './example-app';
import { FaultProxy } from './fault-proxy';
import { runWorkflow, type RunWorkflowOptions, type WorkflowRun } from './local-workflow';
import { resetMoto, startMoto, type MotoServer } from './moto';
import { stateMachineDefinitionFromTemplate, type AslDefinition } from './template-definition';
import type { SnapshotLogger } from '../../src/runtime/snapshot-logger';
import { createHandler } from '../../src/runtime/snapshot.lambda';

/** One structured log line of the snapshot function. */
export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

/** Keeps the function's log lines in memory, as a user would read them in CloudWatch Logs Insights. */
export class CollectingLogger implements SnapshotLogger {
  public readonly lines: LogLine[] = [];

  info(message: string, ...attributes: Array<Record<string, unknown>>): void {
    this.lines.push({ level: 'INFO', message, attributes: Object.assign({}, ...attributes) });
  }

  warn(message: string, ...attributes: Array<Record<string, unknown>>): void {
    this.lines.push({ level: 'WARN', message, attributes: Object.assign({}, ...attributes) });
  }

  error(message: string, ...attributes: Array<Record<string, unknown>>): void {
    this.lines.push({ level: 'ERROR', message, attributes: Object.assign({}, ...attributes) });
  }
}

/** How to reach AWS for a simulated account. */
export interface SimulatedAccountOptions {
  /**
   * An endpoint in front of moto (the fault-injecting proxy) for every RDS call, the workflow's and the function's.
   * @default - moto itself
   */
  readonly rdsEndpoint?: (motoEndpoint: string) => string;
}

/** Options of one run. */
export interface SimulatedRunOptions
  extends Partial<Pick<RunWorkflowOptions, 'onRdsCall' | 'onRdsResult' | 'executionName'>> {
  /** `$$.Execution.StartTime`; defaults to the input's scheduled time, as when the schedule starts the run. */
  readonly startTime?: string;
}

/** A stack's workflow and schedules running against a private moto server. */
export class SimulatedAccount {
  /** Starts moto and reads the state machine and the schedules from `template`. */
  public static async start(template: Record<string, unknown>, options: SimulatedAccountOptions = {}):
  Promise<SimulatedAccount> {
    const moto = await startMoto();
    return new SimulatedAccount(template, moto, options);
  }

  /** The state machine definition with tokens resolved. */
  public readonly definition: AslDefinition;

  /** An RDS client straight to moto, for setting up and checking, never faulted. */
  public readonly rds: RDSClient;

  /** The function's log lines of every run so far. */
  public readonly logger = new CollectingLogger();

  /** The function's embedded metric format documents of every run so far, as CloudWatch would read them. */
  public readonly metricDocuments: Array<Record<string, any>> = [];

  /** The endpoint every RDS call of a run goes to. */
  public readonly rdsEndpoint: string;

  private readonly scheduleInputs: Map<string, Record<string, unknown>>;
  private readonly handler: ReturnType<typeof createHandler>;

  private constructor(template: Record<string, unknown>, public readonly moto: MotoServer,
    options: SimulatedAccountOptions) {
    this.definition = stateMachineDefinitionFromTemplate(template);
    this.rds = rdsClient(moto.endpoint);
    this.rdsEndpoint = options.rdsEndpoint ? options.rdsEndpoint(moto.endpoint) : moto.endpoint;
    this.handler = createHandler({
      rds: rdsClient(this.rdsEndpoint, 'us-east-1', { maxAttempts: 4 }),
      logger: this.logger,
      events: new EventBridgeClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: FAKE_CREDENTIALS }),
      emitMetrics: (line) => this.metricDocuments.push(JSON.parse(line)),
    });
    this.scheduleInputs = new Map();
    const resources = (template.Resources ?? {}) as Record<string, { Type: string; Properties: any }>;
    for (const resource of Object.values(resources)) {
      if (resource.Type === 'AWS::Scheduler::Schedule') {
        const input = JSON.parse(resource.Properties.Target.Input);
        this.scheduleInputs.set(input.scheduleId, input);
      }
    }
  }

  /** The schedule ids (construct paths) of the stack's schedules. */
  public get scheduleIds(): string[] {
    return [...this.scheduleInputs.keys()];
  }

  /**
   * The input EventBridge Scheduler sends for `scheduleId` when it fires at `scheduledTime`: the template's input with
   * `<aws.scheduler.scheduled-time>` filled in, as Scheduler does.
   */
  public scheduledInput(scheduleId: string, scheduledTime: Date | string): Record<string, unknown> {
    const input = this.scheduleInputs.get(scheduleId);
    if (!input) {
      throw new Error(`The template has no schedule ${scheduleId}; it has ${this.scheduleIds.join(', ')}.`);
    }
    const time = typeof scheduledTime === 'string' ? scheduledTime : scheduledTime.toISOString().replace('.000Z', 'Z');
    return { ...input, scheduledTime: time };
  }

  /** Runs the workflow once with `input`, as `StartExecution` would. */
  public async run(input: Record<string, unknown>, options: SimulatedRunOptions = {}): Promise<WorkflowRun> {
    const startTime = options.startTime
      ?? (typeof input.scheduledTime === 'string' ? new Date(input.scheduledTime).toISOString() : undefined);
    return runWorkflow({
      definition: this.definition,
      input,
      rdsEndpoint: this.rdsEndpoint,
      lambda: (payload) => this.handler(payload as any),
      startTime,
      executionName: options.executionName,
      onRdsCall: options.onRdsCall,
      onRdsResult: options.onRdsResult,
    });
  }

  /**
   * The values of one metric for one cluster, in the order the function published them, read back from the EMF
   * documents the way CloudWatch reads them.
   */
  public metricValues(metricName: string, clusterIdentifier: string, extraDimensions: Record<string, string> = {}):
  number[] {
    const dimensions = ['service', 'ClusterIdentifier', ...Object.keys(extraDimensions)].sort().join(',');
    return this.metricDocuments
      .filter((document) => document.ClusterIdentifier === clusterIdentifier && metricName in document)
      .filter((document) => Object.entries(extraDimensions).every(([name, value]) => document[name] === value))
      .filter((document) => document._aws.CloudWatchMetrics.some((directive: any) =>
        directive.Metrics.some((metric: any) => metric.Name === metricName)
        && directive.Dimensions.some((set: string[]) => [...set].sort().join(',') === dimensions)))
      .map((document) => document[metricName]);
  }

  /** Stops moto. */
  public async stop(): Promise<void> {
    await this.moto.stop();
  }
}

/**
 * The example app's account for the tests of one `describe` block: started before them and stopped after, with moto
 * reset, the example cluster created and the collected metrics cleared before each test. Call it inside `describe`;
 * it returns a getter for the account.
 */
export function exampleAccountForTests(): () => SimulatedAccount {
  const setup = exampleSetupForTests(false);
  return () => setup().account;
}

/**
 * Like `exampleAccountForTests`, with every RDS call of the workflow and of the function going through a
 * fault-injecting proxy in front of moto, whose rules are cleared before each test.
 */
export function exampleAccountBehindProxyForTests(): () => { account: SimulatedAccount; proxy: FaultProxy } {
  const setup = exampleSetupForTests(true);
  return () => ({ account: setup().account, proxy: setup().proxy! });
}

function exampleSetupForTests(behindProxy: boolean): () => { account: SimulatedAccount; proxy?: FaultProxy } {
  let account: SimulatedAccount | undefined;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    if (behindProxy) {
      proxy = new FaultProxy();
      await proxy.start();
    }
    account = await SimulatedAccount.start(Template.fromStack(exampleApp().stack).toJSON(),
      proxy ? { rdsEndpoint: (moto) => proxy!.forwardTo(moto) } : {});
  });
  afterAll(async () => {
    await account?.stop();
    await proxy?.stop();
  });
  beforeEach(async () => {
    await resetMoto(account!.moto.endpoint);
    await createAuroraCluster(account!.rds, EXAMPLE_CLUSTER);
    account!.metricDocuments.splice(0);
    proxy?.reset();
  });
  return () => ({ account: account!, proxy });
}
