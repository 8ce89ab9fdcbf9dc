import type { PollPlan } from './run-input';

/** No wait is shorter than this: each poll costs state transitions and an RDS call. */
export const MIN_POLL_SECONDS = 60;

/** The first wait after the create call: small clusters finish in a few minutes. */
export const FIRST_POLL_SECONDS = 120;

/** The longest wait while nothing tells how far the snapshot has got. */
const MAX_BLIND_POLL_SECONDS = 1800;

/** Added to an estimate of the time left, so that one poll usually lands just after the snapshot is done. */
const ESTIMATE_MARGIN_SECONDS = 30;

/**
 * The first wait of a run: `FIRST_POLL_SECONDS`, or the whole timeout if that is shorter.
 */
export function firstPoll(timeoutSeconds: number): PollPlan {
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < MIN_POLL_SECONDS) {
    throw new Error(`The snapshot timeout must be at least ${MIN_POLL_SECONDS} seconds, got ${timeoutSeconds}.`);
  }
  const seconds = Math.min(FIRST_POLL_SECONDS, timeoutSeconds);
  return { seconds, elapsedSeconds: seconds, timeoutSeconds };
}

/**
 * The next wait while the snapshot is still being created.
 *
 * Time is counted in waits, not read from a clock, so the plan is the same in every interpreter. When RDS reports
 * `PercentProgress`, the time left is estimated from the progress made so far and the wait ends about then:
 * long waits early, a short one near the expected end. Without progress the wait doubles, up to 30 minutes. The
 * last wait ends exactly at the timeout.
 */
export function nextPoll(poll: PollPlan, percentProgress?: number): PollPlan {
  const left = poll.timeoutSeconds - poll.elapsedSeconds;
  let wait: number;
  if (percentProgress !== undefined && percentProgress > 0 && percentProgress < 100) {
    // RDS rounds progress down to a whole percent, so 1% may be almost 2%: estimate from the top of the range,
    // which errs towards an early poll rather than hours of waiting after the snapshot is done.
    const remaining = (poll.elapsedSeconds * (99 - percentProgress)) / (percentProgress + 1);
    wait = Math.round(remaining) + ESTIMATE_MARGIN_SECONDS;
  } else if (percentProgress !== undefined && percentProgress >= 100) {
    wait = MIN_POLL_SECONDS;
  } else {
    wait = Math.min(poll.seconds * 2, MAX_BLIND_POLL_SECONDS);
  }
  const seconds = Math.max(1, Math.min(Math.max(MIN_POLL_SECONDS, wait), left));
  return { seconds, elapsedSeconds: poll.elapsedSeconds + seconds, timeoutSeconds: poll.timeoutSeconds };
}
