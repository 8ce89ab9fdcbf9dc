import {
  calendarFor,
  formatUtcOffset,
  isValidTimeZone,
  parseIsoInstant,
  periodKey,
} from '../src/decisions/calendar';
import { decideRetention, RetentionDecision, RetentionInput } from '../src/decisions/retention-decision';
import { RetentionPolicy } from '../src/decisions/retention-policy';
import { SnapshotRecord, SnapshotTagKeys } from '../src/decisions/snapshot-tags';

const CLUSTER = 'orders-db';
const SCHEDULE = 'orders-nightly';
const DAY_SECONDS = 86_400;

interface SnapshotOverrides {
  readonly clusterIdentifier?: string;
  readonly snapshotType?: string;
  readonly status?: string;
  readonly createTime?: string;
  readonly tags?: Record<string, string>;
}

/** One of this schedule's snapshots, named by its time unless told otherwise. */
function snapshot(time: string, overrides: SnapshotOverrides = {}, identifier = time): SnapshotRecord {
  return {
    identifier,
    clusterIdentifier: overrides.clusterIdentifier ?? CLUSTER,
    snapshotType: overrides.snapshotType ?? 'manual',
    status: overrides.status ?? 'available',
    createTime: 'createTime' in overrides ? overrides.createTime : time,
    tags: overrides.tags ?? { [SnapshotTagKeys.SCHEDULE]: SCHEDULE, [SnapshotTagKeys.SCHEDULED_TIME]: time },
  };
}

function decide(
  snapshots: readonly SnapshotRecord[],
  policy: RetentionPolicy,
  options: Partial<RetentionInput> = {},
): RetentionDecision {
  return decideRetention({
    snapshots, policy, clusterIdentifier: CLUSTER, scheduleId: SCHEDULE, timeZone: 'UTC', ...options,
  });
}

function reasonsOf(decision: RetentionDecision, identifier: string): string[] {
  const verdict = decision.verdicts.find((candidate) => candidate.identifier === identifier);
  if (verdict === undefined) {
    throw new Error(`No verdict for ${identifier}.`);
  }
  return verdict.reasons;
}

/** Daily snapshots at 03:00 UTC from `first` to `last`, both inclusive (dates as YYYY-MM-DD). */
function dailySeries(first: string, last: string): SnapshotRecord[] {
  const records: SnapshotRecord[] = [];
  for (let ms = Date.parse(`${first}T03:00:00Z`); ms <= Date.parse(`${last}T03:00:00Z`); ms += DAY_SECONDS * 1000) {
    records.push(snapshot(new Date(ms).toISOString()));
  }
  return records;
}

describe('restic forget rules', () => {
  // Twelve backups, one every Sunday at 11:00, as in restic's documentation of `forget`.
  const sundays = [
    '2019-09-01', '2019-09-08', '2019-09-15', '2019-09-22', '2019-09-29', '2019-10-06',
    '2019-10-13', '2019-10-20', '2019-10-27', '2019-11-03', '2019-11-10', '2019-11-17',
  ].map((day) => `${day}T11:00:00.000Z`);

  // Irregular backups: none on some days, two on another.
  const irregular = [
    '2026-06-01T09:00:00.000Z',
    '2026-06-03T09:00:00.000Z',
    '2026-06-03T21:00:00.000Z',
    '2026-06-04T09:00:00.000Z',
    '2026-06-06T09:00:00.000Z',
  ];

  const hours = [
    '2026-06-06T07:05:00.000Z',
    '2026-06-06T07:55:00.000Z',
    '2026-06-06T08:15:00.000Z',
    '2026-06-06T08:45:00.000Z',
    '2026-06-06T10:30:00.000Z',
  ];

  test.each<[string, string[], RetentionPolicy, string[]]>([
    ['daily 4 keeps the four newest Sundays of twelve weekly backups', sundays, { daily: 4 }, sundays.slice(8)],
    ['last 1 keeps only the newest of two backups a minute apart',
      ['2017-02-21T10:48:33.000Z', '2017-02-21T10:49:18.000Z'], { keepLast: 1 }, ['2017-02-21T10:49:18.000Z']],
    ['last 3 keeps the three newest whatever their days', irregular, { keepLast: 3 }, irregular.slice(2)],
    ['daily 3 keeps the newest of each day and skips days without a backup', irregular, { daily: 3 },
      [irregular[2], irregular[3], irregular[4]]],
    ['within-daily 4d keeps the newest of each day less than four days before the newest', irregular,
      { withinDailySeconds: 4 * DAY_SECONDS }, [irregular[2], irregular[3], irregular[4]]],
    ['hourly 2 keeps the newest of the two newest hours that hold a backup', hours, { hourly: 2 },
      [hours[3], hours[4]]],
    ['hourly 3 counts only hours that hold a backup', hours, { hourly: 3 }, [hours[1], hours[3], hours[4]]],
    ['weekly 3 keeps the newest of each of three weeks', sundays, { weekly: 3 }, sundays.slice(9)],
    ['monthly 2 keeps the last backup of each of two months', sundays, { monthly: 2 }, [sundays[8], sundays[11]]],
    ['yearly 1 keeps the newest backup of the year', sundays, { yearly: 1 }, [sundays[11]]],
    ['within 14d keeps every backup less than fourteen days before the newest', sundays,
      { keepWithinSeconds: 14 * DAY_SECONDS }, sundays.slice(10)],
    ['within 14d and a second keeps the backup exactly fourteen days before the newest', sundays,
      { keepWithinSeconds: 14 * DAY_SECONDS + 1 }, sundays.slice(9)],
    ['rules add up: last 2 and monthly 3', sundays, { keepLast: 2, monthly: 3 },
      [sundays[4], sundays[8], sundays[10], sundays[11]]],
  ])('%s', (_name, times, policy, expected) => {
    // GIVEN this schedule's snapshots
    const snapshots = times.map((time) => snapshot(time));

    // WHEN the policy is applied
    const decision = decide(snapshots, policy);

    // THEN exactly the expected snapshots are kept and the rest expire
    expect([...decision.keep].sort()).toEqual([...expected].sort());
    expect([...decision.expire].sort()).toEqual(times.filter((time) => !expected.includes(time)).sort());
  });

  test('daily 7, weekly 5, monthly 12, yearly 75 over a hundred years of daily backups keeps 95', () => {
    // GIVEN a backup every day from 1926 to the end of 2025 (newest: Wednesday 2025-12-31)
    const snapshots = dailySeries('1926-01-01', '2025-12-31');

    // WHEN restic's documented long-term policy is applied
    const decision = decide(snapshots, { daily: 7, weekly: 5, monthly: 12, yearly: 75 });

    // THEN the dailies are Dec 25 to 31; the weeks add the Sundays Dec 21, 14 and 7 (Dec 28 and the
    // current week's Dec 31 are dailies already); the months add the 11 month ends before December;
    // the years add the 74 year ends before 2025.
    expect(decision.keptByRule).toMatchObject({ daily: 7, weekly: 5, monthly: 12, yearly: 75 });
    expect(decision.counts).toEqual({ kept: 7 + 3 + 11 + 74, expired: snapshots.length - 95, ignored: 0 });
    expect(decision.keep).toContain('1951-12-31T03:00:00.000Z');
    expect(decision.keep).not.toContain('1950-12-31T03:00:00.000Z');
    expect(reasonsOf(decision, '2025-12-31T03:00:00.000Z')).toEqual([
      'kept: newest', 'kept: daily 2025-12-31', 'kept: weekly 2026-W01', 'kept: monthly 2025-12', 'kept: yearly 2025',
    ]);
  });

  test('a calendar rule with room left after the oldest backup keeps the oldest too', () => {
    // GIVEN two backups on each of two days, while the policy asks for seven days
    const times = ['2026-06-01T06:00:00.000Z', '2026-06-01T18:00:00.000Z', '2026-06-02T06:00:00.000Z',
      '2026-06-02T18:00:00.000Z'];

    // WHEN daily 7 is applied
    const decision = decide(times.map((time) => snapshot(time)), { daily: 7 });

    // THEN the newest of each day is kept and, as restic does, the oldest backup as well
    expect(decision.expire).toEqual(['2026-06-02T06:00:00.000Z']);
    expect(reasonsOf(decision, times[0])).toEqual(['kept: oldest, daily 7 not yet filled']);
    expect(decision.keptByRule.daily).toBe(3);
  });

  test('a within-period rule whose window reaches past the oldest backup keeps the oldest too', () => {
    // GIVEN two backups a day for two days
    const times = ['2026-06-01T06:00:00.000Z', '2026-06-01T18:00:00.000Z', '2026-06-02T06:00:00.000Z',
      '2026-06-02T18:00:00.000Z'];

    // WHEN within-daily 30d is applied
    const decision = decide(times.map((time) => snapshot(time)), { withinDailySeconds: 30 * DAY_SECONDS });

    // THEN the oldest is kept besides the newest of each day
    expect(decision.expire).toEqual(['2026-06-02T06:00:00.000Z']);
    expect(reasonsOf(decision, times[0])).toEqual(['kept: oldest, daily within 30d of newest reaches further back']);
  });

  test('a within rule measures from the newest backup, not from now, so a stopped schedule keeps its last days', () => {
    // GIVEN a schedule that stopped in 2019, and a run today that makes no new snapshot
    const snapshots = sundays.map((time) => snapshot(time));

    // WHEN within 8d is applied long after the last backup
    const decision = decide(snapshots, { keepWithinSeconds: 8 * DAY_SECONDS }, { now: '2026-11-29T14:00:00Z' });

    // THEN the two newest backups are still kept
    expect(decision.keep).toEqual([sundays[11], sundays[10]]);
    expect(reasonsOf(decision, sundays[10])).toEqual(['kept: within 8d of newest']);
  });

  test('reasons name each rule that keeps a snapshot and the policy that expires one', () => {
    // GIVEN three snapshots over two days
    const snapshots = ['2026-11-28T03:00:00.000Z', '2026-11-29T03:00:00.000Z', '2026-11-29T15:00:00.000Z']
      .map((time) => snapshot(time));

    // WHEN a policy with several rules is applied
    const decision = decide(snapshots, { keepLast: 1, daily: 1, withinWeeklySeconds: 14 * DAY_SECONDS });

    // THEN every verdict carries its reasons, newest first
    expect(decision.verdicts).toEqual([
      {
        identifier: '2026-11-29T15:00:00.000Z',
        action: 'keep',
        reasons: [
          'kept: newest', 'kept: last 1', 'kept: daily 2026-11-29', 'kept: weekly 2026-W48 within 14d of newest',
        ],
        time: '2026-11-29T15:00:00.000Z',
      },
      {
        identifier: '2026-11-29T03:00:00.000Z',
        action: 'expire',
        reasons: ['expired: beyond last 1, daily 1, weekly within 14d'],
        time: '2026-11-29T03:00:00.000Z',
      },
      {
        identifier: '2026-11-28T03:00:00.000Z',
        action: 'keep',
        reasons: ['kept: oldest, weekly within 14d of newest reaches further back'],
        time: '2026-11-28T03:00:00.000Z',
      },
    ]);
    expect(decision.keptByRule).toEqual({
      newest: 1, madeByThisRun: 0, pinned: 0, noTimeKnown: 0, last: 1, daily: 1, withinWeekly: 2,
    });
  });
});

describe('ownership', () => {
  const own = '2026-11-29T03:00:00.000Z';
  const old = '2026-11-01T03:00:00.000Z';
  const foreign: Array<[string, SnapshotRecord]> = [
    ['ignored: another cluster\'s snapshot', snapshot(old, { clusterIdentifier: 'billing-db' }, 'billing')],
    ['ignored: automated snapshot', snapshot(old, { snapshotType: 'automated', tags: {} }, 'rds:orders-db-2026-11-01')],
    ['ignored: automated snapshot',
      snapshot(old, { snapshotType: 'automated' }, 'automated-with-copied-tags')],
    ['ignored: AWS Backup snapshot', snapshot(old, { snapshotType: 'awsbackup' }, 'awsbackup:job-1')],
    ['ignored: shared snapshot', snapshot(old, { snapshotType: 'shared' }, 'shared')],
    ['ignored: unknown type of snapshot', snapshot(old, { snapshotType: '' }, 'no-type')],
    ['ignored: not made by this schedule', snapshot(old, { tags: {} }, 'hand-made')],
    ['ignored: not made by this schedule',
      snapshot(old, { tags: { [SnapshotTagKeys.SCHEDULE]: 'orders-hourly' } }, 'other-schedule')],
    ['ignored: status creating', snapshot(old, { status: 'creating' }, 'creating')],
    ['ignored: status failed', snapshot(old, { status: 'failed' }, 'failed')],
    ['ignored: status unknown', snapshot(old, { status: '' }, 'no-status')],
  ];

  test.each(foreign)('%s (%#) is left alone', (reason, record) => {
    // GIVEN one own snapshot and a foreign one that is older
    const snapshots = [snapshot(own), record];

    // WHEN a policy that keeps only the newest is applied
    const decision = decide(snapshots, { keepLast: 1 });

    // THEN the foreign snapshot is ignored with its reason, never expired
    expect(decision.expire).toEqual([]);
    expect(decision.ignore).toEqual([record.identifier]);
    expect(reasonsOf(decision, record.identifier)).toEqual([reason]);
  });

  test('foreign snapshots neither count toward the rules nor are expired', () => {
    // GIVEN foreign snapshots newer than all own ones
    const snapshots = [
      snapshot(old),
      snapshot(own),
      snapshot('2026-11-30T03:00:00.000Z', { clusterIdentifier: 'billing-db' }, 'billing'),
      snapshot('2026-11-30T04:00:00.000Z', { tags: {} }, 'hand-made'),
    ];

    // WHEN last 1 is applied
    const decision = decide(snapshots, { keepLast: 1 });

    // THEN the newest own snapshot is the one kept
    expect(decision.keep).toEqual([own]);
    expect(decision.expire).toEqual([old]);
    expect(decision.ignore).toEqual(['hand-made', 'billing']);
    expect(decision.counts).toEqual({ kept: 1, expired: 1, ignored: 2 });
  });
});

describe('snapshots that always stay', () => {
  test('a pinned snapshot is kept whatever its value and age', () => {
    // GIVEN an old snapshot pinned with an empty value
    const pinned = snapshot('2020-01-01T03:00:00.000Z', {
      tags: {
        [SnapshotTagKeys.SCHEDULE]: SCHEDULE,
        [SnapshotTagKeys.SCHEDULED_TIME]: '2020-01-01T03:00:00.000Z',
        [SnapshotTagKeys.PIN]: '',
      },
    });

    // WHEN last 1 is applied
    const decision = decide([pinned, snapshot('2026-11-29T03:00:00.000Z'), snapshot('2026-11-28T03:00:00.000Z')],
      { keepLast: 1 });

    // THEN it is kept as pinned
    expect(reasonsOf(decision, pinned.identifier)).toEqual(['kept: pinned']);
    expect(decision.expire).toEqual(['2026-11-28T03:00:00.000Z']);
    expect(decision.keptByRule.pinned).toBe(1);
  });

  test('a pinned snapshot takes part in the rules like any other, as restic\'s kept tags do', () => {
    // GIVEN the newest snapshot is pinned
    const pinned = snapshot('2026-11-29T03:00:00.000Z', {
      tags: { [SnapshotTagKeys.SCHEDULE]: SCHEDULE, [SnapshotTagKeys.PIN]: 'legal hold' },
    });

    // WHEN last 1 is applied
    const decision = decide([pinned, snapshot('2026-11-28T03:00:00.000Z')], { keepLast: 1 });

    // THEN the pinned snapshot fills the one place and the other expires
    expect(reasonsOf(decision, pinned.identifier)).toEqual(['kept: newest', 'kept: pinned', 'kept: last 1']);
    expect(decision.expire).toEqual(['2026-11-28T03:00:00.000Z']);
  });

  test('the snapshot made by this run is kept even when its scheduled time is older than others', () => {
    // GIVEN a late run whose scheduled time lies before a newer snapshot
    const late = snapshot('2026-11-20T03:00:00.000Z', {}, 'orders-nightly-late');
    const snapshots = [late, snapshot('2026-11-29T03:00:00.000Z'), snapshot('2026-11-21T03:00:00.000Z')];

    // WHEN last 1 is applied
    const decision = decide(snapshots, { keepLast: 1 }, { createdSnapshotIdentifier: 'orders-nightly-late' });

    // THEN the run's own snapshot stays
    expect(reasonsOf(decision, 'orders-nightly-late')).toEqual(['kept: made by this run']);
    expect(decision.expire).toEqual(['2026-11-21T03:00:00.000Z']);
  });

  test('a snapshot with neither a scheduled-time tag nor a create time is kept and counts for no rule', () => {
    // GIVEN a snapshot of unknown time besides two dated ones
    const undated = snapshot('unparsable', { createTime: undefined, tags: { [SnapshotTagKeys.SCHEDULE]: SCHEDULE } },
      'undated');
    const snapshots = [undated, snapshot('2026-11-29T03:00:00.000Z'), snapshot('2026-11-28T03:00:00.000Z')];

    // WHEN last 1 is applied
    const decision = decide(snapshots, { keepLast: 1 });

    // THEN the undated one is kept, listed last and without a time, and the last place goes to the newest
    expect(decision.verdicts[2]).toEqual({ identifier: 'undated', action: 'keep', reasons: ['kept: no time known'] });
    expect(decision.keep).toEqual(['2026-11-29T03:00:00.000Z', 'undated']);
  });

  test.each([
    ['not an instant', 'yesterday'],
    ['a day that does not exist', '2026-02-30T03:00:00Z'],
    ['a time without a zone', '2026-11-20T03:00:00'],
  ])('a scheduled-time tag that is %s falls back to the create time', (_kind, tag) => {
    // GIVEN a snapshot with a bad scheduled-time tag
    const record = snapshot('2026-11-20T03:00:00.000Z', {
      tags: { [SnapshotTagKeys.SCHEDULE]: SCHEDULE, [SnapshotTagKeys.SCHEDULED_TIME]: tag },
    }, 'bad-tag');

    // WHEN the decision runs
    const decision = decide([record, snapshot('2026-11-29T03:00:00.000Z')], { keepLast: 5 });

    // THEN its create time is used
    expect(decision.verdicts[1]).toMatchObject({ identifier: 'bad-tag', time: '2026-11-20T03:00:00.000Z' });
  });

  test('the scheduled-time tag wins over the create time', () => {
    // GIVEN a snapshot created an hour after its scheduled time
    const record = snapshot('2026-11-29T03:00:00.000Z', { createTime: '2026-11-29T04:00:00.000Z' }, 'late');

    // WHEN the decision runs
    const decision = decide([record], { keepLast: 1 });

    // THEN the scheduled time is its time
    expect(decision.verdicts[0].time).toBe('2026-11-29T03:00:00.000Z');
  });

  test('with `now`, a future-dated snapshot is kept and the within rules measure from the newest before now', () => {
    // GIVEN a snapshot whose scheduled-time tag says 2099
    const future = snapshot('2099-01-01T00:00:00.000Z', {}, 'wrong-date');
    const snapshots = [future, snapshot('2026-11-29T03:00:00.000Z'), snapshot('2026-11-28T03:00:00.000Z')];

    // WHEN within 7d is applied with the current time
    const decision = decide(snapshots, { keepWithinSeconds: 7 * DAY_SECONDS }, { now: '2026-11-29T04:00:00Z' });

    // THEN nothing expires
    expect(reasonsOf(decision, 'wrong-date')).toEqual(['kept: newest', 'kept: dated after now']);
    expect(decision.expire).toEqual([]);
    expect(decision.keptByRule).toMatchObject({ datedAfterNow: 1, within: 2 });
  });

  test('without `now`, a snapshot dated in the future is the newest that the within rules measure from', () => {
    // GIVEN the same wrongly dated snapshot
    const future = snapshot('2099-01-01T00:00:00.000Z', {}, 'wrong-date');
    const snapshots = [future, snapshot('2026-11-29T03:00:00.000Z')];

    // WHEN within 7d is applied without the current time
    const decision = decide(snapshots, { keepWithinSeconds: 7 * DAY_SECONDS });

    // THEN the older snapshot is out of reach: callers should pass `now`
    expect(decision.expire).toEqual(['2026-11-29T03:00:00.000Z']);
  });

  test('an identifier listed twice is never expired when one listing is kept or ignored', () => {
    // GIVEN the same identifier as an own, old snapshot and as a foreign one
    const snapshots = [
      snapshot('2026-11-29T03:00:00.000Z'),
      snapshot('2026-11-01T03:00:00.000Z', {}, 'twice'),
      snapshot('2026-11-01T03:00:00.000Z', { status: 'creating' }, 'twice'),
      snapshot('2026-11-02T03:00:00.000Z'),
    ];

    // WHEN last 1 is applied
    const decision = decide(snapshots, { keepLast: 1 });

    // THEN only the unique old snapshot expires
    expect(decision.expire).toEqual(['2026-11-02T03:00:00.000Z']);
    expect(decision.verdicts.filter((v) => v.identifier === 'twice').map((v) => v.reasons)).toEqual([
      ['kept: identifier listed more than once'],
      ['ignored: status creating'],
    ]);
    expect(decision.keptByRule.listedTwice).toBe(1);
  });
});

describe('time zones', () => {
  /** Keeps by hourly/daily/weekly rules in a zone and returns the reasons of the kept snapshots. */
  function keptReasons(times: string[], policy: RetentionPolicy, timeZone: string): Record<string, string[]> {
    const decision = decide(times.map((time) => snapshot(time)), policy, { timeZone });
    const kept = decision.verdicts.filter((verdict) => verdict.action === 'keep');
    return Object.fromEntries(kept.map((verdict) => [verdict.identifier, verdict.reasons]));
  }

  test('Europe/Berlin: the hour repeated when clocks fall back is two hours, not one', () => {
    // GIVEN snapshots at 01:30 CEST, then 02:10 and 02:50 CEST, then 02:10 and 02:50 CET on 2026-10-25
    const times = ['2026-10-24T23:30:00.000Z', '2026-10-25T00:10:00.000Z', '2026-10-25T00:50:00.000Z',
      '2026-10-25T01:10:00.000Z', '2026-10-25T01:50:00.000Z'];

    // WHEN hourly 2 is applied in Berlin
    const kept = keptReasons(times, { hourly: 2 }, 'Europe/Berlin');

    // THEN the newest of each 02 hour is kept, and the 01 hour is not reached
    expect(kept).toEqual({
      '2026-10-25T01:50:00.000Z': ['kept: newest', 'kept: hourly 2026-10-25T02+01:00'],
      '2026-10-25T00:50:00.000Z': ['kept: hourly 2026-10-25T02+02:00'],
    });
  });

  test('Europe/Berlin: the hour skipped when clocks spring forward leaves its neighbours apart', () => {
    // GIVEN snapshots at 01:30 and 01:50 CET and 03:30 CEST on 2026-03-29
    const times = ['2026-03-29T00:30:00.000Z', '2026-03-29T00:50:00.000Z', '2026-03-29T01:30:00.000Z'];

    // WHEN hourly 2 is applied
    const kept = keptReasons(times, { hourly: 2 }, 'Europe/Berlin');

    // THEN the hours are 03 and 01
    expect(kept).toEqual({
      '2026-03-29T01:30:00.000Z': ['kept: newest', 'kept: hourly 2026-03-29T03'],
      '2026-03-29T00:50:00.000Z': ['kept: hourly 2026-03-29T01'],
    });
  });

  test('Europe/Berlin: days, weeks and years turn at local midnight', () => {
    // GIVEN Sunday 23:59:59 and Monday 00:00 local time, and New Year's Eve 23:30 and New Year 00:30
    const times = ['2026-11-29T22:59:59.000Z', '2026-11-29T23:00:00.000Z', '2026-12-31T22:30:00.000Z',
      '2026-12-31T23:30:00.000Z'];

    // WHEN daily 4, weekly 3 and yearly 2 are applied
    const kept = keptReasons(times, { daily: 4, weekly: 3, yearly: 2 }, 'Europe/Berlin');

    // THEN each falls in its local period
    expect(kept).toEqual({
      '2026-12-31T23:30:00.000Z': [
        'kept: newest', 'kept: daily 2027-01-01', 'kept: weekly 2026-W53', 'kept: yearly 2027',
      ],
      '2026-12-31T22:30:00.000Z': ['kept: daily 2026-12-31', 'kept: yearly 2026'],
      '2026-11-29T23:00:00.000Z': ['kept: daily 2026-11-30', 'kept: weekly 2026-W49'],
      '2026-11-29T22:59:59.000Z': ['kept: daily 2026-11-29', 'kept: weekly 2026-W48'],
    });
  });

  test('the same instants in UTC fall on one Sunday', () => {
    // GIVEN the Sunday-night pair from above
    const times = ['2026-11-29T22:59:59.000Z', '2026-11-29T23:00:00.000Z'];

    // WHEN daily 1 is applied in UTC
    const decision = decide(times.map((time) => snapshot(time)), { daily: 1 });

    // THEN they share a day and only the newer is kept
    expect(decision.keep).toEqual(['2026-11-29T23:00:00.000Z']);
  });

  test('America/New_York: the repeated 01 hour on 2026-11-01 is two hours, one per offset', () => {
    // GIVEN snapshots at 00:30 EDT, 01:10 and 01:50 EDT, 01:10 and 01:50 EST
    const times = ['2026-11-01T04:30:00.000Z', '2026-11-01T05:10:00.000Z', '2026-11-01T05:50:00.000Z',
      '2026-11-01T06:10:00.000Z', '2026-11-01T06:50:00.000Z'];

    // WHEN hourly 2 is applied in New York
    const kept = keptReasons(times, { hourly: 2 }, 'America/New_York');

    // THEN both 01 hours keep their newest
    expect(kept).toEqual({
      '2026-11-01T06:50:00.000Z': ['kept: newest', 'kept: hourly 2026-11-01T01-05:00'],
      '2026-11-01T05:50:00.000Z': ['kept: hourly 2026-11-01T01-04:00'],
    });
  });

  test('America/New_York: spring forward on 2026-03-08 and the day turning at local midnight', () => {
    // GIVEN 01:30 EST and 03:30 EDT on 2026-03-08, and 23:59 and 00:00 EST around 2026-11-30
    const times = ['2026-03-08T06:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-11-30T04:59:00.000Z',
      '2026-11-30T05:00:00.000Z'];

    // WHEN hourly 4 and daily 3 are applied
    const kept = keptReasons(times, { hourly: 4, daily: 3 }, 'America/New_York');

    // THEN the local hours and days apply
    expect(kept).toEqual({
      '2026-11-30T05:00:00.000Z': ['kept: newest', 'kept: hourly 2026-11-30T00', 'kept: daily 2026-11-30'],
      '2026-11-30T04:59:00.000Z': ['kept: hourly 2026-11-29T23', 'kept: daily 2026-11-29'],
      '2026-03-08T07:30:00.000Z': ['kept: hourly 2026-03-08T03', 'kept: daily 2026-03-08'],
      '2026-03-08T06:30:00.000Z': ['kept: hourly 2026-03-08T01'],
    });
  });

  test('Australia/Lord_Howe: the half hour repeated on 2026-04-05 gives the same wall time two hour keys', () => {
    // GIVEN 00:30 and 01:40 at +11:00, then 01:40 again at +10:30 after the half-hour fall-back
    const times = ['2026-04-04T13:30:00.000Z', '2026-04-04T14:40:00.000Z', '2026-04-04T15:10:00.000Z'];

    // WHEN hourly 2 is applied on Lord Howe Island
    const kept = keptReasons(times, { hourly: 2 }, 'Australia/Lord_Howe');

    // THEN both 01:40 snapshots are kept, one per offset
    expect(kept).toEqual({
      '2026-04-04T15:10:00.000Z': ['kept: newest', 'kept: hourly 2026-04-05T01+10:30'],
      '2026-04-04T14:40:00.000Z': ['kept: hourly 2026-04-05T01+11:00'],
    });
  });

  test('Australia/Lord_Howe: the half hour skipped on 2026-10-04 and local midnight at +11:00', () => {
    // GIVEN 01:50 at +10:30 and 02:40 at +11:00 on 2026-10-04, and 23:59 and 00:00 around 2026-11-29
    const times = ['2026-10-03T15:20:00.000Z', '2026-10-03T15:40:00.000Z', '2026-11-28T12:59:00.000Z',
      '2026-11-28T13:00:00.000Z'];

    // WHEN hourly 4 and daily 3 are applied
    const kept = keptReasons(times, { hourly: 4, daily: 3 }, 'Australia/Lord_Howe');

    // THEN hours and days follow the island's clock
    expect(kept).toEqual({
      '2026-11-28T13:00:00.000Z': ['kept: newest', 'kept: hourly 2026-11-29T00', 'kept: daily 2026-11-29'],
      '2026-11-28T12:59:00.000Z': ['kept: hourly 2026-11-28T23', 'kept: daily 2026-11-28'],
      '2026-10-03T15:40:00.000Z': ['kept: hourly 2026-10-04T02', 'kept: daily 2026-10-04'],
      '2026-10-03T15:20:00.000Z': ['kept: hourly 2026-10-04T01'],
    });
  });

  test('Asia/Kathmandu: hours and days turn at a quarter past the UTC hour', () => {
    // GIVEN 22:59, 23:00 and 23:59 on 2026-11-29 and 00:00 on 2026-11-30 at +05:45
    const times = ['2026-11-29T17:14:00.000Z', '2026-11-29T17:15:00.000Z', '2026-11-29T18:14:00.000Z',
      '2026-11-29T18:15:00.000Z'];

    // WHEN hourly 3 and daily 2 are applied
    const kept = keptReasons(times, { hourly: 3, daily: 2 }, 'Asia/Kathmandu');

    // THEN the quarter-hour offset places each instant
    expect(kept).toEqual({
      '2026-11-29T18:15:00.000Z': ['kept: newest', 'kept: hourly 2026-11-30T00', 'kept: daily 2026-11-30'],
      '2026-11-29T18:14:00.000Z': ['kept: hourly 2026-11-29T23', 'kept: daily 2026-11-29'],
      '2026-11-29T17:14:00.000Z': ['kept: hourly 2026-11-29T22'],
    });
  });

  test('ISO weeks: 2026-12-31 to 2027-01-03 are week 53 of 2026 and 2027-01-04 starts 2027-W01', () => {
    // GIVEN Thursday, Friday and Sunday at the turn of the year and the Monday after
    const times = ['2026-12-31T12:00:00.000Z', '2027-01-01T12:00:00.000Z', '2027-01-03T12:00:00.000Z',
      '2027-01-04T12:00:00.000Z'];

    // WHEN weekly 2 and yearly 2 are applied
    const kept = keptReasons(times, { weekly: 2, yearly: 2 }, 'UTC');

    // THEN the week-year and the calendar year differ
    expect(kept).toEqual({
      '2027-01-04T12:00:00.000Z': ['kept: newest', 'kept: weekly 2027-W01', 'kept: yearly 2027'],
      '2027-01-03T12:00:00.000Z': ['kept: weekly 2026-W53'],
      '2026-12-31T12:00:00.000Z': ['kept: yearly 2026'],
    });
  });

  test('ISO weeks: 2020-12-31 falls in 2020-W53 with 2021-01-03, and 2020-12-27 in 2020-W52', () => {
    // GIVEN Sunday 2020-12-27, Thursday 2020-12-31 and Sunday 2021-01-03
    const times = ['2020-12-27T12:00:00.000Z', '2020-12-31T12:00:00.000Z', '2021-01-03T12:00:00.000Z'];

    // WHEN weekly 2 is applied
    const kept = keptReasons(times, { weekly: 2 }, 'UTC');

    // THEN two weeks are kept
    expect(kept).toEqual({
      '2021-01-03T12:00:00.000Z': ['kept: newest', 'kept: weekly 2020-W53'],
      '2020-12-27T12:00:00.000Z': ['kept: weekly 2020-W52'],
    });
  });
});

describe('calendar periods', () => {
  test.each([
    ['Europe/Berlin', true],
    ['America/New_York', true],
    ['UTC', true],
    ['Mars/Olympus_Mons', false],
    ['', false],
  ])('isValidTimeZone(%j) is %s', (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });

  test.each<[string, string, string[]]>([
    ['2026-11-29T14:30:00Z', 'UTC', ['2026-11-29T14', '2026-11-29', '2026-W48', '2026-11', '2026']],
    ['2026-11-29T14:30:00Z', 'Asia/Kathmandu', ['2026-11-29T20', '2026-11-29', '2026-W48', '2026-11', '2026']],
    ['2026-12-31T23:30:00Z', 'Europe/Berlin', ['2027-01-01T00', '2027-01-01', '2026-W53', '2027-01', '2027']],
    ['2027-01-01T03:00:00Z', 'America/New_York', ['2026-12-31T22', '2026-12-31', '2026-W53', '2026-12', '2026']],
  ])('%s in %s has the periods %j', (instant, zone, keys) => {
    // GIVEN an instant
    const ms = parseIsoInstant(instant) as number;

    // WHEN its periods are asked for
    const periods = (['hour', 'day', 'week', 'month', 'year'] as const).map((period) => periodKey(period, ms, zone));

    // THEN they are the local ones
    expect(periods).toEqual(keys);
  });

  test('the offset is learnt once per zone and matches Intl on both sides of a change', () => {
    // GIVEN the calendar of Berlin
    const calendar = calendarFor('Europe/Berlin');

    // WHEN offsets are asked for around the 2026-10-25 change at 01:00 UTC
    const before = calendar.offsetAt(Date.parse('2026-10-25T00:59:59.999Z'));
    const after = calendar.offsetAt(Date.parse('2026-10-25T01:00:00.000Z'));

    // THEN they are CEST then CET, and the calendar is shared
    expect([before, after]).toEqual([2 * 3_600_000, 3_600_000]);
    expect(calendarFor('Europe/Berlin')).toBe(calendar);
  });

  test.each([
    ['2026-11-29T14:00:00Z', Date.UTC(2026, 10, 29, 14)],
    ['2026-11-29t14:00z', Date.UTC(2026, 10, 29, 14)],
    ['2026-11-29T15:00:00.5+01:00', Date.UTC(2026, 10, 29, 14, 0, 0, 500)],
    ['2026-11-29T08:15:00.123456-05:45', Date.UTC(2026, 10, 29, 14, 0, 0, 123)],
    ['0099-01-01T00:00:00Z', -59042995200000],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2026-02-29T00:00:00Z', undefined],
    ['2026-13-01T00:00:00Z', undefined],
    ['2026-11-29T24:00:00Z', undefined],
    ['2026-11-29T14:00:00+24:00', undefined],
    ['2026-11-29', undefined],
    ['1764424800000', undefined],
  ])('parseIsoInstant(%j) is %s', (text, expected) => {
    expect(parseIsoInstant(text)).toBe(expected);
  });

  test.each([
    [0, '+00:00'],
    [5.75 * 3_600_000, '+05:45'],
    [-3.5 * 3_600_000, '-03:30'],
    [(53 * 60 + 28) * 1000, '+00:53:28'],
  ])('formatUtcOffset(%d) is %s', (offset, text) => {
    expect(formatUtcOffset(offset)).toBe(text);
  });

  test('a year before the common era is read from Intl without error', () => {
    // GIVEN an instant in 5 BC, when Berlin kept local mean time
    const ms = Date.UTC(-4, 0, 1, 12);

    // WHEN its offset and year are asked for
    const calendar = calendarFor('Europe/Berlin');

    // THEN the offset is the local mean time of Berlin, +00:53:28
    expect(formatUtcOffset(calendar.offsetAt(ms))).toBe('+00:53:28');
    expect(calendar.yearKey(ms)).toBe('-0004');
  });
});

describe('input checks and order', () => {
  test.each<[string, Partial<RetentionInput>, string]>([
    ['an empty policy', { policy: {} }, '`retention` keeps nothing'],
    ['a policy with a bad count', { policy: { daily: 0 } },
      '`retention.daily` must be a whole number of at least 1, got 0.'],
    ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' },
      '`timeZone` must be an IANA time zone name such as Europe/Berlin, got "Mars/Olympus_Mons".'],
    ['a bad now', { now: 'today' }, '`now` must be an ISO-8601 instant such as 2026-11-29T14:00:00Z, got "today".'],
  ])('%s is refused before anything is decided', (_name, override, message) => {
    // GIVEN otherwise sound input
    const input: RetentionInput = {
      snapshots: [snapshot('2026-11-29T03:00:00.000Z')],
      policy: { keepLast: 1 },
      clusterIdentifier: CLUSTER,
      scheduleId: SCHEDULE,
      timeZone: 'UTC',
      ...override,
    };

    // WHEN / THEN the decision throws
    expect(() => decideRetention(input)).toThrow(message);
  });

  test('no snapshots decide to nothing', () => {
    expect(decide([], { keepLast: 1 })).toEqual({
      verdicts: [],
      keep: [],
      expire: [],
      ignore: [],
      counts: { kept: 0, expired: 0, ignored: 0 },
      keptByRule: { newest: 0, madeByThisRun: 0, pinned: 0, noTimeKnown: 0, last: 0 },
    });
  });

  test('verdicts come newest first, then by identifier, whatever the input order', () => {
    // GIVEN snapshots sharing times and one without a time
    const snapshots = [
      snapshot('2026-11-28T03:00:00.000Z', {}, 'b'),
      snapshot('2026-11-29T03:00:00.000Z', {}, 'z'),
      snapshot('x', { createTime: undefined, tags: { [SnapshotTagKeys.SCHEDULE]: SCHEDULE } }, 'undated'),
      snapshot('2026-11-28T03:00:00.000Z', {}, 'a'),
      snapshot('2026-11-29T03:00:00.000Z', {}, 'y'),
    ];

    // WHEN decided in two orders
    const forward = decide(snapshots, { keepLast: 2 });
    const backward = decide([...snapshots].reverse(), { keepLast: 2 });

    // THEN the results are equal and ordered
    expect(backward).toEqual(forward);
    expect(forward.verdicts.map((v) => v.identifier)).toEqual(['y', 'z', 'a', 'b', 'undated']);
    expect(forward.keep).toEqual(['y', 'z', 'undated']);
  });

  test('100,000 snapshots decide well within two seconds', () => {
    // GIVEN about eleven years of hourly snapshots in a zone with summer time
    const snapshots: SnapshotRecord[] = [];
    const start = Date.UTC(2015, 0, 1);
    for (let i = 0; i < 100_000; i++) {
      snapshots.push(snapshot(new Date(start + i * 3_600_000 + (i % 7) * 60_000).toISOString()));
    }

    // WHEN every kind of rule is applied
    const started = process.hrtime.bigint();
    const decision = decide(snapshots, {
      keepLast: 24,
      hourly: 48,
      daily: 14,
      weekly: 8,
      monthly: 24,
      yearly: 10,
      keepWithinSeconds: 2 * DAY_SECONDS,
      withinHourlySeconds: 30 * DAY_SECONDS,
      withinDailySeconds: 400 * DAY_SECONDS,
    }, { timeZone: 'Europe/Berlin' });
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;

    // THEN it is quick and complete
    expect(elapsedMs).toBeLessThan(2000);
    expect(decision.verdicts).toHaveLength(100_000);
    expect(decision.counts.kept + decision.counts.expired).toBe(100_000);
  });
});
