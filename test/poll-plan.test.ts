import { FIRST_POLL_SECONDS, firstPoll, MIN_POLL_SECONDS, nextPoll } from '../src/decisions/poll-plan';

describe('poll planning', () => {
  test('the first wait is two minutes, or the whole timeout when that is shorter', () => {
    expect(firstPoll(3600)).toEqual({ seconds: FIRST_POLL_SECONDS, elapsedSeconds: FIRST_POLL_SECONDS, timeoutSeconds: 3600 });
    expect(firstPoll(90)).toEqual({ seconds: 90, elapsedSeconds: 90, timeoutSeconds: 90 });
    expect(() => firstPoll(30)).toThrow('The snapshot timeout must be at least 60 seconds, got 30.');
  });

  test('estimates the time left from PercentProgress and waits until just after it', () => {
    // 3% (3.0 to 3.99%) after two minutes: at least 48 more minutes, the earliest the snapshot can be done.
    const next = nextPoll(firstPoll(6 * 3600), 3);
    expect(next.seconds).toEqual(Math.round(120 * 96 / 4) + 30);
    expect(next.elapsedSeconds).toEqual(120 + next.seconds);
  });

  test('without progress the wait doubles up to half an hour', () => {
    let poll = firstPoll(24 * 3600);
    const waits = [];
    for (let i = 0; i < 6; i++) {
      poll = nextPoll(poll, 0);
      waits.push(poll.seconds);
    }
    expect(waits).toEqual([240, 480, 960, 1800, 1800, 1800]);
  });

  test('near the end and at 100% it polls every minute, and the last wait ends exactly at the timeout', () => {
    expect(nextPoll({ seconds: 600, elapsedSeconds: 1200, timeoutSeconds: 3600 }, 100).seconds).toEqual(MIN_POLL_SECONDS);
    expect(nextPoll({ seconds: 600, elapsedSeconds: 3570, timeoutSeconds: 3600 }, 10))
      .toEqual({ seconds: 30, elapsedSeconds: 3600, timeoutSeconds: 3600 });
  });
});
