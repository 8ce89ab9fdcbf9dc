import { CfnParameter, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import {
  describeRetentionPolicy,
  formatSeconds,
  RetentionPolicy,
  validateRetentionPolicy,
} from '../src/decisions/retention-policy';
import { Retention } from '../src/retention';

describe('Retention factories', () => {
  test('keepLast keeps a count of the newest snapshots', () => {
    // WHEN
    const retention = Retention.keepLast(7);

    // THEN
    expect(retention._policy).toEqual({ keepLast: 7 });
    expect(retention.toString()).toBe('last 7');
  });

  test('keepWithin carries the duration in whole seconds', () => {
    // WHEN
    const retention = Retention.keepWithin(Duration.days(30));

    // THEN
    expect(retention._policy).toEqual({ keepWithinSeconds: 30 * 86_400 });
    expect(retention.toString()).toBe('within 30d');
  });

  test('policy combines counts and durations and leaves unset rules out', () => {
    // WHEN
    const retention = Retention.policy({ last: 7, daily: 7, weekly: 4, monthly: 12 });

    // THEN
    expect(retention._policy).toEqual({ keepLast: 7, daily: 7, weekly: 4, monthly: 12 });
    expect(Object.keys(retention._policy)).toEqual(['keepLast', 'daily', 'weekly', 'monthly']);
    expect(retention.toString()).toBe('last 7, daily 7, weekly 4, monthly 12');
  });

  test('policy maps every prop to its field', () => {
    // WHEN
    const retention = Retention.policy({
      last: 1,
      within: Duration.hours(36),
      hourly: 2,
      daily: 3,
      weekly: 4,
      monthly: 5,
      yearly: 6,
      withinHourly: Duration.hours(48),
      withinDaily: Duration.days(7),
      withinWeekly: Duration.days(31),
      withinMonthly: Duration.days(365),
      withinYearly: Duration.minutes(90),
    });

    // THEN
    expect(retention._policy).toEqual({
      keepLast: 1,
      keepWithinSeconds: 129_600,
      hourly: 2,
      daily: 3,
      weekly: 4,
      monthly: 5,
      yearly: 6,
      withinHourlySeconds: 172_800,
      withinDailySeconds: 604_800,
      withinWeeklySeconds: 2_678_400,
      withinMonthlySeconds: 31_536_000,
      withinYearlySeconds: 5_400,
    });
    expect(retention.toString()).toBe('last 1, within 1d12h, hourly 2, daily 3, weekly 4, monthly 5, yearly 6, '
      + 'hourly within 2d, daily within 7d, weekly within 31d, monthly within 365d, yearly within 1h30min');
  });
});

describe('Retention refuses bad input at synth', () => {
  test.each<[string, () => Retention, string]>([
    ['no rule', () => Retention.policy({}),
      '`retention` keeps nothing: give at least one rule (last, within, hourly, daily, weekly, monthly, yearly, '
      + 'withinHourly, withinDaily, withinWeekly, withinMonthly or withinYearly).'],
    ['a count of 0', () => Retention.keepLast(0), '`retention.last` must be a whole number of at least 1, got 0.'],
    ['a count of 1.5', () => Retention.policy({ daily: 1.5 }),
      '`retention.daily` must be a whole number of at least 1, got 1.5.'],
    ['a count of -1', () => Retention.policy({ weekly: -1 }),
      '`retention.weekly` must be a whole number of at least 1, got -1.'],
    ['a count of NaN', () => Retention.policy({ monthly: NaN }),
      '`retention.monthly` must be a whole number of at least 1, got NaN.'],
    ['an infinite count', () => Retention.policy({ yearly: Infinity }),
      '`retention.yearly` must be a whole number of at least 1, got Infinity.'],
    ['an hourly count of 0', () => Retention.policy({ hourly: 0 }),
      '`retention.hourly` must be a whole number of at least 1, got 0.'],
    ['a zero duration', () => Retention.keepWithin(Duration.seconds(0)),
      '`retention.within` must be a positive duration, got 0 seconds.'],
    ['a zero within-period duration', () => Retention.policy({ withinMonthly: Duration.days(0) }),
      '`retention.withinMonthly` must be a positive duration, got 0 seconds.'],
    ['a NaN duration', () => Retention.policy({ withinHourly: Duration.minutes(NaN) }),
      '`retention.withinHourly` must be a positive duration, got NaN seconds.'],
    ['a duration of a fraction of a second', () => Retention.policy({ withinDaily: Duration.millis(1500) }),
      '`retention.withinDaily` must be a whole number of seconds, got 1.5 seconds.'],
  ])('%s', (_name, make, message) => {
    // WHEN / THEN the factory throws the whole message
    expect(make).toThrow(new Error(message));
  });

  test('several problems are reported together, one sentence a line, in rule order', () => {
    // WHEN / THEN
    expect(() => Retention.policy({ daily: 0, within: Duration.seconds(0), yearly: 2.5 })).toThrow(new Error([
      '`retention.within` must be a positive duration, got 0 seconds.',
      '`retention.daily` must be a whole number of at least 1, got 0.',
      '`retention.yearly` must be a whole number of at least 1, got 2.5.',
    ].join('\n')));
  });

  test('a negative duration never reaches Retention: Duration itself refuses it', () => {
    expect(() => Retention.keepWithin(Duration.days(-1))).toThrow(/negative/);
  });
});

describe('Retention with tokens', () => {
  test('unresolved counts and durations are not checked and resolve at deploy time', () => {
    // GIVEN parameters that resolve at deploy time
    const stack = new Stack();
    const daily = new CfnParameter(stack, 'DailyCount', { type: 'Number' });
    const within = new CfnParameter(stack, 'WithinSeconds', { type: 'Number' });

    // WHEN
    const retention = Retention.policy({ daily: daily.valueAsNumber, within: Duration.seconds(within.valueAsNumber) });

    // THEN
    expect(stack.resolve(retention._policy)).toEqual({
      daily: { Ref: 'DailyCount' },
      keepWithinSeconds: { Ref: 'WithinSeconds' },
    });
  });

  test('a token does not excuse a bad literal beside it', () => {
    // GIVEN
    const lazy = Lazy.number({ produce: () => 0 });

    // WHEN / THEN
    expect(Token.isUnresolved(lazy)).toBe(true);
    expect(() => Retention.policy({ daily: lazy, weekly: 0 }))
      .toThrow(new Error('`retention.weekly` must be a whole number of at least 1, got 0.'));
  });
});

describe('validateRetentionPolicy', () => {
  test('a sound policy has no problems', () => {
    expect(validateRetentionPolicy({ keepLast: 3, withinDailySeconds: 86_400 })).toEqual([]);
  });

  test('the prop name is the caller\'s', () => {
    expect(validateRetentionPolicy({ daily: 0 }, 'schedule.retention')).toEqual([
      '`schedule.retention.daily` must be a whole number of at least 1, got 0.',
    ]);
  });

  test.each<[string, unknown, string[]]>([
    ['a negative duration', { keepWithinSeconds: -60 },
      ['`retention.within` must be a positive duration, got -60 seconds.']],
    ['a duration given as text', { withinYearlySeconds: '3600' },
      ['`retention.withinYearly` must be a positive duration, got "3600" seconds.']],
    ['a count given as text', { daily: '7' }, ['`retention.daily` must be a whole number of at least 1, got "7".']],
    ['a null count', { keepLast: null }, ['`retention.last` must be a whole number of at least 1, got null.']],
    ['an infinite duration', { withinWeeklySeconds: Infinity },
      ['`retention.withinWeekly` must be a whole number of seconds, got Infinity seconds.']],
    ['an unknown field', { keepLast: 1, keepDaily: 7 }, ['`retention` holds the unknown field `keepDaily`; the known '
      + 'fields are keepLast, keepWithinSeconds, hourly, daily, weekly, monthly, yearly, withinHourlySeconds, '
      + 'withinDailySeconds, withinWeeklySeconds, withinMonthlySeconds, withinYearlySeconds.']],
    ['null', null, ['`retention` must be a set of retention rules, got null.']],
    ['a list', [7], ['`retention` must be a set of retention rules, got [7].']],
  ])('%s from untrusted JSON is a problem', (_name, policy, problems) => {
    expect(validateRetentionPolicy(policy as RetentionPolicy)).toEqual(problems);
  });
});

describe('describeRetentionPolicy', () => {
  test.each<[RetentionPolicy, string]>([
    [{}, 'nothing'],
    [{ keepLast: 7, daily: 7, weekly: 4, monthly: 12 }, 'last 7, daily 7, weekly 4, monthly 12'],
    [{ keepWithinSeconds: 2_592_000, withinHourlySeconds: 129_600 }, 'within 30d, hourly within 1d12h'],
  ])('%j reads %j', (policy, text) => {
    expect(describeRetentionPolicy(policy)).toBe(text);
  });

  test.each([
    [45, '45s'],
    [90, '1min30s'],
    [5_400, '1h30min'],
    [90_061, '1d1h1min1s'],
    [0, '0s'],
    [1.5, '1.5s'],
  ])('formatSeconds(%d) is %s', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });
});
