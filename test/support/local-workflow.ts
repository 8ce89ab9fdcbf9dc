/**
 * Runs a synthesized Step Functions definition locally with aws-local-stepfunctions: aws-sdk RDS tasks are carried
 * out against moto through the JavaScript SDK, the Lambda task runs the real handler in this process, and Wait states
 * and retry pauses take no real time but move a virtual clock instead.
 *
 * What the interpreter does not do, and so this harness does not either: JSONata states, `Assign` variables,
 * `.waitForTaskToken` and `.sync` tasks, Distributed Map `ItemReader`, and the `$$.State` and `$$.Task` context
 * fields.
 */
import { RDSClient } from '@aws-sdk/client-rds';
// The package is an ES module whose `require` export is a CommonJS build, which is what tests load; TypeScript,
// seeing only that the package is an ES module, would refuse the import from a CommonJS file.
// @ts-expect-error TS1479
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { rdsClient } from './aws-fixtures';
import { fromSdkV3Result, rdsCommandFor, toSdkV3Params, toStepFunctionsFailure } from './sdk-names';
import { AslDefinition, AslState, HARNESS_ACCOUNT, isAslDefinition } from './template-definition';

installPromiseWithResolvers();

/** Step Functions limits a task result, and any state's input or output, to 256 KiB of UTF-8. */
export const STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024;

/**
 * The number of state transitions after which a run is stopped as a runaway. AWS stops a Standard execution at
 * 25,000 history events, which is at most about that many transitions.
 */
export const DEFAULT_MAX_TRANSITIONS = 25_000;

/** Details of one Lambda invocation, for a stand-in that serves more than one function. */
export interface LambdaInvocation {
  /** The `FunctionName` the task passed, such as a function ARN. */
  readonly functionName: string;
  /** The name of the Task state that invoked it. */
  readonly stateName: string;
}

/** Runs in place of a Lambda function: receives the payload and returns (or throws) what the handler would. */
export type LambdaStandIn = (payload: unknown, invocation: LambdaInvocation) => Promise<unknown>;

/** The virtual clock of one run, read live: it moves as Wait states and retry pauses are entered. */
export interface VirtualClock {
  /** The seconds waited so far in this run: Wait states plus retry pauses. */
  readonly virtualSeconds: number;
}

/** What to run and how. */
export interface RunWorkflowOptions {
  /** The Amazon States Language definition, e.g. from `stateMachineDefinitionFromTemplate`. */
  readonly definition: object;
  /** The execution input. */
  readonly input: unknown;
  /** The base URL of the moto server that stands in for RDS. */
  readonly rdsEndpoint: string;
  /**
   * The region of the RDS calls.
   * @default 'us-east-1'
   */
  readonly region?: string;
  /** Runs in place of the Lambda function(s) the workflow invokes. */
  readonly lambda: LambdaStandIn;
  /**
   * `$$.Execution.Name`.
   * @default - a name made from the current time
   */
  readonly executionName?: string;
  /**
   * `$$.Execution.StartTime`, ISO-8601; the virtual clock starts here too.
   * @default - now
   */
  readonly startTime?: string;
  /**
   * `$$.StateMachine.Name`.
   * @default 'HarnessStateMachine'
   */
  readonly stateMachineName?: string;
  /**
   * Called before each RDS call with the action and the parameters as Step Functions names them. An error it throws
   * is treated as if the SDK had thrown it, which lets a test inject faults: throw an object with `name` set to an
   * error code and `$fault: 'client'` (or an instance of an `@aws-sdk/client-rds` error class) for a service error.
   */
  readonly onRdsCall?: (action: string, params: unknown) => void;
  /**
   * Called after each RDS call that succeeded, with the action, the parameters and the result as Step Functions names
   * them, and the run's virtual clock. A value it returns replaces the result; `undefined` keeps it. This lets a test
   * or a benchmark show what moto cannot, such as a snapshot that stays `creating` until a virtual time. An error it
   * throws is treated as `onRdsCall`'s are, as if the SDK had thrown it.
   */
  readonly onRdsResult?: (action: string, params: unknown, result: unknown, clock: VirtualClock) => unknown;
  /**
   * Stop the run as a runaway after this many state transitions.
   * @default DEFAULT_MAX_TRANSITIONS
   */
  readonly maxTransitions?: number;
}

/** How a run ended and what it did. */
export interface WorkflowRun {
  /** How the execution ended. */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  /** The execution output, when it succeeded. */
  readonly output?: any;
  /** The error name, when it did not succeed. */
  readonly error?: string;
  /** The error cause, when it did not succeed. */
  readonly cause?: string;
  /** State transitions as AWS bills them: every state entered, and every retry. */
  readonly transitions: number;
  /** The names of the states entered, in order, those inside Parallel and Map states included. */
  readonly statesEntered: string[];
  /**
   * The seconds the Wait states would have waited. Waits in parallel branches are added up, not overlapped.
   */
  readonly waitedSeconds: number;
  /**
   * The seconds the retry pauses would have taken (`IntervalSeconds` times `BackoffRate` to the power of the retry,
   * capped by `MaxDelaySeconds`; with full jitter, the longest possible pause).
   */
  readonly retryPauseSeconds: number;
  /** The number of RDS calls by action, failed calls included, e.g. `{ createDBClusterSnapshot: 1 }`. */
  readonly rdsCalls: Record<string, number>;
}

/** An error a task reports to the interpreter: its `name` is the Step Functions error, its message the cause. */
class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** An error no `Retry` or `Catch` may match, such as `States.DataLimitExceeded`. */
class TerminalTaskFailure extends TaskFailure {
  /** Read by the interpreter. */
  public readonly isRetryable = false;
  /** Read by the interpreter. */
  public readonly isCatchable = false;
}

/** Why the harness stopped a run before the interpreter finished it. */
interface StopReason {
  readonly status: 'FAILED' | 'TIMED_OUT';
  readonly error: string;
  readonly cause: string;
}

/** The context field that serves `$$.Execution.StartTime`, which the interpreter cannot be given a value for. */
const START_TIME_STAND_IN = 'HarnessStartTime';

type JsonValue = Parameters<StateMachine['run']>[0];
type RunOverrides = NonNullable<NonNullable<Parameters<StateMachine['run']>[1]>['overrides']>;
type ExecutionEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/**
 * Runs a state machine definition to its end and reports what it did.
 *
 * @throws Error when the definition uses a Task resource the harness cannot run, or the interpreter itself fails
 */
export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowRun> {
  if (!isAslDefinition(options.definition)) {
    throw new Error('The definition passed to runWorkflow has no `StartAt` and `States`.');
  }
  const definition = servedStartTime(structuredClone(options.definition));
  const states = statesByName(definition);
  const region = options.region ?? 'us-east-1';
  const startTime = options.startTime ?? new Date().toISOString();
  if (Number.isNaN(Date.parse(startTime))) {
    throw new Error(`The startTime ${JSON.stringify(startTime)} is not an ISO-8601 timestamp.`);
  }
  const context = contextObject(options, region, startTime);
  const rds = rdsClient(options.rdsEndpoint, region, { maxAttempts: 1 });
  const ledger = new ExecutionLedger(states, context, startTime, {
    timeoutSeconds: typeof definition.TimeoutSeconds === 'number' ? definition.TimeoutSeconds : undefined,
    maxTransitions: options.maxTransitions ?? DEFAULT_MAX_TRANSITIONS,
  });

  const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const waitOverrides: Record<string, number> = {};
  const retryOverrides: Record<string, number> = {};
  const clock: VirtualClock = { get virtualSeconds() { return ledger.virtualSeconds; } };
  for (const [name, state] of states) {
    if (state.Type === 'Task') {
      const run = taskRunner(name, state, { rds, rdsCalls: ledger.rdsCalls, clock, options });
      taskHandlers[name] = async (input) => {
        // Let the ledger read every event so far, so that nothing more happens once it has stopped the run.
        await new Promise((resolve) => setImmediate(resolve));
        if (ledger.stopReason) {
          throw new TerminalTaskFailure('Harness.Stopped', 'The harness stopped this run.');
        }
        return withinPayloadLimit(name, await run(input));
      };
    }
    if (state.Type === 'Wait') {
      waitOverrides[name] = 0;
    }
    if (Array.isArray(state.Retry)) {
      retryOverrides[name] = 0;
    }
  }

  const machine = new StateMachine(definition as ConstructorParameters<typeof StateMachine>[0]);
  const execution = machine.run(options.input as JsonValue, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers as NonNullable<RunOverrides['taskResourceLocalHandlers']>,
      waitTimeOverrides: waitOverrides,
      retryIntervalOverrides: retryOverrides,
    },
    context,
  });
  const reading = (async () => {
    for await (const event of execution.eventLogs) {
      if (ledger.record(event)) {
        execution.abort();
      }
    }
  })();

  let ending: Pick<WorkflowRun, 'status' | 'output' | 'error' | 'cause'>;
  try {
    const output: unknown = await execution.result;
    ending = { status: 'SUCCEEDED', output };
  } catch (error) {
    ending = ledger.stopReason ?? failureOf(error);
  } finally {
    await reading;
    rds.destroy();
  }

  return { ...(ledger.stopReason ?? ending), ...ledger.summary() };
}

/** The context object: what `$$.Execution` and `$$.StateMachine` read. */
function contextObject(options: RunWorkflowOptions, region: string, startTime: string): Record<string, unknown> {
  const stateMachineName = options.stateMachineName ?? 'HarnessStateMachine';
  const executionName = options.executionName ?? `harness-${startTime.replace(/[^0-9A-Za-z]/g, '')}`;
  const arnPrefix = `arn:aws:states:${region}:${HARNESS_ACCOUNT}`;
  return {
    Execution: {
      Id: `${arnPrefix}:execution:${stateMachineName}:${executionName}`,
      Name: executionName,
      StartTime: startTime,
      [START_TIME_STAND_IN]: startTime,
      Input: structuredClone(options.input) as JsonValue,
      RoleArn: `arn:aws:iam::${HARNESS_ACCOUNT}:role/HarnessStateMachineRole`,
    },
    StateMachine: { Id: `${arnPrefix}:stateMachine:${stateMachineName}`, Name: stateMachineName },
  };
}

/** How an execution the interpreter ended on its own ended, from what `result` rejected with. */
function failureOf(error: unknown): Pick<WorkflowRun, 'status' | 'error' | 'cause'> {
  if (error instanceof ExecutionError) {
    const failure = error.cause as Error;
    return { status: 'FAILED', error: failure.name, cause: failure.message };
  }
  if (error instanceof ExecutionTimeoutError) {
    return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution ran longer than its TimeoutSeconds.' };
  }
  if (error instanceof ExecutionAbortedError) {
    throw new Error('The execution was aborted without the harness stopping it.');
  }
  throw error;
}

/**
 * Reads the interpreter's events in order and keeps the books of a run: transitions, states entered, the virtual
 * clock and RDS calls. It decides when AWS would have stopped the run (a timeout on the virtual clock, a Wait that
 * cannot be evaluated, a runaway loop) and ignores whatever the interpreter does after that point.
 */
class ExecutionLedger {
  /** RDS calls by action, counted by the task runners. */
  public readonly rdsCalls: Record<string, number> = {};
  /** Why the run was stopped, once it has been. */
  public stopReason: StopReason | undefined;
  private readonly statesEntered: string[] = [];
  private transitions = 0;
  private waitedSeconds = 0;
  private retryPauseSeconds = 0;
  private readonly startMillis: number;

  constructor(
    private readonly states: ReadonlyMap<string, AslState>,
    private readonly context: object,
    startTime: string,
    private readonly limits: { readonly timeoutSeconds?: number; readonly maxTransitions: number },
  ) {
    this.startMillis = Date.parse(startTime);
  }

  /**
   * Books one event.
   *
   * @returns whether the run must be stopped now
   */
  public record(event: ExecutionEvent): boolean {
    if (this.stopReason) {
      // The interpreter may run a few more states before it sees the abort; AWS would not have run them.
      return false;
    }
    if (event.type === 'StateEntered') {
      this.transitions++;
      this.statesEntered.push(event.state.name);
      const state = this.states.get(event.state.name);
      if (state?.Type === 'Wait') {
        const now = this.startMillis + (this.waitedSeconds + this.retryPauseSeconds) * 1000;
        try {
          this.waitedSeconds += waitSeconds(event.state.name, state, event.state.input, this.context, now);
        } catch (error) {
          return this.stop({ status: 'FAILED', error: 'States.Runtime', cause: (error as Error).message });
        }
      }
    } else if (event.type === 'StateRetried') {
      this.transitions++;
      this.retryPauseSeconds += retryPause(event.retry.retrier, event.retry.attempt);
    } else {
      return false;
    }

    const { timeoutSeconds, maxTransitions } = this.limits;
    if (timeoutSeconds !== undefined && this.waitedSeconds + this.retryPauseSeconds > timeoutSeconds) {
      return this.stop({
        status: 'TIMED_OUT',
        error: 'States.Timeout',
        cause: `The execution ran longer than its TimeoutSeconds of ${timeoutSeconds} on the virtual clock.`,
      });
    }
    if (this.transitions > maxTransitions) {
      return this.stop({
        status: 'FAILED',
        error: 'Harness.TransitionLimitExceeded',
        cause: `The execution made more than ${maxTransitions} state transitions; it looks like a runaway loop.`,
      });
    }
    return false;
  }

  /** The seconds waited so far: Wait states plus retry pauses. */
  public get virtualSeconds(): number {
    return this.waitedSeconds + this.retryPauseSeconds;
  }

  /** The books, for the run report. */
  public summary(): Omit<WorkflowRun, 'status' | 'output' | 'error' | 'cause'> {
    return {
      transitions: this.transitions,
      statesEntered: [...this.statesEntered],
      waitedSeconds: this.waitedSeconds,
      retryPauseSeconds: this.retryPauseSeconds,
      rdsCalls: { ...this.rdsCalls },
    };
  }

  private stop(reason: StopReason): true {
    this.stopReason = reason;
    return true;
  }
}

interface TaskRunnerScope {
  readonly rds: RDSClient;
  readonly rdsCalls: Record<string, number>;
  readonly clock: VirtualClock;
  readonly options: RunWorkflowOptions;
}

/** Chooses how to carry out a Task state from its `Resource`. */
function taskRunner(stateName: string, state: AslState, scope: TaskRunnerScope): (input: unknown) => Promise<unknown> {
  const resource = typeof state.Resource === 'string' ? state.Resource : '';
  const rdsAction = /^arn:[a-z-]+:states:::aws-sdk:rds:([A-Za-z0-9]+)$/.exec(resource)?.[1];
  if (rdsAction) {
    const command = rdsCommandFor(rdsAction);
    return async (params) => {
      scope.rdsCalls[rdsAction] = (scope.rdsCalls[rdsAction] ?? 0) + 1;
      try {
        scope.options.onRdsCall?.(rdsAction, structuredClone(params));
        const output = await scope.rds.send(new command(toSdkV3Params(params) as Record<string, unknown>));
        const result = fromSdkV3Result(output);
        if (!scope.options.onRdsResult) {
          return result;
        }
        const replaced = scope.options.onRdsResult(rdsAction, structuredClone(params), structuredClone(result),
          scope.clock);
        return replaced === undefined ? result : replaced;
      } catch (error) {
        const failure = toStepFunctionsFailure(error);
        throw new TaskFailure(failure.error, failure.cause);
      }
    };
  }

  if (/^arn:[a-z-]+:states:::lambda:invoke$/.test(resource)) {
    return async (parameters) => {
      const { FunctionName: functionName, Payload: payload } = (parameters ?? {}) as Record<string, unknown>;
      const invocation = { functionName: String(functionName), stateName };
      const result = await invokeLambda(scope.options.lambda, payload, invocation);
      // What the optimized lambda:invoke integration returns; the interpreter does not add this wrapper itself.
      return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
    };
  }

  const functionArn = /^arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:function:[^:]+(:[^:]+)?$/.exec(resource)?.[0];
  if (functionArn) {
    return async (input) => invokeLambda(scope.options.lambda, input, { functionName: functionArn, stateName });
  }

  throw new Error(
    `The Task state ${stateName} uses the resource ${JSON.stringify(state.Resource)}, which the harness cannot run; `
    + 'it runs `arn:aws:states:::aws-sdk:rds:<action>`, `arn:aws:states:::lambda:invoke` and Lambda function ARNs.',
  );
}

/**
 * Calls the Lambda stand-in with a JSON copy of the payload and returns a JSON copy of its result, as the real
 * invocation would serialize both. A thrown error becomes what AWS reports for a function error: the error's name as
 * the Step Functions error, and `{"errorType", "errorMessage"}` as the cause.
 */
async function invokeLambda(lambda: LambdaStandIn, payload: unknown, invocation: LambdaInvocation): Promise<unknown> {
  let result: unknown;
  try {
    result = await lambda(jsonCopy(payload ?? null), invocation);
  } catch (error) {
    const errorType = error instanceof Error ? error.name : 'Error';
    const errorMessage = error instanceof Error ? error.message : String(error);
    throw new TaskFailure(errorType, JSON.stringify({ errorType, errorMessage }));
  }
  return jsonCopy(result ?? null);
}

function withinPayloadLimit(stateName: string, result: unknown): unknown {
  const bytes = Buffer.byteLength(JSON.stringify(result ?? null), 'utf8');
  if (bytes > STATE_PAYLOAD_LIMIT_BYTES) {
    throw new TerminalTaskFailure(
      'States.DataLimitExceeded',
      `The result of state ${stateName} is ${bytes} bytes, `
      + `more than the ${STATE_PAYLOAD_LIMIT_BYTES} Step Functions allows.`,
    );
  }
  return result;
}

function jsonCopy(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** The seconds a Wait state would wait, given its raw input and the virtual time it was entered at. */
function waitSeconds(name: string, state: AslState, rawInput: unknown, context: object, nowMillis: number): number {
  const input = typeof state.InputPath === 'string'
    ? evaluatePath(state.InputPath, rawInput, context)
    : state.InputPath === null ? {} : rawInput;

  if (typeof state.Seconds === 'number') {
    return state.Seconds;
  }
  if (typeof state.SecondsPath === 'string') {
    const seconds = evaluatePath(state.SecondsPath, input, context);
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      throw new Error(
        `The SecondsPath ${state.SecondsPath} of Wait state ${name} gave ${JSON.stringify(seconds)}, `
        + 'not a whole number of seconds of at least 0.',
      );
    }
    return seconds;
  }
  const timestamp = typeof state.Timestamp === 'string'
    ? state.Timestamp
    : typeof state.TimestampPath === 'string' ? evaluatePath(state.TimestampPath, input, context) : undefined;
  const until = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(until)) {
    throw new Error(
      `The Wait state ${name} has no Seconds or Timestamp the harness can read (got ${JSON.stringify(timestamp)}).`,
    );
  }
  return Math.max(0, (until - nowMillis) / 1000);
}

/** The pause before retry number `attempt` (counting from 1), as Step Functions computes it. */
function retryPause(retrier: { IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number },
  attempt: number): number {
  const pause = (retrier.IntervalSeconds ?? 1) * Math.pow(retrier.BackoffRate ?? 2, attempt - 1);
  return retrier.MaxDelaySeconds === undefined ? pause : Math.min(pause, retrier.MaxDelaySeconds);
}

/**
 * Reads a simple JSONPath (`$`, `$.a.b`, `$['a']`, `$.list[0]`, and `$$.` for the context object). These are the
 * paths Wait states and `InputPath` use in practice; anything else is reported rather than guessed at.
 */
export function evaluatePath(pathExpression: string, input: unknown, context: unknown): unknown {
  const fromContext = pathExpression.startsWith('$$');
  let rest = pathExpression.slice(fromContext ? 2 : 1);
  if (!pathExpression.startsWith('$')) {
    throw new Error(`The path ${pathExpression} does not start with $.`);
  }

  let value: unknown = fromContext ? context : input;
  while (rest !== '') {
    const step = /^\.([A-Za-z0-9_-]+)|^\['([^']*)'\]|^\["([^"]*)"\]|^\[([0-9]+)\]/.exec(rest);
    if (!step) {
      throw new Error(`The harness reads only simple paths such as $.a.b or $.list[0], not ${pathExpression}.`);
    }
    const key = step[1] ?? step[2] ?? step[3] ?? Number(step[4]);
    value = typeof value === 'object' && value !== null ? (value as Record<string | number, unknown>)[key] : undefined;
    rest = rest.slice(step[0].length);
  }
  return value;
}

/**
 * Every state of the definition by name, those inside Parallel branches and Map iterators included. Step Functions
 * requires state names to be unique across the whole state machine, and so does the harness, whose overrides are
 * keyed by name.
 */
function statesByName(definition: AslDefinition): Map<string, AslState> {
  const states = new Map<string, AslState>();
  const visit = (machine: AslDefinition): void => {
    for (const [name, state] of Object.entries(machine.States)) {
      if (states.has(name)) {
        throw new Error(`The state name ${name} is used twice; Step Functions requires unique state names.`);
      }
      states.set(name, state);
      const nested = [
        ...(Array.isArray(state.Branches) ? state.Branches : []),
        state.Iterator,
        state.ItemProcessor,
      ];
      for (const machineInside of nested) {
        if (isAslDefinition(machineInside)) {
          visit(machineInside);
        }
      }
    }
  };
  visit(definition);
  return states;
}

/**
 * The interpreter always sets `$$.Execution.StartTime` to the real time, whatever context it is given, so the harness
 * points every path that reads it at a context field the interpreter leaves alone. Only paths are rewritten: `.$`
 * fields of payload templates (intrinsic functions included), `InputPath`/`OutputPath`/`...Path` fields and Choice
 * `Variable`s; literal values, `Result` among them, are left as they are.
 */
function servedStartTime(definition: AslDefinition): AslDefinition {
  const pattern = /\$\$\.Execution\.StartTime(?![A-Za-z0-9_])/g;
  const replacement = `$$$$.Execution.${START_TIME_STAND_IN}`;
  const rewrite = (value: unknown, inPayloadTemplate: boolean): unknown => {
    if (Array.isArray(value)) {
      return value.map((item) => rewrite(item, inPayloadTemplate));
    }
    if (typeof value !== 'object' || value === null) {
      return value;
    }
    const rewritten: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      const isPath = key.endsWith('.$') || (!inPayloadTemplate && (key.endsWith('Path') || key === 'Variable'));
      if (isPath && typeof member === 'string') {
        rewritten[key] = member.replace(pattern, replacement);
      } else if (!inPayloadTemplate && key === 'Result') {
        rewritten[key] = member;
      } else {
        const template = inPayloadTemplate || ['Parameters', 'ResultSelector', 'ItemSelector'].includes(key);
        rewritten[key] = rewrite(member, template);
      }
    }
    return rewritten;
  };
  return rewrite(definition, false) as AslDefinition;
}

/** aws-local-stepfunctions 3 uses `Promise.withResolvers`, which Node.js has only from version 22. */
function installPromiseWithResolvers(): void {
  const promiseConstructor = Promise as unknown as { withResolvers?: unknown };
  if (typeof promiseConstructor.withResolvers === 'function') {
    return;
  }
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((onResolve, onReject) => {
        resolve = onResolve;
        reject = onReject;
      });
      return { promise, resolve, reject };
    },
  });
}
