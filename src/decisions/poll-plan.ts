import type { PollPlan } from './run-input';

/** No wait is shorter than this: DescribeDBClusterSnapshots costs a state transition each time. */
export const MIN_POLL_SECONDS = 60;

/**
 * Waits used when nothing is known about how long this cluster's snapshots take: short at first, because small
 * clusters finish in minutes, then longer, because a snapshot that is not done in ten minutes is a big one.
 */
const UNKNOWN_DURATION_WAITS = [120, 180, 300, 300, 600, 600, 900];

/**
 * Plans the waits between polls of a new snapshot so that they add up to `timeoutSeconds` exactly.
 *
 * With `expectedSeconds` (how long the last snapshot took) the first wait covers most of it and later waits are
 * a tenth of it, so a snapshot that takes as long as the last one is seen within a few polls: longer waits early,
 * shorter near the expected end.
 */
export function planPolls(timeoutSeconds: number, expectedSeconds?: number): PollPlan {
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < MIN_POLL_SECONDS) {
    throw new Error(`The snapshot timeout must be at least ${MIN_POLL_SECONDS} seconds, got ${timeoutSeconds}.`);
  }
  const ladder = expectedSeconds !== undefined && Number.isFinite(expectedSeconds) && expectedSeconds > 0
    ? [Math.max(MIN_POLL_SECONDS, Math.round(expectedSeconds * 0.85)), Math.max(MIN_POLL_SECONDS, Math.round(expectedSeconds / 10))]
    : UNKNOWN_DURATION_WAITS;

  const waits: number[] = [];
  let total = 0;
  while (total < timeoutSeconds) {
    const next = Math.min(ladder[Math.min(waits.length, ladder.length - 1)], timeoutSeconds - total);
    waits.push(next);
    total += next;
  }
  return { waits, count: waits.length, index: 0 };
}
