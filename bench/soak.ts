/**
 * Soak: two simulated years of the example's OrdersNightly schedule (one run a day, keep the last 7) through the
 * fault proxy, with faults injected at random into about 10% of all RDS calls, the workflow's and the function's.
 *
 * The mix of faults, by weight among those that fit the call:
 * - throttling (400 `Throttling`), any call: 35
 * - RDS failing on its side (500 `InternalFailure`), any call: 15
 * - the call takes effect but its answer is lost (connection closed), any call: 15
 * - a slow answer, 50 ms (weight 10) or 250 ms (weight 5), any call: 15
 * - the cluster busy (`InvalidDBClusterStateFault`, backing-up), on create only: 10
 * - the snapshot not yet available (`creating`), on the workflow's poll only: 8
 * - the snapshot quota full (`SnapshotQuotaExceeded`), on create only: 1
 * - the snapshot failed (`failed`), on the workflow's poll only: 1
 * Quota and failed snapshots are kept rare, as in the field, so that most runs are expected to succeed despite the
 * faults; those that cannot must fail visibly, and no fault may make a run delete what the policy keeps.
 *
 * After every run the account is read straight from moto (never faulted) and checked:
 * - wrongly deleted: a snapshot of ours the policy keeps (the 7 newest ever seen, and the pinned one) or any foreign
 *   snapshot (another team's, another schedule's, another cluster's, untagged, automated) that no longer exists;
 * - expired left: after a run that reports `succeeded`, a snapshot of ours that the policy does not keep.
 *
 * Prints one line, `soak: 730 runs, N faults, 0 wrongly deleted, 0 expired left, M failed runs reported`, and exits
 * with 1 when anything was wrongly deleted or left expired. Details go to stderr. `SOAK_DAYS` and `SOAK_SEED` change
 * the length and the seed.
 *
 * Run: npx ts-node --transpile-only --project test/tsconfig.json bench/soak.ts
 */
import type { DBClusterSnapshot } from '@aws-sdk/client-rds';
import { Template } from 'aws-cdk-lib/assertions';
import { SnapshotTagKeys } from '../src/decisions/snapshot-tags';
import {
  createAuroraCluster, createManualClusterSnapshot, listClusterSnapshots, tagsOf,
} from '../test/support/aws-fixtures';
import { EXAMPLE_CLUSTER, exampleApp } from '../test/support/example-app';
import { FaultProxy, Faults, type QueryParams, type WeightedFault } from '../test/support/fault-proxy';
import { SimulatedAccount } from '../test/support/simulated-account';

const SCHEDULE = 'AuroraSnapshotsExample/OrdersNightly';
const KEEP_LAST = 7;
const DAYS = Number(process.env.SOAK_DAYS ?? 730);
const SEED = Number(process.env.SOAK_SEED ?? 20260101);
const FAULT_PROBABILITY = 0.1;
const FIRST_DAY = Date.UTC(2026, 0, 1, 3, 0, 0);
const OTHER_CLUSTER = 'inventory-db';
const PINNED = 'orders-nightly-orders-db-20251201-0300';

/** The workflow's poll of its one new snapshot, as opposed to the function's listings. */
const isPoll = (params: QueryParams): boolean => params.DBClusterSnapshotIdentifier !== undefined;

const FAULT_MIX: WeightedFault[] = [
  { fault: Faults.throttling(), weight: 35 },
  { fault: Faults.internalFailure(), weight: 15 },
  { fault: Faults.dropResponse(), weight: 15 },
  { fault: Faults.delay(50), weight: 10 },
  { fault: Faults.delay(250), weight: 5 },
  { fault: Faults.clusterBusy('backing-up'), weight: 10, actions: ['CreateDBClusterSnapshot'] },
  { fault: Faults.snapshotStatus('creating'), weight: 8, actions: ['DescribeDBClusterSnapshots'], when: isPoll },
  { fault: Faults.quotaExceeded(), weight: 1, actions: ['CreateDBClusterSnapshot'] },
  { fault: Faults.snapshotStatus('failed'), weight: 1, actions: ['DescribeDBClusterSnapshots'], when: isPoll },
];

/** What the soak counts. */
interface SoakTally {
  /** Faults the proxy injected. */
  faults: number;
  readonly wronglyDeleted: Set<string>;
  readonly expiredLeft: Set<string>;
  readonly failedRuns: Map<string, number>;
  /** One line per failed run: when, in which state, and why. */
  readonly failureNotes: string[];
  readonly succeededWithoutSnapshot: string[];
}

function scheduledTime(day: number): string {
  return new Date(FIRST_DAY + day * 86_400_000).toISOString().replace('.000Z', 'Z');
}

/** Snapshots that are not this schedule's to prune, and the pinned one that is but must stay: none may go. */
async function createProtectedSnapshots(account: SimulatedAccount): Promise<string[]> {
  await createAuroraCluster(account.rds, EXAMPLE_CLUSTER);
  await createAuroraCluster(account.rds, OTHER_CLUSTER);
  await createManualClusterSnapshot(account.rds, EXAMPLE_CLUSTER, 'team-b-before-upgrade', { team: 'b' });
  await createManualClusterSnapshot(account.rds, EXAMPLE_CLUSTER, 'orders-nightly-orders-db-20251231-0300', {
    [SnapshotTagKeys.SCHEDULE]: 'SomeoneElse/OrdersNightly',
    [SnapshotTagKeys.SCHEDULED_TIME]: '2025-12-31T03:00:00.000Z',
  });
  await createManualClusterSnapshot(account.rds, EXAMPLE_CLUSTER, 'orders-nightly-orders-db-20251230-0300');
  await createManualClusterSnapshot(account.rds, OTHER_CLUSTER, 'orders-nightly-inventory-db-20251231-0300', {
    [SnapshotTagKeys.SCHEDULE]: SCHEDULE,
    [SnapshotTagKeys.SCHEDULED_TIME]: '2025-12-31T03:00:00.000Z',
  });
  await createManualClusterSnapshot(account.rds, EXAMPLE_CLUSTER, PINNED, {
    [SnapshotTagKeys.SCHEDULE]: SCHEDULE,
    [SnapshotTagKeys.SCHEDULED_TIME]: '2025-12-01T03:00:00.000Z',
    [SnapshotTagKeys.PIN]: 'kept for the audit',
  });
  return (await listClusterSnapshots(account.rds)).map((snapshot) => snapshot.DBClusterSnapshotIdentifier!);
}

/** This schedule's snapshots of the cluster, by identifier, with the scheduled time they carry. */
function ownSnapshots(snapshots: DBClusterSnapshot[]): Map<string, string> {
  const own = new Map<string, string>();
  for (const snapshot of snapshots) {
    const tags = tagsOf(snapshot);
    if (snapshot.DBClusterIdentifier === EXAMPLE_CLUSTER && snapshot.SnapshotType === 'manual'
      && tags[SnapshotTagKeys.SCHEDULE] === SCHEDULE) {
      own.set(snapshot.DBClusterSnapshotIdentifier!, tags[SnapshotTagKeys.SCHEDULED_TIME] ?? '');
    }
  }
  return own;
}

/** What keep-last-7 keeps of `snapshots`: the 7 newest by scheduled time, and the pinned one. */
function keptByPolicy(snapshots: ReadonlyMap<string, string>): Set<string> {
  const newest = [...snapshots.entries()]
    .sort(([idA, timeA], [idB, timeB]) => timeB.localeCompare(timeA) || idA.localeCompare(idB))
    .slice(0, KEEP_LAST)
    .map(([identifier]) => identifier);
  return new Set([...newest, PINNED]);
}

async function soak(): Promise<SoakTally> {
  const proxy = new FaultProxy();
  await proxy.start();
  const account = await SimulatedAccount.start(Template.fromStack(exampleApp().stack).toJSON(), {
    rdsEndpoint: (moto) => proxy.forwardTo(moto),
  });
  const tally: SoakTally = {
    faults: 0,
    wronglyDeleted: new Set(),
    expiredLeft: new Set(),
    failedRuns: new Map(),
    failureNotes: [],
    succeededWithoutSnapshot: [],
  };

  try {
    const protectedSnapshots = await createProtectedSnapshots(account);
    const everSeen = new Map<string, string>();
    proxy.setRandomFaults({ seed: SEED, probability: FAULT_PROBABILITY, faults: FAULT_MIX });

    for (let day = 0; day < DAYS; day++) {
      const run = await account.run(account.scheduledInput(SCHEDULE, scheduledTime(day)));
      // Keep the proxy's record small over thousands of calls; the counters stay.
      proxy.calls.length = 0;

      const snapshots = await listClusterSnapshots(account.rds);
      const present = new Set(snapshots.map((snapshot) => snapshot.DBClusterSnapshotIdentifier!));
      const own = ownSnapshots(snapshots);
      own.forEach((time, identifier) => everSeen.set(identifier, time));

      for (const identifier of [...protectedSnapshots, ...keptByPolicy(everSeen)]) {
        if (!present.has(identifier)) {
          tally.wronglyDeleted.add(identifier);
        }
      }
      if (run.status !== 'SUCCEEDED') {
        const error = run.error ?? run.status;
        tally.failedRuns.set(error, (tally.failedRuns.get(error) ?? 0) + 1);
        tally.failureNotes.push(`the run of ${scheduledTime(day)} failed in "${run.statesEntered.at(-1)}" with `
          + `${error}: ${run.cause}`);
        continue;
      }
      if (run.output?.outcome === 'succeeded') {
        if (!present.has(run.output.snapshotIdentifier)) {
          tally.succeededWithoutSnapshot.push(run.output.snapshotIdentifier);
        }
        const kept = keptByPolicy(own);
        for (const identifier of own.keys()) {
          if (!kept.has(identifier)) {
            tally.expiredLeft.add(identifier);
          }
        }
      }
    }
    tally.faults = proxy.faultsInjected;
    return tally;
  } finally {
    await account.stop();
    await proxy.stop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const tally = await soak();
  const failed = [...tally.failedRuns.values()].reduce((sum, count) => sum + count, 0);

  const failures = [...tally.failedRuns.entries()].map(([error, count]) => `${error} ${count}`).join(', ') || 'none';
  process.stderr.write(`soak: seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(0)} s; failed runs by error: `
    + `${failures}\n`);
  for (const note of tally.failureNotes) {
    process.stderr.write(`soak: ${note}\n`);
  }
  for (const identifier of tally.wronglyDeleted) {
    process.stderr.write(`soak: wrongly deleted ${identifier}\n`);
  }
  for (const identifier of tally.expiredLeft) {
    process.stderr.write(`soak: expired but left after a successful run: ${identifier}\n`);
  }
  for (const identifier of tally.succeededWithoutSnapshot) {
    process.stderr.write(`soak: a run reported success but its snapshot ${identifier} does not exist\n`);
  }

  process.stdout.write(`soak: ${DAYS} runs, ${tally.faults} faults, ${tally.wronglyDeleted.size} wrongly deleted, `
    + `${tally.expiredLeft.size} expired left, ${failed} failed runs reported\n`);
  process.exitCode = tally.wronglyDeleted.size === 0 && tally.expiredLeft.size === 0 ? 0 : 1;
}

main().catch((error: Error) => {
  process.stderr.write(`soak: could not run: ${error.stack ?? error.message}\n`);
  process.exitCode = 2;
});
