import { spawnSync } from 'child_process';
import * as path from 'path';
import * as fc from 'fast-check';
import { calendarFor, CalendarPeriod } from '../src/decisions/calendar';
import { decideRetention, RetentionDecision, RetentionInput } from '../src/decisions/retention-decision';
import { RETENTION_RULES, RetentionPolicy } from '../src/decisions/retention-policy';
import { SnapshotRecord, SnapshotTagKeys } from '../src/decisions/snapshot-tags';

const NUM_RUNS = Number(process.env.RETENTION_PROPERTY_RUNS ?? 10_000);
const CLUSTER = 'orders-db';
const SCHEDULE = 'orders-nightly';
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/St_Johns',
  'Europe/London',
];

/** Stretches of time to place snapshots in: years, months, and nights when clocks change. */
const WINDOWS = [
  { start: '2024-01-01T00:00:00Z', minutes: 3 * 366 * 24 * 60 },
  { start: '2026-11-01T00:00:00Z', minutes: 60 * 24 * 60 },
  { start: '2026-12-20T00:00:00Z', minutes: 20 * 24 * 60 },
  { start: '2026-10-24T20:00:00Z', minutes: 10 * 60 },
  { start: '2026-10-31T22:00:00Z', minutes: 12 * 60 },
  { start: '2026-04-04T10:00:00Z', minutes: 10 * 60 },
].map((window) => ({ startMs: Date.parse(window.start), minutes: window.minutes }));

/** What a generated snapshot is; only `own`, `ownByCreateTime`, `badTag`, `pinned` and `noTime` are candidates. */
const FOREIGN_KINDS = [
  'otherCluster', 'automated', 'automatedWithTag', 'awsbackup', 'untagged', 'otherSchedule', 'creating', 'failed',
] as const;
const OWN_KINDS = ['own', 'ownByCreateTime', 'badTag', 'pinned', 'noTime'] as const;
type Kind = typeof FOREIGN_KINDS[number] | typeof OWN_KINDS[number];

interface SnapshotSpec {
  readonly kind: Kind;
  /** Position in the window, in millionths of its length. */
  readonly position: number;
  /** How many minutes after its scheduled time RDS reports the snapshot created. */
  readonly createDelayMinutes: number;
}

interface Scenario {
  readonly zone: string;
  readonly window: { readonly startMs: number; readonly minutes: number };
  readonly specs: SnapshotSpec[];
  readonly policy: RetentionPolicy;
  readonly created?: number;
  readonly now?: number;
}

const kindArbitrary: fc.Arbitrary<Kind> = fc.oneof(
  { arbitrary: fc.constant<Kind>('own'), weight: 12 },
  { arbitrary: fc.constantFrom<Kind>(...OWN_KINDS), weight: 3 },
  { arbitrary: fc.constantFrom<Kind>(...FOREIGN_KINDS), weight: 3 },
);

const specArbitrary: fc.Arbitrary<SnapshotSpec> = fc.record({
  kind: kindArbitrary,
  position: fc.integer({ min: 0, max: 1_000_000 }),
  createDelayMinutes: fc.integer({ min: 0, max: 90 }),
});

const count = fc.integer({ min: 1, max: 8 });
const seconds = fc.oneof(
  fc.integer({ min: 1, max: 6 * 3600 }),
  fc.integer({ min: 1, max: 400 * 86_400 }),
);

const countPolicyArbitrary: fc.Arbitrary<RetentionPolicy> = fc.record(
  { keepLast: count, hourly: count, daily: count, weekly: count, monthly: count, yearly: count },
  { requiredKeys: [] },
).filter((policy) => Object.keys(policy).length > 0);

const policyArbitrary: fc.Arbitrary<RetentionPolicy> = fc.oneof(
  countPolicyArbitrary,
  fc.record({
    keepLast: count,
    keepWithinSeconds: seconds,
    hourly: count,
    daily: count,
    weekly: count,
    monthly: count,
    yearly: count,
    withinHourlySeconds: seconds,
    withinDailySeconds: seconds,
    withinWeeklySeconds: seconds,
    withinMonthlySeconds: seconds,
    withinYearlySeconds: seconds,
  }, { requiredKeys: [] }).filter((policy) => Object.keys(policy).length > 0),
);

function scenarioArbitrary(policy: fc.Arbitrary<RetentionPolicy>): fc.Arbitrary<Scenario> {
  return fc.record({
    zone: fc.constantFrom(...ZONES),
    window: fc.constantFrom(...WINDOWS),
    // Without `size: 'max'`, fast-check would rarely make more than ten snapshots.
    specs: fc.array(specArbitrary, { maxLength: 60, size: 'max' }),
    policy,
    created: fc.option(fc.nat({ max: 70 }), { nil: undefined }),
    now: fc.option(fc.integer({ min: 0, max: 1_100_000 }), { nil: undefined }),
  });
}

function identifierOf(index: number): string {
  return `snap-${String(index).padStart(2, '0')}`;
}

function scheduledMs(scenario: Scenario, spec: SnapshotSpec): number {
  const minute = Math.floor((spec.position * scenario.window.minutes) / 1_000_000);
  return scenario.window.startMs + minute * MINUTE_MS;
}

function recordOf(scenario: Scenario, spec: SnapshotSpec, index: number): SnapshotRecord {
  const time = new Date(scheduledMs(scenario, spec)).toISOString();
  const createTime = new Date(scheduledMs(scenario, spec) + spec.createDelayMinutes * MINUTE_MS).toISOString();
  const ownTags = { [SnapshotTagKeys.SCHEDULE]: SCHEDULE, [SnapshotTagKeys.SCHEDULED_TIME]: time };
  const base = {
    identifier: identifierOf(index),
    clusterIdentifier: CLUSTER,
    snapshotType: 'manual',
    status: 'available',
    createTime,
  };
  switch (spec.kind) {
    case 'own':
      return { ...base, tags: ownTags };
    case 'ownByCreateTime':
      return { ...base, tags: { [SnapshotTagKeys.SCHEDULE]: SCHEDULE } };
    case 'badTag':
      return { ...base, tags: { ...ownTags, [SnapshotTagKeys.SCHEDULED_TIME]: 'not a time' } };
    case 'pinned':
      return { ...base, tags: { ...ownTags, [SnapshotTagKeys.PIN]: '' } };
    case 'noTime':
      return { ...base, createTime: undefined, tags: { [SnapshotTagKeys.SCHEDULE]: SCHEDULE } };
    case 'otherCluster':
      return { ...base, clusterIdentifier: 'billing-db', tags: ownTags };
    case 'automated':
      return { ...base, identifier: `rds:${base.identifier}`, snapshotType: 'automated', tags: {} };
    case 'automatedWithTag':
      return { ...base, snapshotType: 'automated', tags: ownTags };
    case 'awsbackup':
      return { ...base, snapshotType: 'awsbackup', tags: ownTags };
    case 'untagged':
      return { ...base, tags: {} };
    case 'otherSchedule':
      return { ...base, tags: { ...ownTags, [SnapshotTagKeys.SCHEDULE]: 'orders-hourly' } };
    case 'creating':
      return { ...base, status: 'creating', tags: ownTags };
    case 'failed':
      return { ...base, status: 'failed', tags: ownTags };
  }
}

interface Built {
  readonly input: RetentionInput;
  /** The instant `now` stands for, when the scenario has one. */
  readonly nowMs?: number;
  /** Each snapshot's time as the test reads the rules: the scheduled time, or else the create time. */
  readonly timeOf: ReadonlyMap<string, number | undefined>;
}

function build(scenario: Scenario): Built {
  const nowMs = scenario.now === undefined
    ? undefined
    : scenario.window.startMs + Math.floor((scenario.now * scenario.window.minutes) / 1_000_000) * MINUTE_MS;
  const timeOf = new Map<string, number | undefined>();
  const snapshots = scenario.specs.map((spec, index) => {
    const record = recordOf(scenario, spec, index);
    const scheduled = scheduledMs(scenario, spec);
    const created = scheduled + spec.createDelayMinutes * MINUTE_MS;
    const timeByKind: Partial<Record<Kind, number | undefined>> = {
      noTime: undefined, ownByCreateTime: created, badTag: created,
    };
    timeOf.set(record.identifier, spec.kind in timeByKind ? timeByKind[spec.kind] : scheduled);
    return record;
  });
  const input: RetentionInput = {
    snapshots,
    policy: scenario.policy,
    clusterIdentifier: CLUSTER,
    scheduleId: SCHEDULE,
    timeZone: scenario.zone,
    createdSnapshotIdentifier: scenario.created === undefined ? undefined : identifierOf(scenario.created),
    now: nowMs === undefined ? undefined : new Date(nowMs).toISOString(),
  };
  return { input, nowMs, timeOf };
}

/** The candidates with a known time, newest first, then by identifier. */
function datedCandidates(built: Built): Array<{ id: string; ms: number }> {
  return built.input.snapshots.filter(isCandidate).flatMap((record) => {
    const ms = built.timeOf.get(record.identifier);
    return ms === undefined ? [] : [{ id: record.identifier, ms }];
  }).sort(byTime);
}

function isCandidate(record: SnapshotRecord): boolean {
  return record.clusterIdentifier === CLUSTER && record.snapshotType === 'manual' && record.status === 'available'
    && record.tags[SnapshotTagKeys.SCHEDULE] === SCHEDULE;
}

/** Newest first, then by identifier. */
function byTime(a: { id: string; ms: number }, b: { id: string; ms: number }): number {
  return b.ms - a.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function hasWithinRule(policy: RetentionPolicy): boolean {
  return RETENTION_RULES.some((rule) => rule.kind === 'duration' && policy[rule.field] !== undefined);
}

/**
 * restic's policy as its documentation describes it, written the plain way: one pass per snapshot,
 * every rule looked at for each. It returns the identifiers the rules keep.
 */
function resticKeeps(timed: Array<{ id: string; ms: number }>, policy: RetentionPolicy, zone: string): Set<string> {
  const kept = new Set<string>();
  if (timed.length === 0) {
    return kept;
  }
  const calendar = calendarFor(zone);
  const newestMs = timed[0].ms;
  const state = RETENTION_RULES.map(() => ({ lastKey: undefined as string | undefined, left: 0 }));
  RETENTION_RULES.forEach((rule, index) => {
    state[index].left = rule.kind === 'count' ? policy[rule.field] ?? 0 : 0;
  });
  timed.forEach((snapshot, position) => {
    const oldest = position === timed.length - 1;
    RETENTION_RULES.forEach((rule, index) => {
      const value = policy[rule.field];
      if (value === undefined) {
        return;
      }
      const key = rule.period === undefined
        ? String(position)
        : calendar.periodKey(rule.period as CalendarPeriod, snapshot.ms);
      if (rule.kind === 'count') {
        if (state[index].left > 0 && (key !== state[index].lastKey || oldest)) {
          kept.add(snapshot.id);
          state[index].lastKey = key;
          state[index].left--;
        }
      } else if (snapshot.ms > newestMs - value * 1000 && (key !== state[index].lastKey || oldest)) {
        kept.add(snapshot.id);
        state[index].lastKey = key;
      }
    });
  });
  return kept;
}

/** Date methods whose answers depend on the process's time zone. */
const LOCAL_TIME_METHODS = [
  'getFullYear', 'getMonth', 'getDate', 'getDay', 'getHours', 'getMinutes', 'getSeconds', 'getMilliseconds',
  'getTimezoneOffset', 'setFullYear', 'setMonth', 'setDate', 'setHours', 'setMinutes', 'setSeconds',
  'setMilliseconds', 'toString', 'toDateString', 'toTimeString', 'toLocaleString', 'toLocaleDateString',
  'toLocaleTimeString',
] as const;

/**
 * Runs `run` while every way to read the process's time zone throws: local-time Date methods, and
 * `Intl.DateTimeFormat` without a `timeZone`.
 *
 * Setting `process.env.TZ` inside a jest test changes nothing, because jest hands each test file a
 * copy of the environment; so this shows the decision never asks, and a child process (below) shows
 * that other time zones give the same answers.
 */
function withoutProcessTimeZone<T>(run: () => T): T {
  const prototype = Date.prototype as unknown as Record<string, unknown>;
  const saved = LOCAL_TIME_METHODS.map((name) => [name, prototype[name]] as const);
  const savedFormat = Intl.DateTimeFormat;
  for (const name of LOCAL_TIME_METHODS) {
    prototype[name] = () => {
      throw new Error(`The decision read the process time zone through Date.prototype.${name}.`);
    };
  }
  const guardedFormat = function (locales?: string | string[], options?: Intl.DateTimeFormatOptions) {
    if (options?.timeZone === undefined) {
      throw new Error('The decision made an Intl.DateTimeFormat in the process time zone.');
    }
    return new savedFormat(locales, options);
  };
  Intl.DateTimeFormat = guardedFormat as unknown as typeof Intl.DateTimeFormat;
  try {
    return run();
  } finally {
    for (const [name, method] of saved) {
      prototype[name] = method;
    }
    Intl.DateTimeFormat = savedFormat;
  }
}

/** Decides each input in a fresh Node.js process whose TZ is `zone`, and returns the decisions. */
function decideInProcessWithTimeZone(inputs: RetentionInput[], zone: string): RetentionDecision[] {
  const script = [
    'const { decideRetention } = require(\'./src/decisions/retention-decision\');',
    'const chunks = [];',
    'process.stdin.on(\'data\', (chunk) => chunks.push(chunk));',
    'process.stdin.on(\'end\', () => {',
    '  const inputs = JSON.parse(Buffer.concat(chunks).toString());',
    '  const decisions = inputs.map(decideRetention);',
    '  process.stdout.write(JSON.stringify({ offset: new Date(0).getTimezoneOffset(), decisions }));',
    '});',
  ].join('\n');
  const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, TZ: zone },
    input: JSON.stringify(inputs),
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf-8',
  });
  if (child.status !== 0) {
    throw new Error(`The child process in ${zone} failed: ${child.stderr}`);
  }
  const output = JSON.parse(child.stdout) as { offset: number; decisions: RetentionDecision[] };
  // Prove the child really ran in the other zone: none of these zones is on UTC at the epoch.
  expect(output.offset).not.toBe(0);
  return output.decisions;
}

describe('retention decision properties', () => {
  test('never expires a pinned, foreign, unavailable, undated, future or newest snapshot, nor this run\'s', () => {
    fc.assert(fc.property(scenarioArbitrary(policyArbitrary), (scenario) => {
      // GIVEN any mix of own and foreign snapshots
      const built = build(scenario);
      const input = built.input;

      // WHEN the decision runs
      const decision = decideRetention(input);

      // THEN every snapshot has one verdict, foreign ones are ignored, and each expired one is an
      // unpinned candidate dated no later than now that is neither the newest nor this run's
      const newest = datedCandidates(built)[0];
      const actions = new Map(decision.verdicts.map((verdict) => [verdict.identifier, verdict.action]));
      const problems: string[] = [];
      for (const record of input.snapshots) {
        const action = actions.get(record.identifier);
        const ms = built.timeOf.get(record.identifier);
        if (!isCandidate(record) && action !== 'ignore') {
          problems.push(`${record.identifier} is not a candidate but was given ${action}`);
        } else if (action === 'expire' && (record.tags[SnapshotTagKeys.PIN] !== undefined
          || record.identifier === input.createdSnapshotIdentifier || record.identifier === newest?.id
          || ms === undefined || (built.nowMs !== undefined && ms > built.nowMs))) {
          problems.push(`${record.identifier} must stay but was expired`);
        }
      }
      // One expect a run: each costs more than the decision itself.
      expect({ problems, verdicts: decision.verdicts.length, counts: decision.counts }).toEqual({
        problems: [],
        verdicts: input.snapshots.length,
        counts: { kept: decision.keep.length, expired: decision.expire.length, ignored: decision.ignore.length },
      });
    }), { numRuns: NUM_RUNS });
  });

  test('applying the decision and deciding again expires nothing more', () => {
    fc.assert(fc.property(scenarioArbitrary(policyArbitrary), (scenario) => {
      // GIVEN a decision
      const input = build(scenario).input;
      const first = decideRetention(input);

      // WHEN its expired snapshots are deleted and the decision runs again
      const expired = new Set(first.expire);
      const left = input.snapshots.filter((record) => !expired.has(record.identifier));
      const second = decideRetention({ ...input, snapshots: left });

      // THEN it keeps everything that is left
      expect({ expire: second.expire, keep: second.keep }).toEqual({ expire: [], keep: first.keep });
    }), { numRuns: NUM_RUNS });
  });

  test('without within rules, kept candidates never exceed the counts plus those kept for standing reasons', () => {
    fc.assert(fc.property(scenarioArbitrary(countPolicyArbitrary), (scenario) => {
      // GIVEN a policy of counts only
      const input = build(scenario).input;

      // WHEN the decision runs
      const decision = decideRetention(input);

      // THEN the kept candidates fit within last + hourly + daily + weekly + monthly + yearly, plus the
      // pinned, undated and future-dated ones, the newest and the one made by this run
      const { keepLast = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0 } = input.policy;
      const standing = decision.keptByRule.pinned + decision.keptByRule.noTimeKnown
        + (decision.keptByRule.datedAfterNow ?? 0);
      const bound = keepLast + hourly + daily + weekly + monthly + yearly + standing + 2;
      expect({ withinRule: hasWithinRule(input.policy), overBound: decision.counts.kept > bound })
        .toEqual({ withinRule: false, overBound: false });
    }), { numRuns: NUM_RUNS });
  });

  test('the rules keep exactly what restic\'s documented policy keeps, and what two halves keep adds up', () => {
    fc.assert(fc.property(scenarioArbitrary(policyArbitrary), fc.nat({ max: 4095 }), (scenario, split) => {
      // GIVEN any snapshots, without a clock or a snapshot made by this run
      const built = build({ ...scenario, now: undefined, created: undefined });
      const input = built.input;
      const standing = input.snapshots.filter((record) => isCandidate(record)
        && (built.timeOf.get(record.identifier) === undefined || record.tags[SnapshotTagKeys.PIN] !== undefined));

      // WHEN the decision runs with the whole policy, and with its rules split in two
      const decision = decideRetention(input);
      const halves: Array<Record<string, number>> = [{}, {}];
      RETENTION_RULES.forEach((rule, index) => {
        const value = input.policy[rule.field];
        if (value !== undefined) {
          // Bit `index` of `split` picks the half for each rule.
          halves[Math.floor(split / 2 ** index) % 2][rule.field] = value;
        }
      });
      const parts = halves.filter((half) => Object.keys(half).length > 0)
        .map((half) => decideRetention({ ...input, policy: half }));

      // THEN it keeps what the plain restic walk keeps, plus pinned and undated snapshots
      const expected = resticKeeps(datedCandidates(built), input.policy, input.timeZone);
      standing.forEach((record) => expected.add(record.identifier));
      const kept = [...decision.keep].sort();
      const union = [...new Set(parts.flatMap((part) => part.keep))].sort();
      expect({ restic: kept, halves: kept }).toEqual({ restic: [...expected].sort(), halves: union });
    }), { numRuns: NUM_RUNS });
  });

  test('the decision depends neither on the input order nor on the process time zone', () => {
    fc.assert(fc.property(
      scenarioArbitrary(policyArbitrary),
      fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
      (scenario, shuffleKeys) => {
        // GIVEN a decision
        const input = build(scenario).input;
        const reference = decideRetention(input);

        // WHEN the snapshots come in another order, and nothing may read the process time zone
        const shuffled = input.snapshots
          .map((record, index) => ({ record, key: shuffleKeys[index] }))
          .sort((a, b) => a.key - b.key)
          .map((entry) => entry.record);
        const again = withoutProcessTimeZone(() => decideRetention({ ...input, snapshots: shuffled }));

        // THEN the decision is the same, and its verdicts come newest first, then by identifier
        const order = reference.verdicts.map((verdict) => ({
          id: verdict.identifier, ms: verdict.time === undefined ? -Infinity : Date.parse(verdict.time),
        }));
        const misplaced = order.filter((entry, i) => i > 0 && byTime(order[i - 1], entry) > 0);
        expect({ decision: JSON.stringify(again), misplaced })
          .toEqual({ decision: JSON.stringify(reference), misplaced: [] });
      },
    ), { numRuns: NUM_RUNS });
  });

  test('processes running in other time zones come to the same decisions', () => {
    // GIVEN a fixed sample of scenarios, decided here
    const inputs = fc.sample(scenarioArbitrary(policyArbitrary), { numRuns: 300, seed: 20261129 })
      .map((scenario) => build(scenario).input);
    const here = JSON.stringify(inputs.map((input) => decideRetention(input)));

    // WHEN Node.js processes in other time zones decide them
    const elsewhere = ['Pacific/Kiritimati', 'America/Anchorage', 'Australia/Lord_Howe']
      .map((zone) => JSON.stringify(decideInProcessWithTimeZone(inputs, zone)));

    // THEN every process agrees
    expect(elsewhere).toEqual([here, here, here]);
  });
});

describe('calendar properties', () => {
  /** Local wall-clock fields straight from a fresh Intl formatter, without any of the calendar's memory. */
  function intlWallClock(zone: string, ms: number): Record<string, string> {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      timeZoneName: 'longOffset',
    });
    return Object.fromEntries(format.formatToParts(ms).map((part) => [part.type, part.value]));
  }

  test('period keys match Intl, and an hour key never spans more than an hour', () => {
    const instant = fc.tuple(fc.constantFrom(...WINDOWS), fc.integer({ min: 0, max: 1_000_000 }))
      .map(([window, position]) => window.startMs + Math.floor((position * window.minutes * MINUTE_MS) / 1_000_000));
    fc.assert(fc.property(
      fc.constantFrom(...ZONES),
      instant,
      fc.integer({ min: 0, max: 3 * HOUR_MS }),
      (zone, ms, gap) => {
        // GIVEN an instant and a later one
        const calendar = calendarFor(zone);
        const wall = intlWallClock(zone, ms);
        // Intl writes a zero offset as plain `GMT`.
        const wallOffset = wall.timeZoneName === 'GMT' ? 'GMT+00:00' : wall.timeZoneName;

        // WHEN their keys are worked out
        const hourKey = calendar.hourKey(ms);

        // THEN day, month, year and the hour match Intl, any offset in the key is the real one,
        // and two instants an hour or more apart never share an hour key
        expect({
          day: calendar.dayKey(ms),
          month: calendar.monthKey(ms),
          year: calendar.yearKey(ms),
          hour: hourKey.slice(0, 13),
          offset: hourKey.length > 13 ? `GMT${hourKey.slice(13)}` : wallOffset,
          sharesHourKey: gap >= HOUR_MS && calendar.hourKey(ms + gap) === hourKey,
        }).toEqual({
          day: `${wall.year}-${wall.month}-${wall.day}`,
          month: `${wall.year}-${wall.month}`,
          year: wall.year,
          hour: `${wall.year}-${wall.month}-${wall.day}T${wall.hour}`,
          offset: wallOffset,
          sharesHourKey: false,
        });
      },
    ), { numRuns: NUM_RUNS });
  });
});
