/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of moto's RDS endpoint.
 *
 * moto answers every RDS call at once and correctly: snapshots are `available` the moment they are made, nothing is
 * ever throttled, and `DescribeDBClusterSnapshots` ignores `MaxRecords` and `Marker`. The proxy reads each RDS Query
 * request (a form-encoded body such as `Action=CreateDBClusterSnapshot&DBClusterIdentifier=orders-db`) and, by rules
 * a test chooses, answers with an error shaped as RDS shapes it, delays the answer, forwards the request and then
 * loses the answer, or rewrites the status of a snapshot in describe answers. It also pages
 * `DescribeDBClusterSnapshots` as RDS does, and records every call for assertions.
 *
 * Both the workflow's aws-sdk tasks and the function's SDK calls go through it when a `SimulatedAccount` is started
 * with `rdsEndpoint: (moto) => proxy.forwardTo(moto)`.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusterSnapshots.html
 */
import {
  createServer, request as forwardRequest, type IncomingHttpHeaders, type IncomingMessage, type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** The parameters of one RDS Query request, flat as they are sent: `Tags.Tag.1.Key`, `MaxRecords`... */
export type QueryParams = Readonly<Record<string, string>>;

/** An RDS error answer: the Query protocol's `<ErrorResponse>` with its HTTP status. */
export interface ErrorFault {
  readonly kind: 'error';
  /** The Query error code, e.g. `Throttling`, `SnapshotQuotaExceeded`, `InvalidDBClusterStateFault`. */
  readonly code: string;
  /** The HTTP status RDS sends with this code. */
  readonly status: number;
  /** The message, or a function of the request's parameters that writes it. */
  readonly message: string | ((params: QueryParams) => string);
  /** `Sender` for the caller's fault, `Receiver` for the service's own. */
  readonly type: 'Sender' | 'Receiver';
}

/** Holds the call this many milliseconds, then forwards it as usual. */
export interface DelayFault {
  readonly kind: 'delay';
  readonly milliseconds: number;
}

/** Forwards the call to moto, so that it takes effect, then closes the connection without an answer. */
export interface DropResponseFault {
  readonly kind: 'drop-response';
}

/** Closes the connection without forwarding the call, so that it never takes effect. */
export interface DropRequestFault {
  readonly kind: 'drop-request';
}

/** Forwards the call and rewrites the `<Status>` of matching snapshots in the answer. */
export interface SnapshotStatusFault {
  readonly kind: 'snapshot-status';
  /** The status to report, e.g. `creating` or `failed`. */
  readonly status: string;
  /**
   * Only this snapshot's status is rewritten.
   * @default - every snapshot in the answer
   */
  readonly snapshotIdentifier?: string;
}

/** Something the proxy can do to one call. */
export type Fault = ErrorFault | DelayFault | DropResponseFault | DropRequestFault | SnapshotStatusFault;

/** The HTTP status of RDS's `InvalidParameterValue`, used for paging parameters it refuses. */
const INVALID_PARAMETER_STATUS = 400;

/** An RDS Query error answer. */
function errorFault(code: string, status: number, message: ErrorFault['message'],
  type: 'Sender' | 'Receiver' = 'Sender'): ErrorFault {
  return { kind: 'error', code, status, type, message };
}

/** Builders of the faults RDS produces in the field. */
export const Faults = {
  /** `Throttling` (400): the account's request rate is exceeded. */
  throttling(): ErrorFault {
    return errorFault('Throttling', 400, 'Rate exceeded');
  },

  /** `InternalFailure` (500): RDS failed on its side; the caller may try again. */
  internalFailure(): ErrorFault {
    return errorFault('InternalFailure', 500,
      'RDS could not process the request because of an error on its side; try again.', 'Receiver');
  },

  /**
   * `InvalidDBClusterStateFault` (400): the cluster is in a state that does not allow the call, named in the message.
   *
   * @param state the cluster state the message names, e.g. `modifying`, `backing-up`, `upgrading`
   */
  clusterBusy(state = 'modifying'): ErrorFault {
    return errorFault('InvalidDBClusterStateFault', 400, (params) =>
      `DB cluster ${params.DBClusterIdentifier ?? 'unknown'} is in the ${state} state, not available.`);
  },

  /** `SnapshotQuotaExceeded` (400), the code of the SDK's `SnapshotQuotaExceededFault`: too many manual snapshots. */
  quotaExceeded(): ErrorFault {
    return errorFault('SnapshotQuotaExceeded', 400, 'Cannot create the DB cluster snapshot: the request would '
      + 'exceed the quota of manual DB cluster snapshots in this region.');
  },

  /** `DBClusterSnapshotNotFoundFault` (404): the snapshot named in the call does not exist. */
  snapshotNotFound(): ErrorFault {
    return errorFault('DBClusterSnapshotNotFoundFault', 404, (params) =>
      `DB cluster snapshot ${params.DBClusterSnapshotIdentifier ?? 'unknown'} was not found.`);
  },

  /**
   * `InvalidDBClusterSnapshotStateFault` (400): the snapshot is in a state that does not allow the call.
   *
   * @param state the snapshot state the message names
   */
  invalidSnapshotState(state = 'copying'): ErrorFault {
    return errorFault('InvalidDBClusterSnapshotStateFault', 400, (params) =>
      `DB cluster snapshot ${params.DBClusterSnapshotIdentifier ?? 'unknown'} is in the ${state} state, which does `
      + 'not allow this operation.');
  },

  /** Any other RDS error, as RDS would answer it. */
  error(code: string, status: number, message: string, type: 'Sender' | 'Receiver' = 'Sender'): ErrorFault {
    return errorFault(code, status, message, type);
  },

  /** Holds the call `milliseconds` before forwarding it. */
  delay(milliseconds: number): DelayFault {
    return { kind: 'delay', milliseconds };
  },

  /** Lets the call take effect in moto and loses the answer. */
  dropResponse(): DropResponseFault {
    return { kind: 'drop-response' };
  },

  /** Loses the call before it reaches moto. */
  dropRequest(): DropRequestFault {
    return { kind: 'drop-request' };
  },

  /**
   * Reports `status` for a snapshot (or for every snapshot) in describe answers.
   *
   * @param status e.g. `creating` to keep a snapshot from becoming available, `failed` to make it fail
   * @param snapshotIdentifier the snapshot to rewrite; every snapshot in the answer when omitted
   */
  snapshotStatus(status: string, snapshotIdentifier?: string): SnapshotStatusFault {
    return { kind: 'snapshot-status', status, snapshotIdentifier };
  },
} as const;

/**
 * Which of the calls a rule matches it applies to, counting from 1: `'every'`, the first N, or calls `from` to `to`
 * (both included; without `to`, every call from `from` on).
 */
export type CallWindow = 'every' | { readonly first: number } | { readonly from: number; readonly to?: number };

/** One fault, applied to the calls it matches. */
export interface FaultRule {
  /** Query action names (`CreateDBClusterSnapshot`), or `'*'` for every action. */
  readonly action: string | readonly string[];
  /**
   * Matches only calls whose parameters pass this test.
   * @default - every call of the action
   */
  readonly when?: (params: QueryParams) => boolean;
  /**
   * Which of the matching calls get the fault.
   * @default 'every'
   */
  readonly calls?: CallWindow;
  /** What to do to those calls. */
  readonly fault: Fault;
}

/** A fault that random mode may pick, with its weight and the calls it fits. */
export interface WeightedFault {
  readonly fault: Fault;
  /**
   * How likely this fault is against the others that fit a call.
   * @default 1
   */
  readonly weight?: number;
  /**
   * The actions it fits.
   * @default - every action random mode covers
   */
  readonly actions?: readonly string[];
  /**
   * Fits only calls whose parameters pass this test.
   * @default - every call of its actions
   */
  readonly when?: (params: QueryParams) => boolean;
}

/** Faults injected at random, reproducibly, for soak runs. */
export interface RandomFaults {
  /** Seed of the generator: the same seed and the same calls give the same faults. */
  readonly seed: number;
  /** The chance, from 0 to 1, that a call gets a fault. */
  readonly probability: number;
  /** The faults to pick from, by weight among those that fit the call. */
  readonly faults: ReadonlyArray<Fault | WeightedFault>;
  /**
   * The actions random faults may hit.
   * @default - every action
   */
  readonly actions?: readonly string[];
}

/** One RDS call the proxy saw. */
export interface RecordedCall {
  /** 1 for the first call the proxy saw since it started or was reset. */
  readonly sequence: number;
  /** The Query action, e.g. `DescribeDBClusterSnapshots`. */
  readonly action: string;
  /** The request's parameters as the caller sent them, `Action` and `Version` included. */
  readonly params: QueryParams;
  /** The fault applied, e.g. `Throttling`, `delay 200 ms`, `drop-response`, `status creating`; absent when none. */
  readonly fault?: string;
  /** Whether the fault came from a rule or from random mode. */
  readonly faultSource?: 'rule' | 'random';
  /** The HTTP status sent back; absent when the connection was closed without an answer. */
  status?: number;
  /** For a paged `DescribeDBClusterSnapshots`: the snapshots in this page, and whether a marker was returned. */
  page?: { readonly snapshots: number; readonly more: boolean };
}

/** How to start a proxy. */
export interface FaultProxyOptions {
  /**
   * moto's base URL; may also be set later with `forwardTo`.
   * @default - none: calls fail until `forwardTo` is called
   */
  readonly target?: string;
  /**
   * Page `DescribeDBClusterSnapshots` by `MaxRecords` (20 to 100, 100 when absent) and `Marker`, as RDS does.
   * @default true
   */
  readonly paging?: boolean;
}

/** RDS's bounds for `MaxRecords` of describe calls, and its default. */
const MIN_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

const RDS_XML_NAMESPACE = 'http://rds.amazonaws.com/doc/2014-10-31/';

/** Moduli and multipliers of L'Ecuyer's combined generator (Communications of the ACM 31(6), 1988). */
const FIRST_MODULUS = 2147483563;
const FIRST_MULTIPLIER = 40014;
const SECOND_MODULUS = 2147483399;
const SECOND_MULTIPLIER = 40692;

/**
 * A deterministic pseudo-random generator: L'Ecuyer's combination of two multiplicative congruential generators,
 * in plain arithmetic (every product stays below 2^53, so it is exact). Small, fast, and the same numbers for the
 * same seed on every machine. Not for anything but tests.
 */
export class SeededRandom {
  private first: number;
  private second: number;

  /** @param seed any whole number */
  constructor(seed: number) {
    const whole = Math.abs(Math.trunc(seed));
    this.first = (whole % (FIRST_MODULUS - 1)) + 1;
    this.second = ((whole * 7919 + 104729) % (SECOND_MODULUS - 1)) + 1;
    for (let warmUp = 0; warmUp < 8; warmUp++) {
      this.next();
    }
  }

  /** The next number, from 0 (included) to 1 (excluded). */
  public next(): number {
    this.first = (this.first * FIRST_MULTIPLIER) % FIRST_MODULUS;
    this.second = (this.second * SECOND_MULTIPLIER) % SECOND_MODULUS;
    let combined = this.first - this.second;
    if (combined < 1) {
      combined += FIRST_MODULUS - 1;
    }
    return (combined - 1) / (FIRST_MODULUS - 1);
  }

  /** A whole number from `min` to `max`, both included. */
  public integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

interface ActiveRule {
  readonly rule: FaultRule;
  matched: number;
}

interface ActiveRandomFaults {
  readonly config: RandomFaults;
  readonly random: SeededRandom;
}

/** What moto answered. */
interface ForwardedAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * The proxy. Start it, point it at moto, add rules, and read `calls` afterwards.
 *
 * @example
 * const proxy = new FaultProxy();
 * await proxy.start();
 * const account = await SimulatedAccount.start(template, { rdsEndpoint: (moto) => proxy.forwardTo(moto) });
 * proxy.addRule({ action: 'CreateDBClusterSnapshot', calls: { first: 2 }, fault: Faults.clusterBusy() });
 */
export class FaultProxy {
  /** Every RDS call seen since the proxy started or was last reset, in arrival order. */
  public readonly calls: RecordedCall[] = [];

  private readonly paging: boolean;
  private target: URL | undefined;
  private server: Server | undefined;
  private rules: ActiveRule[] = [];
  private randomFaults: ActiveRandomFaults | undefined;
  private pages = 0;
  private faults = 0;
  private requestCount = 0;

  constructor(options: FaultProxyOptions = {}) {
    this.paging = options.paging ?? true;
    if (options.target) {
      this.forwardTo(options.target);
    }
  }

  /** The proxy's base URL, for an RDS client's `endpoint`. */
  public get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) {
      throw new Error('The fault proxy has no endpoint until start() has resolved.');
    }
    return `http://127.0.0.1:${address.port}`;
  }

  /** The number of faults applied so far, from rules and random mode. */
  public get faultsInjected(): number {
    return this.faults;
  }

  /** The number of `DescribeDBClusterSnapshots` answers the proxy cut into pages. */
  public get pagesServed(): number {
    return this.pages;
  }

  /** Listens on a free port of 127.0.0.1 and resolves to the proxy's endpoint. */
  public async start(): Promise<string> {
    if (this.server) {
      return this.endpoint;
    }
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        if (!response.headersSent) {
          response.writeHead(502, { 'content-type': 'text/plain' });
        }
        response.end(`The fault proxy could not forward the request: ${error.message}`);
      });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this.endpoint;
  }

  /**
   * Sets the endpoint calls are forwarded to and returns the proxy's own, which fits `SimulatedAccount`'s
   * `rdsEndpoint` option: `rdsEndpoint: (moto) => proxy.forwardTo(moto)`.
   */
  public forwardTo(target: string): string {
    const url = new URL(target);
    if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
      throw new Error(`The fault proxy forwards only to this machine, got ${target}.`);
    }
    this.target = url;
    return this.server ? this.endpoint : target;
  }

  /** Adds a rule; rules are tried in the order added, and the first whose window holds the call applies. */
  public addRule(rule: FaultRule): this {
    this.rules.push({ rule, matched: 0 });
    return this;
  }

  /** Turns random mode on with a fresh generator, or off with `undefined`. Rules go first when both match. */
  public setRandomFaults(config: RandomFaults | undefined): this {
    if (config && !(config.probability >= 0 && config.probability <= 1)) {
      throw new Error(`The probability of random faults must be from 0 to 1, got ${config.probability}.`);
    }
    this.randomFaults = config ? { config, random: new SeededRandom(config.seed) } : undefined;
    return this;
  }

  /** Removes every rule and turns random mode off; the record of calls stays. */
  public clearFaults(): this {
    this.rules = [];
    this.randomFaults = undefined;
    return this;
  }

  /** Removes every rule, turns random mode off, and forgets every call, page and fault counted so far. */
  public reset(): this {
    this.clearFaults();
    this.calls.length = 0;
    this.pages = 0;
    this.faults = 0;
    this.requestCount = 0;
    return this;
  }

  /** The calls of one action, in order. */
  public callsTo(action: string): RecordedCall[] {
    return this.calls.filter((call) => call.action === action);
  }

  /** Stops listening and closes every open connection. */
  public async stop(): Promise<void> {
    const server = this.server;
    if (!server) {
      return;
    }
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const params = parseQueryRequest(request, body);
    if (params === undefined) {
      // Not an RDS call (moto's own API, say): passed through untouched and unrecorded.
      this.reply(response, await this.forward(request, body));
      return;
    }

    const action = params.Action;
    const chosen = this.chooseFault(action, params);
    const call: RecordedCall = {
      sequence: ++this.requestCount,
      action,
      params,
      ...(chosen ? { fault: describeFault(chosen.fault), faultSource: chosen.source } : {}),
    };
    this.calls.push(call);
    if (chosen) {
      this.faults++;
    }
    const fault = chosen?.fault;

    switch (fault?.kind) {
      case 'error':
        this.reply(response, errorAnswer(fault.code, fault.status, fault.type, messageOf(fault, params)), call);
        return;
      case 'drop-request':
        request.socket.destroy();
        return;
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.milliseconds));
        break;
      default:
        break;
    }

    const isSnapshotList = action === 'DescribeDBClusterSnapshots';
    const paging = isSnapshotList && this.paging ? pagingOf(params) : undefined;
    if (paging && 'refused' in paging) {
      this.reply(response, errorAnswer('InvalidParameterValue', INVALID_PARAMETER_STATUS, 'Sender', paging.refused),
        call);
      return;
    }

    const forwardedBody = paging ? Buffer.from(withoutParams(body, ['MaxRecords', 'Marker'])) : body;
    let answer = await this.forward(request, forwardedBody);

    if (fault?.kind === 'drop-response') {
      request.socket.destroy();
      return;
    }
    if (answer.status === 200 && isSnapshotList && (paging || fault?.kind === 'snapshot-status')) {
      let xml = answer.body.toString('utf8');
      if (fault?.kind === 'snapshot-status') {
        xml = rewriteSnapshotStatus(xml, fault);
      }
      if (paging) {
        const cut = cutPage(xml, paging.offset, paging.pageSize);
        xml = cut.xml;
        call.page = { snapshots: cut.snapshots, more: cut.more };
        this.pages++;
      }
      answer = { ...answer, body: Buffer.from(xml, 'utf8') };
    }
    this.reply(response, answer, call);
  }

  /** The fault for a call: the first rule whose window holds it, else maybe a random one. */
  private chooseFault(action: string, params: QueryParams): { fault: Fault; source: 'rule' | 'random' } | undefined {
    let chosen: Fault | undefined;
    for (const active of this.rules) {
      const { rule } = active;
      const actions = typeof rule.action === 'string' ? [rule.action] : rule.action;
      if (!actions.includes('*') && !actions.includes(action)) {
        continue;
      }
      if (rule.when && !rule.when(params)) {
        continue;
      }
      active.matched++;
      if (chosen === undefined && inWindow(rule.calls ?? 'every', active.matched)) {
        chosen = rule.fault;
      }
    }
    if (chosen) {
      return { fault: chosen, source: 'rule' };
    }

    const random = this.randomFaults;
    if (!random || (random.config.actions && !random.config.actions.includes(action))) {
      return undefined;
    }
    // One draw per covered call, whether or not it gets a fault, so that the sequence depends only on the calls.
    const draw = random.random.next();
    const pick = random.random.next();
    if (draw >= random.config.probability) {
      return undefined;
    }
    const fitting = random.config.faults
      .map((entry): WeightedFault => ('kind' in entry ? { fault: entry } : entry))
      .filter((entry) => (entry.actions === undefined || entry.actions.includes(action))
        && (entry.when === undefined || entry.when(params)));
    const total = fitting.reduce((sum, entry) => sum + (entry.weight ?? 1), 0);
    let remaining = pick * total;
    for (const entry of fitting) {
      remaining -= entry.weight ?? 1;
      if (remaining < 0) {
        return { fault: entry.fault, source: 'random' };
      }
    }
    return undefined;
  }

  private forward(request: IncomingMessage, body: Buffer): Promise<ForwardedAnswer> {
    const target = this.target;
    if (!target) {
      return Promise.reject(new Error('no target is set; call forwardTo(motoEndpoint) first'));
    }
    const headers: Record<string, string | string[] | undefined> = { ...request.headers };
    headers['content-length'] = String(body.length);
    delete headers['transfer-encoding'];
    delete headers.connection;
    return new Promise((resolve, reject) => {
      const outgoing = forwardRequest({
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers,
      }, (incoming) => {
        readBody(incoming).then((answer) => resolve({
          status: incoming.statusCode ?? 502,
          headers: incoming.headers,
          body: answer,
        }), reject);
      });
      outgoing.once('error', reject);
      outgoing.end(body);
    });
  }

  private reply(response: ServerResponse, answer: ForwardedAnswer, call?: RecordedCall): void {
    if (call) {
      call.status = answer.status;
    }
    const headers: Record<string, string | string[] | number> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(name)) {
        headers[name] = value;
      }
    }
    headers['content-length'] = answer.body.length;
    response.writeHead(answer.status, headers);
    response.end(answer.body);
  }
}

/** The parameters of an RDS Query request, or `undefined` when it is not one. */
function parseQueryRequest(request: IncomingMessage, body: Buffer): QueryParams | undefined {
  const query = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams;
  const form = new URLSearchParams(request.method === 'POST' ? body.toString('utf8') : '');
  const params: Record<string, string> = {};
  for (const source of [query, form]) {
    for (const [key, value] of source) {
      params[key] = value;
    }
  }
  return typeof params.Action === 'string' && params.Action.length > 0 ? params : undefined;
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function inWindow(window: CallWindow, callNumber: number): boolean {
  if (window === 'every') {
    return true;
  }
  if ('first' in window) {
    return callNumber <= window.first;
  }
  return callNumber >= window.from && (window.to === undefined || callNumber <= window.to);
}

function messageOf(fault: ErrorFault, params: QueryParams): string {
  return typeof fault.message === 'function' ? fault.message(params) : fault.message;
}

function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'error':
      return fault.code;
    case 'delay':
      return `delay ${fault.milliseconds} ms`;
    case 'snapshot-status':
      return `status ${fault.status}`;
    default:
      return fault.kind;
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

let requestIdCounter = 0;

/** A request id of the shape RDS uses (a UUID), unique within this process. */
function requestId(): string {
  const hex = (++requestIdCounter).toString(16).padStart(12, '0');
  return `fa017000-0000-4000-8000-${hex}`;
}

/** An answer with RDS's Query error body. */
function errorAnswer(code: string, status: number, type: 'Sender' | 'Receiver', message: string): ForwardedAnswer {
  const id = requestId();
  const xml = `<ErrorResponse xmlns="${RDS_XML_NAMESPACE}"><Error><Type>${type}</Type>`
    + `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>`
    + `<RequestId>${id}</RequestId></ErrorResponse>`;
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id },
    body: Buffer.from(xml, 'utf8'),
  };
}

/** The page a `DescribeDBClusterSnapshots` call asks for, or why RDS would refuse it. */
function pagingOf(params: QueryParams): { offset: number; pageSize: number } | { refused: string } {
  let pageSize = MAX_PAGE_SIZE;
  if (params.MaxRecords !== undefined) {
    pageSize = Number(params.MaxRecords);
    if (!Number.isInteger(pageSize) || pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE) {
      return {
        refused: `MaxRecords must be a whole number from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE}, `
          + `got ${params.MaxRecords}.`,
      };
    }
  }
  let offset = 0;
  if (params.Marker !== undefined && params.Marker !== '') {
    const decoded = /^fault-proxy-page-([0-9]+)$/.exec(Buffer.from(params.Marker, 'base64url').toString('utf8'));
    if (!decoded) {
      return { refused: `The marker ${params.Marker} is not one this service returned.` };
    }
    offset = Number(decoded[1]);
  }
  return { offset, pageSize };
}

function markerFor(offset: number): string {
  return Buffer.from(`fault-proxy-page-${offset}`, 'utf8').toString('base64url');
}

/** The form body without the named parameters. */
function withoutParams(body: Buffer, names: readonly string[]): string {
  const form = new URLSearchParams(body.toString('utf8'));
  for (const name of names) {
    form.delete(name);
  }
  return form.toString();
}

const SNAPSHOT_MEMBER = /<DBClusterSnapshot>[\s\S]*?<\/DBClusterSnapshot>/g;
const SNAPSHOT_LIST = /<DBClusterSnapshots>([\s\S]*?)<\/DBClusterSnapshots>|<DBClusterSnapshots\/>/;

/** Keeps `pageSize` snapshots from `offset` on, and adds a `<Marker>` when more remain. */
function cutPage(xml: string, offset: number, pageSize: number): { xml: string; snapshots: number; more: boolean } {
  const list = SNAPSHOT_LIST.exec(xml);
  if (!list) {
    return { xml, snapshots: 0, more: false };
  }
  const members = (list[1] ?? '').match(SNAPSHOT_MEMBER) ?? [];
  const page = members.slice(offset, offset + pageSize);
  const more = offset + pageSize < members.length;
  const listXml = `<DBClusterSnapshots>${page.join('')}</DBClusterSnapshots>`
    + (more ? `<Marker>${markerFor(offset + pageSize)}</Marker>` : '');
  const withoutMarker = xml.replace(/<Marker>[\s\S]*?<\/Marker>|<Marker\/>/, '');
  return {
    xml: withoutMarker.replace(SNAPSHOT_LIST, () => listXml),
    snapshots: page.length,
    more,
  };
}

/** Rewrites the `<Status>` (and `<PercentProgress>`) of the snapshots a status fault names. */
function rewriteSnapshotStatus(xml: string, fault: SnapshotStatusFault): string {
  return xml.replace(SNAPSHOT_MEMBER, (member) => {
    const identifier = /<DBClusterSnapshotIdentifier>([^<]*)<\/DBClusterSnapshotIdentifier>/.exec(member)?.[1];
    if (fault.snapshotIdentifier !== undefined && identifier !== fault.snapshotIdentifier) {
      return member;
    }
    const progress = fault.status === 'available' ? 100 : 0;
    return member
      .replace(/<Status>[^<]*<\/Status>/, `<Status>${escapeXml(fault.status)}</Status>`)
      .replace(/<PercentProgress>[^<]*<\/PercentProgress>/, `<PercentProgress>${progress}</PercentProgress>`);
  });
}
