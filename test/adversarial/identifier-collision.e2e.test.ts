import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AuroraSnapshotSchedule, Retention } from '../../src';
import { snapshotIdentifier } from '../../src/decisions/snapshot-name';
import { SnapshotTagKeys } from '../../src/decisions/snapshot-tags';
import { createAuroraCluster, createManualClusterSnapshot, listClusterSnapshots } from '../support/aws-fixtures';
import { EXAMPLE_CLUSTER } from '../support/example-app';
import { FaultProxy, Faults } from '../support/fault-proxy';
import { resetMoto } from '../support/moto';
import { exampleAccountBehindProxyForTests, SimulatedAccount } from '../support/simulated-account';

/**
 * The identifier a run wants may already belong to a snapshot of ANOTHER cluster. The create then hears
 * AlreadyExists, the workflow waits for that other snapshot, and the prune step looks for "its" snapshot only among
 * this cluster's snapshots, does not find it, and carries on: the run reports success (and SnapshotsCreated = 1,
 * which keeps the stale alarm quiet) although no snapshot of this cluster was taken.
 */
const TIME = '2026-11-01T03:00:00Z';

async function manualSnapshotsOf(account: SimulatedAccount, cluster: string): Promise<string[]> {
  return (await listClusterSnapshots(account.rds, cluster))
    .filter((snapshot) => snapshot.SnapshotType === 'manual')
    .map((snapshot) => snapshot.DBClusterSnapshotIdentifier!)
    .sort();
}

describe('a snapshot identifier that belongs to another cluster', () => {
  describe('two long cluster identifiers that differ only in their last character', () => {
    const ONE = 'acme-production-aurora-postgresql-orders-cluster-01';
    const TWO = 'acme-production-aurora-postgresql-orders-cluster-02';
    let account: SimulatedAccount;

    beforeAll(async () => {
      const app = new App();
      const stack = new Stack(app, 'Fleet', { env: { account: '123456789012', region: 'us-east-1' } });
      for (const [id, cluster] of [['One', ONE], ['Two', TWO]]) {
        new AuroraSnapshotSchedule(stack, id, {
          cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, `${id}Cluster`, { clusterIdentifier: cluster }),
          snapshotPrefix: 'nightly',
          retention: Retention.keepLast(7),
        });
      }
      account = await SimulatedAccount.start(Template.fromStack(stack).toJSON());
    });

    afterAll(async () => {
      await account?.stop();
    });

    beforeEach(async () => {
      await resetMoto(account.moto.endpoint);
      await createAuroraCluster(account.rds, ONE);
      await createAuroraCluster(account.rds, TWO);
    });

    test('get different snapshot identifiers', () => {
      const at = new Date(TIME);
      expect(snapshotIdentifier('nightly', ONE, at)).not.toEqual(snapshotIdentifier('nightly', TWO, at));
    });

    test('each cluster gets its own snapshot, or the second run fails; it never succeeds without one', async () => {
      // WHEN both schedules fire at 03:00
      const first = await account.run(account.scheduledInput('Fleet/One', TIME));
      const second = await account.run(account.scheduledInput('Fleet/Two', TIME));

      // THEN
      expect(first.status).toEqual('SUCCEEDED');
      const twoHasSnapshot = (await manualSnapshotsOf(account, TWO)).length === 1;
      expect({ status: second.status, twoHasSnapshot })
        .toEqual(twoHasSnapshot ? { status: 'SUCCEEDED', twoHasSnapshot: true } : { status: 'FAILED', twoHasSnapshot });
    });
  });

  test('a prefix at the maximum length still leaves room to tell clusters apart; a longer one is refused', () => {
    const at = new Date(TIME);
    const prefix = 'a'.repeat(40);
    expect(snapshotIdentifier(prefix, 'orders-db', at)).not.toEqual(snapshotIdentifier(prefix, 'billing-db', at));
    expect(() => snapshotIdentifier('a'.repeat(41), 'orders-db', at)).toThrow('must be 1 to 40 characters long');
  });

  test('prefix `daily` on cluster `eu-orders` and prefix `daily-eu` on cluster `orders` are refused at synth', () => {
    // Both snapshot names are daily-eu-orders-YYYYMMDD-HHMM: the engine knows both schedules and could tell.
    const app = new App();
    const stack = new Stack(app, 'Prefixes', { env: { account: '123456789012', region: 'us-east-1' } });
    new AuroraSnapshotSchedule(stack, 'Daily', {
      cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Eu', { clusterIdentifier: 'eu-orders' }),
      snapshotPrefix: 'daily',
    });
    expect(() => new AuroraSnapshotSchedule(stack, 'DailyEu', {
      cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Orders', { clusterIdentifier: 'orders' }),
      snapshotPrefix: 'daily-eu',
    })).toThrow(/snapshotPrefix/);
  });

  test('two schedules with the same prefix on the same cluster at the same time are refused at synth', () => {
    const app = new App();
    const stack = new Stack(app, 'SamePrefix', { env: { account: '123456789012', region: 'us-east-1' } });
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'C', { clusterIdentifier: 'orders-db' });
    new AuroraSnapshotSchedule(stack, 'A', { cluster, snapshotPrefix: 'nightly', retention: Retention.keepLast(7) });
    expect(() => new AuroraSnapshotSchedule(stack, 'B', {
      cluster, snapshotPrefix: 'nightly', retention: Retention.keepLast(30),
    })).toThrow(/snapshotPrefix/);
  });

  describe('another team\'s snapshot of another cluster that carries our name', () => {
    const SCHEDULE = 'AuroraSnapshotsExample/OrdersNightly';
    const OURS = 'orders-nightly-orders-db-20261101-0300';
    const example = exampleAccountBehindProxyForTests();
    let proxy: FaultProxy;
    let account: SimulatedAccount;

    beforeEach(async () => {
      ({ account, proxy } = example());
      await createAuroraCluster(account.rds, 'other-db');
      await createManualClusterSnapshot(account.rds, 'other-db', OURS, { team: 'b' });
    });

    test('fails the run with SnapshotIdentifierTaken, as the README promises, and prunes nothing', async () => {
      // GIVEN eight snapshots of earlier runs of ours
      for (let n = 1; n <= 8; n++) {
        const time = new Date(Date.UTC(2026, 9, 31 - 8 + n, 3));
        const date = time.toISOString();
        await createManualClusterSnapshot(account.rds, EXAMPLE_CLUSTER,
          `orders-nightly-orders-db-${date.slice(0, 4)}${date.slice(5, 7)}${date.slice(8, 10)}-0300`, {
            [SnapshotTagKeys.SCHEDULE]: SCHEDULE, [SnapshotTagKeys.SCHEDULED_TIME]: date,
          });
      }

      // WHEN
      const run = await account.run(account.scheduledInput(SCHEDULE, TIME));

      // THEN
      expect({ status: run.status, error: run.error }).toEqual({ status: 'FAILED', error: 'SnapshotIdentifierTaken' });
      expect(proxy.callsTo('DeleteDBClusterSnapshot')).toEqual([]);
    });

    test('a failed snapshot of another cluster that carries our name is not deleted by our run', async () => {
      // GIVEN RDS reports the other team's snapshot as failed
      proxy.addRule({ action: 'DescribeDBClusterSnapshots', fault: Faults.snapshotStatus('failed', OURS) });

      // WHEN
      await account.run(account.scheduledInput(SCHEDULE, TIME));

      // THEN
      expect(proxy.callsTo('DeleteDBClusterSnapshot').map((call) => call.params.DBClusterSnapshotIdentifier))
        .toEqual([]);
      expect(await manualSnapshotsOf(account, 'other-db')).toEqual([OURS]);
    });
  });
});
