import { CalendarPeriod, calendarFor, isValidTimeZone, parseIsoInstant } from './calendar';
import {
  describeRetentionPolicy,
  describeRule,
  formatSeconds,
  RETENTION_RULES,
  RetentionPolicy,
  RetentionRule,
  validateRetentionPolicy,
} from './retention-policy';
import { snapshotIdentifier } from './snapshot-name';
import { SnapshotRecord, SnapshotTagKeys } from './snapshot-tags';

/** Everything the retention decision looks at; it reads no clock and calls nothing. */
export interface RetentionInput {
  /** The cluster snapshots RDS lists, in any order; foreign ones are expected and ignored. */
  readonly snapshots: readonly SnapshotRecord[];
  /** The schedule's retention policy. */
  readonly policy: RetentionPolicy;
  /** The cluster whose snapshots this schedule prunes. */
  readonly clusterIdentifier: string;
  /** The value of the schedule tag on the snapshots this schedule made. */
  readonly scheduleId: string;
  /** The IANA time zone whose calendar the hourly, daily, weekly, monthly and yearly rules count in. */
  readonly timeZone: string;
  /** The snapshot this run just made; it is always kept. */
  readonly createdSnapshotIdentifier?: string;
  /**
   * The current instant, ISO-8601. When given, snapshots dated after it are kept and left out of the
   * rules, so one snapshot with a wrong future date cannot age out the rest. When absent, the newest
   * snapshot, whatever its date, is the point the within-rules measure back from.
   */
  readonly now?: string;
  /**
   * The schedule's snapshot prefix. When given, a snapshot is this schedule's only if its identifier is exactly the
   * one the schedule gives for its scheduled-time tag, so a copy that kept our tags (CopyTags) is never pruned.
   */
  readonly snapshotPrefix?: string;
}

/** What becomes of one snapshot. */
export type RetentionAction = 'keep' | 'expire' | 'ignore';

/** The decision about one snapshot, with every reason for it. */
export interface RetentionVerdict {
  /** The snapshot's identifier. */
  readonly identifier: string;
  /** `keep` and `ignore` leave the snapshot alone; only `expire` deletes it. */
  readonly action: RetentionAction;
  /** Why, e.g. `kept: daily 2026-11-29`, `expired: beyond last 7, daily 7`, `ignored: automated snapshot`. */
  readonly reasons: string[];
  /** The time the rules saw, ISO-8601 in UTC, when one is known. */
  readonly time?: string;
}

/** The retention decision for one schedule. */
export interface RetentionDecision {
  /** One verdict per input snapshot, newest first, then by identifier. */
  readonly verdicts: RetentionVerdict[];
  /** Identifiers kept, in verdict order. */
  readonly keep: string[];
  /** Identifiers to delete, in verdict order. */
  readonly expire: string[];
  /** Identifiers of snapshots that are not this schedule's to prune, in verdict order. */
  readonly ignore: string[];
  /** How many snapshots got each action. */
  readonly counts: { readonly kept: number; readonly expired: number; readonly ignored: number };
  /**
   * How many snapshots each rule kept, by rule (`last`, `daily`, `withinDaily`, ...) and by standing
   * reason (`newest`, `madeByThisRun`, `pinned`, `noTimeKnown`, `datedAfterNow`, `listedTwice`). A snapshot
   * kept by several rules counts once under each.
   */
  readonly keptByRule: Record<string, number>;
}

/** One snapshot on its way to a verdict. */
interface Entry {
  readonly record: SnapshotRecord;
  readonly timeMs: number | undefined;
  action: RetentionAction;
  readonly reasons: string[];
  /** Set by the rule walk that last kept this entry, to tell whether a rule already kept it. */
  keptByRuleIndex: number;
}

/**
 * Decides which of a schedule's own snapshots to keep and which to expire.
 *
 * Only manual, available snapshots of the input's cluster that carry this schedule's tag are
 * candidates; every other snapshot is ignored and never expired. A candidate's time is its
 * scheduled-time tag, or else its create time; a candidate with neither is kept.
 *
 * The rules follow restic's `forget`: walking newest to oldest, `last` keeps the newest N; each
 * calendar rule keeps the newest snapshot of each period until N periods holding a snapshot are
 * covered; `within` keeps all snapshots less than D before the newest; a within-period rule keeps the
 * newest of each period among those. When a calendar or within-period rule still has room after the
 * oldest candidate, the oldest candidate is kept too. Rules add up, and pinned snapshots take part in
 * them like any other candidate (as restic's `--keep-tag` snapshots do).
 *
 * Unlike restic, durations are exact seconds rather than calendar years, months and days.
 *
 * @throws Error when the policy is unsound, the time zone is unknown or `now` is not an ISO-8601 instant;
 *   nothing should be deleted then
 */
export function decideRetention(input: RetentionInput): RetentionDecision {
  const problems = validateRetentionPolicy(input.policy);
  if (problems.length > 0) {
    throw new Error(problems.join(' '));
  }
  if (!isValidTimeZone(input.timeZone)) {
    throw new Error('`timeZone` must be an IANA time zone name such as Europe/Berlin, '
      + `got ${JSON.stringify(input.timeZone)}.`);
  }
  const nowMs = parseIsoInstant(input.now);
  if (input.now !== undefined && nowMs === undefined) {
    throw new Error('`now` must be an ISO-8601 instant such as 2026-11-29T14:00:00Z, '
      + `got ${JSON.stringify(input.now)}.`);
  }

  const keptByRule: Record<string, number> = {};
  for (const standing of ['newest', 'madeByThisRun', 'pinned', 'noTimeKnown']) {
    keptByRule[standing] = 0;
  }
  const rules = RETENTION_RULES.filter((rule) => input.policy[rule.field] !== undefined);
  if (nowMs !== undefined) {
    keptByRule.datedAfterNow = 0;
  }
  for (const rule of rules) {
    keptByRule[rule.prop] = 0;
  }
  const keep = (entry: Entry, rule: string, reason: string): void => {
    entry.action = 'keep';
    entry.reasons.push(reason);
    keptByRule[rule] = (keptByRule[rule] ?? 0) + 1;
  };

  const entries = input.snapshots.map((record) => classify(record, input));
  entries.sort(compareEntries);

  const candidates = entries.filter((entry) => entry.action === 'expire');
  const newest = candidates.find((entry) => entry.timeMs !== undefined);
  for (const entry of candidates) {
    if (entry === newest) {
      keep(entry, 'newest', 'kept: newest');
    }
    if (input.createdSnapshotIdentifier !== undefined && entry.record.identifier === input.createdSnapshotIdentifier) {
      keep(entry, 'madeByThisRun', 'kept: made by this run');
    }
    if (hasTag(entry.record, SnapshotTagKeys.PIN)) {
      keep(entry, 'pinned', 'kept: pinned');
    }
    if (entry.timeMs === undefined) {
      keep(entry, 'noTimeKnown', 'kept: no time known');
    } else if (nowMs !== undefined && entry.timeMs > nowMs) {
      keep(entry, 'datedAfterNow', 'kept: dated after now');
    }
  }

  const timed = candidates.filter((entry) => entry.timeMs !== undefined
    && (nowMs === undefined || entry.timeMs <= nowMs));
  const calendar = calendarFor(input.timeZone);
  const keysByPeriod = new Map<CalendarPeriod, string[]>();
  // Rules that count the same period share its keys, worked out once per snapshot.
  const keyAt: PeriodKeyFunction = (period, index) => {
    let keys = keysByPeriod.get(period);
    if (keys === undefined) {
      keys = [];
      keysByPeriod.set(period, keys);
    }
    return keys[index] ?? (keys[index] = calendar.periodKey(period, timed[index].timeMs as number));
  };
  rules.forEach((rule, index) => {
    applyRule(rule, input.policy[rule.field] as number, index, timed, keyAt, keep);
  });

  keepIdentifiersListedTwice(entries, keep);
  const expiredReason = `expired: beyond ${describeRetentionPolicy(input.policy)}`;
  for (const entry of candidates) {
    if (entry.action === 'expire') {
      entry.reasons.push(expiredReason);
    }
  }

  const verdicts = entries.map((entry): RetentionVerdict => {
    const verdict: { -readonly [K in keyof RetentionVerdict]: RetentionVerdict[K] } = {
      identifier: entry.record.identifier,
      action: entry.action,
      reasons: entry.reasons,
    };
    if (entry.timeMs !== undefined) {
      verdict.time = new Date(entry.timeMs).toISOString();
    }
    return verdict;
  });
  const pick = (action: RetentionAction) => verdicts.filter((v) => v.action === action).map((v) => v.identifier);
  const kept = pick('keep');
  const expired = pick('expire');
  const ignored = pick('ignore');
  return {
    verdicts,
    keep: kept,
    expire: expired,
    ignore: ignored,
    counts: { kept: kept.length, expired: expired.length, ignored: ignored.length },
    keptByRule,
  };
}

type KeepFunction = (entry: Entry, rule: string, reason: string) => void;
type PeriodKeyFunction = (period: CalendarPeriod, timedIndex: number) => string;

/**
 * Walks the timed candidates newest first and keeps what one rule keeps.
 *
 * @param timed candidates with a known time that the rules apply to, newest first
 */
function applyRule(
  rule: RetentionRule,
  value: number,
  ruleIndex: number,
  timed: readonly Entry[],
  keyAt: PeriodKeyFunction,
  keep: KeepFunction,
): void {
  if (timed.length === 0) {
    return;
  }
  const ruleText = describeRule(rule, value);
  const keepByRule = (entry: Entry, reason: string) => {
    keep(entry, rule.prop, reason);
    entry.keptByRuleIndex = ruleIndex;
  };

  if (rule.period === undefined && rule.kind === 'count') {
    for (const entry of timed.slice(0, value)) {
      keepByRule(entry, `kept: ${ruleText}`);
    }
    return;
  }

  // A duration rule reaches back from the newest candidate; a count rule reaches as far as it needs.
  const cutoffMs = rule.kind === 'duration' ? (timed[0].timeMs as number) - value * 1000 : -Infinity;
  const suffix = rule.kind === 'duration' ? ` within ${formatSeconds(value)} of newest` : '';
  let remaining = rule.kind === 'count' ? value : Infinity;
  let lastKey: string | undefined;
  let index = 0;
  for (; index < timed.length && remaining > 0; index++) {
    const entry = timed[index];
    if ((entry.timeMs as number) <= cutoffMs) {
      break;
    }
    if (rule.period === undefined) {
      keepByRule(entry, `kept: ${ruleText} of newest`);
      continue;
    }
    const key = keyAt(rule.period, index);
    if (key !== lastKey) {
      keepByRule(entry, `kept: ${rule.label} ${key}${suffix}`);
      lastKey = key;
      remaining--;
    }
  }

  // restic keeps the oldest snapshot too when a rule still has room after walking all of them.
  const oldest = timed[timed.length - 1];
  if (rule.period !== undefined && index === timed.length && remaining > 0 && oldest.keptByRuleIndex !== ruleIndex) {
    const room = rule.kind === 'count' ? `${ruleText} not yet filled` : `${ruleText} of newest reaches further back`;
    keepByRule(oldest, `kept: oldest, ${room}`);
  }
}

/** Sorts a snapshot into ignored or candidate; candidates start as `expire` until a rule keeps them. */
function classify(record: SnapshotRecord, input: RetentionInput): Entry {
  const timeMs = parseIsoInstant(tagValue(record, SnapshotTagKeys.SCHEDULED_TIME))
    ?? parseIsoInstant(record.createTime);
  const ignoredBecause = ignoreReason(record, input);
  return {
    record,
    timeMs,
    action: ignoredBecause === undefined ? 'expire' : 'ignore',
    reasons: ignoredBecause === undefined ? [] : [ignoredBecause],
    keptByRuleIndex: -1,
  };
}

function ignoreReason(record: SnapshotRecord, input: RetentionInput): string | undefined {
  // RDS stores cluster identifiers in lower case but accepts any case in requests.
  if (record.clusterIdentifier.toLowerCase() !== input.clusterIdentifier.toLowerCase()) {
    return 'ignored: another cluster\'s snapshot';
  }
  if (record.snapshotType !== 'manual') {
    switch (record.snapshotType) {
      case 'automated':
        return 'ignored: automated snapshot';
      case 'awsbackup':
        return 'ignored: AWS Backup snapshot';
      default:
        return `ignored: ${record.snapshotType ? record.snapshotType : 'unknown type of'} snapshot`;
    }
  }
  if (tagValue(record, SnapshotTagKeys.SCHEDULE) !== input.scheduleId) {
    return 'ignored: not made by this schedule';
  }
  if (input.snapshotPrefix !== undefined && !namedBySchedule(record, input.snapshotPrefix, input.clusterIdentifier)) {
    return 'ignored: carries this schedule\'s tag but not the name it gives (a copy?)';
  }
  if (record.status !== 'available') {
    return `ignored: status ${record.status ? record.status : 'unknown'}`;
  }
  return undefined;
}

/** Whether the snapshot's identifier is the one the schedule gives for the scheduled time in its tag. */
function namedBySchedule(record: SnapshotRecord, prefix: string, clusterIdentifier: string): boolean {
  const scheduled = parseIsoInstant(tagValue(record, SnapshotTagKeys.SCHEDULED_TIME));
  if (scheduled === undefined) {
    return false;
  }
  try {
    return snapshotIdentifier(prefix, clusterIdentifier, new Date(scheduled)) === record.identifier.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * RDS identifiers are unique, but should a list ever name one twice, deleting it would also delete the
 * copy that is kept or ignored; so such an identifier is never expired.
 */
function keepIdentifiersListedTwice(entries: readonly Entry[], keep: KeepFunction): void {
  const spared = new Set<string>();
  const seen = new Set<string>();
  let listedTwice = false;
  for (const entry of entries) {
    listedTwice = listedTwice || seen.has(entry.record.identifier);
    seen.add(entry.record.identifier);
    if (entry.action !== 'expire') {
      spared.add(entry.record.identifier);
    }
  }
  if (!listedTwice) {
    return;
  }
  for (const entry of entries) {
    if (entry.action === 'expire' && spared.has(entry.record.identifier)) {
      keep(entry, 'listedTwice', 'kept: identifier listed more than once');
    }
  }
}

/** Newest first, unknown times last, then by identifier; full ties fall back to the record's content. */
function compareEntries(a: Entry, b: Entry): number {
  if (a.timeMs !== b.timeMs) {
    if (a.timeMs === undefined) {
      return 1;
    }
    if (b.timeMs === undefined) {
      return -1;
    }
    return b.timeMs - a.timeMs;
  }
  return compareText(a.record.identifier, b.record.identifier)
    || compareText(fingerprint(a.record), fingerprint(b.record));
}

/** Compares by UTF-16 code units, which unlike `localeCompare` gives the same order everywhere. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fingerprint(record: SnapshotRecord): string {
  const tags = Object.keys(record.tags ?? {}).sort().map((key) => [key, record.tags[key]]);
  return JSON.stringify([record.clusterIdentifier, record.snapshotType, record.status, record.createTime ?? '', tags]);
}

function hasTag(record: SnapshotRecord, key: string): boolean {
  return record.tags !== undefined && record.tags !== null && Object.prototype.hasOwnProperty.call(record.tags, key);
}

function tagValue(record: SnapshotRecord, key: string): string | undefined {
  return hasTag(record, key) ? record.tags[key] : undefined;
}
