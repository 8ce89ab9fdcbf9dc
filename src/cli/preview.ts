import { RDSClient } from '@aws-sdk/client-rds';
import { calendarFor, isValidTimeZone } from '../decisions/calendar';
import { decideRetention, type RetentionDecision } from '../decisions/retention-decision';
import { describeRetentionPolicy, validateRetentionPolicy, type RetentionPolicy } from '../decisions/retention-policy';
import { SnapshotTagKeys, type SnapshotRecord } from '../decisions/snapshot-tags';
import { listManualClusterSnapshots } from '../runtime/cluster-snapshots';

/** What `preview` was asked for, parsed from the command line. */
export interface PreviewOptions {
  readonly cluster: string;
  readonly scheduleId?: string;
  readonly policy: RetentionPolicy;
  readonly timeZone: string;
  readonly region?: string;
}

/** A mistake on the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export const USAGE = `Usage: cdk-aurora-snapshots preview --cluster <id> [rules] [options]

Shows what a retention policy would keep and delete today among the snapshots one schedule made of one
Aurora cluster, and why. It only reads (rds:DescribeDBClusterSnapshots); it never deletes anything.

Rules (at least one; they add up like the construct's Retention.policy):
  --last N            keep the newest N snapshots
  --within DURATION   keep every snapshot taken within DURATION of the newest (e.g. 30d, 12h, 2w, 1d12h)
  --hourly N  --daily N  --weekly N  --monthly N  --yearly N
                      keep the newest snapshot of each of the N most recent periods that hold one
  --within-hourly DURATION  --within-daily DURATION  --within-weekly DURATION
  --within-monthly DURATION  --within-yearly DURATION

Options:
  --cluster ID        the DB cluster identifier (required)
  --schedule ID       the schedule whose snapshots to judge (its construct path, the value of the
                      ${SnapshotTagKeys.SCHEDULE} tag); needed only when several schedules snapshot the cluster
  --time-zone ZONE    IANA time zone in which days, weeks, months and years are cut (default UTC)
  --region REGION     AWS region (default: from your AWS configuration)
  --help              show this text

Credentials come from the usual AWS configuration (environment, profile, SSO).`;

const COUNT_FLAGS: Record<string, keyof RetentionPolicy> = {
  '--last': 'keepLast',
  '--hourly': 'hourly',
  '--daily': 'daily',
  '--weekly': 'weekly',
  '--monthly': 'monthly',
  '--yearly': 'yearly',
};

const DURATION_FLAGS: Record<string, keyof RetentionPolicy> = {
  '--within': 'keepWithinSeconds',
  '--within-hourly': 'withinHourlySeconds',
  '--within-daily': 'withinDailySeconds',
  '--within-weekly': 'withinWeeklySeconds',
  '--within-monthly': 'withinMonthlySeconds',
  '--within-yearly': 'withinYearlySeconds',
};

const DURATION_UNITS: Record<string, number> = { w: 7 * 86_400, d: 86_400, h: 3_600, m: 60 };

/** Parses `30d`, `12h`, `2w`, `1d12h` or `90m` into seconds. */
export function parseDuration(text: string, flag: string): number {
  const parts = [...text.matchAll(/(\d+)([wdhm])/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) {
    throw new UsageError(`${flag} takes a duration such as 30d, 12h, 2w or 1d12h, got ${JSON.stringify(text)}.`);
  }
  return parts.reduce((seconds, part) => seconds + Number(part[1]) * DURATION_UNITS[part[2]], 0);
}

/** Parses the arguments after `preview`. */
export function parsePreviewArguments(rawArgs: string[]): PreviewOptions {
  // `--last=3` reads like `--last 3`.
  const args = rawArgs.flatMap((arg) => (/^--[a-z-]+=/.test(arg) ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg]));
  const seen = new Set<string>();
  const policy: Record<string, number> = {};
  let cluster: string | undefined;
  let scheduleId: string | undefined;
  let timeZone = 'UTC';
  let region: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) {
      throw new UsageError(`${flag} needs a value.`);
    }
    i++;
    if (seen.has(flag)) {
      throw new UsageError(`${flag} is given twice; give each option once.`);
    }
    seen.add(flag);
    if (flag in COUNT_FLAGS) {
      const count = Number(value);
      policy[COUNT_FLAGS[flag]] = value.trim() === '' ? NaN : count;
    } else if (flag in DURATION_FLAGS) {
      policy[DURATION_FLAGS[flag]] = parseDuration(value, flag);
    } else if (flag === '--cluster') {
      cluster = value;
    } else if (flag === '--schedule') {
      scheduleId = value;
    } else if (flag === '--time-zone') {
      timeZone = value;
    } else if (flag === '--region') {
      region = value;
    } else {
      throw new UsageError(`Unknown option ${flag}.`);
    }
  }
  if (!cluster) {
    throw new UsageError('--cluster is required.');
  }
  if (!isValidTimeZone(timeZone)) {
    throw new UsageError(`--time-zone must be an IANA time zone such as Europe/Berlin, got ${JSON.stringify(timeZone)}.`);
  }
  const errors = validateRetentionPolicy(policy as RetentionPolicy, 'retention');
  if (errors.length > 0) {
    throw new UsageError(errors.join(' '));
  }
  return { cluster, scheduleId, policy: policy as RetentionPolicy, timeZone, region };
}

/** Picks the schedule to judge: the one asked for, or the only one that made snapshots of the cluster. */
export function chooseSchedule(snapshots: SnapshotRecord[], cluster: string, asked?: string): string {
  const owners = [...new Set(snapshots.map((s) => s.tags[SnapshotTagKeys.SCHEDULE]).filter((o) => o !== undefined))];
  if (asked) {
    if (!owners.includes(asked)) {
      throw new UsageError(`No snapshot of cluster ${cluster} was made by schedule ${asked}`
        + (owners.length > 0 ? `; the schedules that made snapshots of it are ${owners.sort().join(', ')}.` : '.'));
    }
    return asked;
  }
  if (owners.length === 1) {
    return owners[0];
  }
  if (owners.length === 0) {
    throw new UsageError(`No snapshot of cluster ${cluster} carries the ${SnapshotTagKeys.SCHEDULE} tag, so none was `
      + 'made by cdk-aurora-snapshots and there is nothing to preview.');
  }
  throw new UsageError(`Snapshots of cluster ${cluster} were made by ${owners.length} schedules `
    + `(${owners.sort().join(', ')}); choose one with --schedule.`);
}

/** Renders the decision as the table users read. */
export function renderPreview(options: PreviewOptions, scheduleId: string, decision: RetentionDecision): string {
  const calendar = calendarFor(options.timeZone);
  const local = (iso: string | undefined): string => {
    if (!iso) {
      return '-';
    }
    const ms = Date.parse(iso);
    return new Date(ms + calendar.offsetAt(ms)).toISOString().slice(0, 16).replace('T', ' ');
  };
  const verdicts = decision.verdicts.filter((v) => v.action !== 'ignore');
  const width = Math.max(8, ...verdicts.map((v) => v.identifier.length));
  const lines = [
    `Retention preview for cluster ${options.cluster}, schedule ${scheduleId}: ${describeRetentionPolicy(options.policy)}, `
      + `periods in ${options.timeZone}.`,
    'Read-only: nothing is deleted.',
    '',
    `${'SNAPSHOT'.padEnd(width)}  ${'TIME'.padEnd(16)}  VERDICT  WHY   (times in ${options.timeZone})`,
    ...verdicts.map((v) => `${v.identifier.padEnd(width)}  ${local(v.time).padEnd(16)}  `
      + `${(v.action === 'keep' ? 'keep' : 'delete').padEnd(7)}  ${v.reasons.join('; ')}`),
    '',
    `${decision.counts.kept} kept, ${decision.counts.expired} would be deleted, ${decision.counts.ignored} other `
      + `${decision.counts.ignored === 1 ? 'snapshot' : 'snapshots'} of the cluster ignored (not this schedule's, or `
      + 'not available).',
  ];
  return lines.join('\n');
}

/** Runs `preview` with an RDS client; returns the text to print. */
export async function preview(options: PreviewOptions, rds: RDSClient): Promise<string> {
  const snapshots = await listManualClusterSnapshots(rds, options.cluster);
  const scheduleId = chooseSchedule(snapshots, options.cluster, options.scheduleId);
  const decision = decideRetention({
    snapshots,
    policy: options.policy,
    clusterIdentifier: options.cluster,
    scheduleId,
    timeZone: options.timeZone,
  });
  return renderPreview(options, scheduleId, decision);
}

/** The command line entry point; returns the exit code. */
export async function main(argv: string[], print: (text: string) => void = console.log,
  printError: (text: string) => void = console.error): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === 'help' || args.includes('--help')) {
    print(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'preview') {
    printError(`Unknown command ${JSON.stringify(command)}.\n\n${USAGE}`);
    return 2;
  }
  try {
    const options = parsePreviewArguments(args);
    print(await preview(options, new RDSClient({ region: options.region, retryMode: 'adaptive', maxAttempts: 8 })));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      printError(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    printError(`preview failed: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  }
}
