/**
 * `npm run demo`: synthesizes the example app into cdk.out, "deploys" it into a private moto server, and runs the
 * synthesized workflow once per simulated day, the way EventBridge Scheduler would:
 *
 * 1. keep-last-7 on `orders-db` for 30 days, one line per run, beside snapshots that are not ours;
 * 2. daily 7, weekly 4, monthly 12 in Europe/Berlin on `billing-db` for 420 days, then the kept set grouped by
 *    the rule that kept each snapshot, checked against the policy.
 *
 * It ends with one summary line and exits non-zero if anything is off.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DBClusterSnapshot } from '@aws-sdk/client-rds';
import { calendarFor } from '../src/decisions/calendar';
import { decideRetention } from '../src/decisions/retention-decision';
import { describeRetentionPolicy, type RetentionPolicy } from '../src/decisions/retention-policy';
import { SnapshotTagKeys, type SnapshotRecord } from '../src/decisions/snapshot-tags';
import { createAuroraCluster, createManualClusterSnapshot, listClusterSnapshots, tagsOf } from '../test/support/aws-fixtures';
import { EXAMPLE_CLUSTER, EXAMPLE_TIERED_CLUSTER, exampleApp } from '../test/support/example-app';
import { SimulatedAccount } from '../test/support/simulated-account';

const NIGHTLY = 'AuroraSnapshotsExample/OrdersNightly';
const TIERED = 'AuroraSnapshotsExample/BillingTiered';
const NIGHTLY_DAYS = 30;
const TIERED_DAYS = 420;

/** Problems found; any one makes the demo exit non-zero. */
const errors: string[] = [];

function check(condition: boolean, problem: string): void {
  if (!condition) {
    errors.push(problem);
    console.log(`  ERROR: ${problem}`);
  }
}

function ids(snapshots: DBClusterSnapshot[]): string[] {
  return snapshots.map((snapshot) => snapshot.DBClusterSnapshotIdentifier!).sort();
}

function isOurs(snapshot: DBClusterSnapshot): boolean {
  return tagsOf(snapshot)[SnapshotTagKeys.SCHEDULE]?.startsWith('AuroraSnapshotsExample/') ?? false;
}

/** The UTC instant at which the wall clock in `timeZone` shows `hour:minute` on the given local date. */
function localTime(timeZone: string, year: number, month: number, day: number, hour: number, minute: number): Date {
  const calendar = calendarFor(timeZone);
  const wall = Date.UTC(year, month, day, hour, minute);
  let instant = wall - calendar.offsetAt(wall);
  instant = wall - calendar.offsetAt(instant);
  return new Date(instant);
}

async function nightlyRuns(account: SimulatedAccount): Promise<{ kept: number; deleted: number; foreign: number }> {
  console.log(`Part 1: keep the last 7 snapshots of ${EXAMPLE_CLUSTER}, one run a day at 03:00 UTC for `
    + `${NIGHTLY_DAYS} days.`);
  await createAuroraCluster(account.rds, EXAMPLE_CLUSTER);
  await createManualClusterSnapshot(account.rds, EXAMPLE_CLUSTER, 'team-b-before-upgrade', { team: 'b' });
  await createAuroraCluster(account.rds, 'reporting-db');
  const foreign = ids(await listClusterSnapshots(account.rds));
  console.log(`  Snapshots that are not this schedule's: ${foreign.join(', ')}`);

  let deleted = 0;
  for (let day = 0; day < NIGHTLY_DAYS; day++) {
    const scheduled = new Date(Date.UTC(2026, 10, 1 + day, 3, 0));
    const run = await account.run(account.scheduledInput(NIGHTLY, scheduled));
    const output = run.output ?? {};
    deleted += output.deleted?.length ?? 0;
    console.log(`  run ${String(day + 1).padStart(2)}  ${scheduled.toISOString().slice(0, 16).replace('T', ' ')} UTC  `
      + `${run.status === 'SUCCEEDED' ? 'created' : run.status} ${output.snapshotIdentifier ?? run.error}  `
      + `kept ${output.kept ?? '-'}  deleted ${output.deleted?.length ?? '-'}`
      + (output.deleted?.length ? ` (${output.deleted.join(', ')})` : ''));
    check(run.status === 'SUCCEEDED' && output.outcome === 'succeeded',
      `run ${day + 1} ended ${run.status} ${run.error ?? ''} ${run.cause ?? ''}`);
  }

  const after = await listClusterSnapshots(account.rds);
  const survivors = ids(after);
  const untouched = foreign.filter((id) => survivors.includes(id));
  const ours = after.filter(isOurs).filter((snapshot) => snapshot.DBClusterIdentifier === EXAMPLE_CLUSTER);
  const expectedKept = Array.from({ length: 7 }, (_, i) =>
    `orders-nightly-orders-db-${new Date(Date.UTC(2026, 10, NIGHTLY_DAYS - i, 3, 0)).toISOString()
      .slice(0, 10).replace(/-/g, '')}-0300`).sort();
  check(untouched.length === foreign.length, `foreign snapshots were deleted: ${foreign.filter((id) => !untouched.includes(id))}`);
  check(JSON.stringify(ids(ours)) === JSON.stringify(expectedKept), `kept ${ids(ours)} instead of ${expectedKept}`);
  console.log(`  Kept: ${ids(ours).join(', ')}`);
  return { kept: ours.length, deleted, foreign: untouched.length };
}

async function tieredRuns(account: SimulatedAccount): Promise<{ runs: number; kept: number; deleted: number }> {
  const input = account.scheduledInput(TIERED, new Date());
  const policy = input.retention as RetentionPolicy;
  const timeZone = input.timeZone as string;
  console.log('');
  console.log(`Part 2: ${describeRetentionPolicy(policy)} on ${EXAMPLE_TIERED_CLUSTER}, one run a day at 01:30 `
    + `${timeZone} for ${TIERED_DAYS} days.`);
  await createAuroraCluster(account.rds, EXAMPLE_TIERED_CLUSTER);
  const foreign = ids(await listClusterSnapshots(account.rds, EXAMPLE_TIERED_CLUSTER));

  let deleted = 0;
  const history: SnapshotRecord[] = [];
  for (let day = 0; day < TIERED_DAYS; day++) {
    const scheduled = localTime(timeZone, 2026, 0, 1 + day, 1, 30);
    const run = await account.run(account.scheduledInput(TIERED, scheduled));
    deleted += run.output?.deleted?.length ?? 0;
    check(run.status === 'SUCCEEDED' && run.output?.outcome === 'succeeded',
      `tiered run ${day + 1} ended ${run.status} ${run.error ?? ''} ${run.cause ?? ''}`);
    history.push({
      identifier: run.output?.snapshotIdentifier,
      clusterIdentifier: EXAMPLE_TIERED_CLUSTER,
      snapshotType: 'manual',
      status: 'available',
      tags: { [SnapshotTagKeys.SCHEDULE]: TIERED, [SnapshotTagKeys.SCHEDULED_TIME]: run.output?.scheduledTime },
    });
    if ((day + 1) % 60 === 0) {
      console.log(`  ${day + 1} runs done (last scheduled ${scheduled.toISOString()}), ${deleted} deleted so far`);
    }
  }

  // What the policy promises, decided once over the whole history, must be exactly what the daily runs left.
  const promised = decideRetention({
    snapshots: history, policy, clusterIdentifier: EXAMPLE_TIERED_CLUSTER, scheduleId: TIERED, timeZone,
  });
  const after = await listClusterSnapshots(account.rds, EXAMPLE_TIERED_CLUSTER);
  const ours = ids(after.filter(isOurs));
  check(JSON.stringify(ours) === JSON.stringify([...promised.keep].sort()),
    `the runs kept ${ours.length} snapshots but the policy promises ${promised.keep.length}`);
  check(foreign.every((id) => ids(after).includes(id)), 'a foreign snapshot of the tiered cluster was deleted');
  const ceiling = (policy.daily ?? 0) + (policy.weekly ?? 0) + (policy.monthly ?? 0) + (policy.yearly ?? 0);
  check(ours.length <= ceiling, `kept ${ours.length}, more than the ${ceiling} the policy allows`);

  console.log(`  Kept ${ours.length} snapshots (the policy allows at most ${ceiling}; periods shared by two rules `
    + 'count once), grouped by the rule that kept each:');
  const byRule = new Map<string, string[]>();
  for (const verdict of promised.verdicts.filter((v) => v.action === 'keep')) {
    for (const reason of verdict.reasons) {
      const [rule, ...period] = reason.replace(/^kept: /, '').split(' ');
      const list = byRule.get(rule) ?? [];
      list.push(period.length > 0 ? period.join(' ') : verdict.identifier);
      byRule.set(rule, list);
    }
  }
  for (const [rule, periods] of byRule) {
    console.log(`    ${rule.padEnd(8)} ${String(periods.length).padStart(2)}: ${periods.join(', ')}`);
  }
  return { runs: TIERED_DAYS, kept: ours.length, deleted };
}

async function main(): Promise<void> {
  const outdir = path.resolve('cdk.out');
  const { app, stack } = exampleApp(outdir);
  const assembly = app.synth();
  const templateFile = path.join(assembly.directory, stack.templateFile);
  console.log(`Synthesized ${path.relative(process.cwd(), templateFile)}; running its state machine against moto.`);
  const template = JSON.parse(readFileSync(templateFile, 'utf-8'));

  let account: SimulatedAccount;
  try {
    account = await SimulatedAccount.start(template);
  } catch (error) {
    console.error(`demo: ${(error as Error).message}`);
    process.exit(1);
  }
  try {
    const nightly = await nightlyRuns(account);
    const tiered = await tieredRuns(account);
    const failedDeletes = account.logger.lines.filter((line) => line.attributes.decision === 'delete-failed').length;
    check(failedDeletes === 0, `${failedDeletes} deletes failed`);
    console.log('');
    console.log(`demo: ${NIGHTLY_DAYS} runs, ${nightly.kept} kept, ${nightly.deleted} deleted, ${nightly.foreign} foreign `
      + `untouched, ${errors.length} errors; tiered: ${tiered.runs} runs, ${tiered.kept} kept, ${tiered.deleted} deleted`);
  } finally {
    await account.stop();
  }
  process.exit(errors.length === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(`demo: failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
