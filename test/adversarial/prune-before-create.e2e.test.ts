import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AuroraSnapshotSchedule, Retention } from '../../src';
import { SnapshotTagKeys } from '../../src/decisions/snapshot-tags';
import { createAuroraCluster, createManualClusterSnapshot } from '../support/aws-fixtures';
import { FaultProxy, Faults } from '../support/fault-proxy';
import { SimulatedAccount } from '../support/simulated-account';

/**
 * With `pruneBeforeCreateAtQuota`, the prepare step deletes expired snapshots before the create. When the create
 * then fails, the execution's cause still says "nothing was deleted", and the README's "retention does not run at
 * all" does not hold.
 */
test('a run that pruned before a create that then failed does not report "nothing was deleted"', async () => {
  const app = new App();
  const stack = new Stack(app, 'AtQuota', { env: { account: '123456789012', region: 'us-east-1' } });
  new AuroraSnapshotSchedule(stack, 'Nightly', {
    cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'C', { clusterIdentifier: 'orders-db' }),
    retention: Retention.keepLast(3),
    pruneBeforeCreateAtQuota: true,
  });
  const proxy = new FaultProxy();
  await proxy.start();
  const account = await SimulatedAccount.start(Template.fromStack(stack).toJSON(), {
    rdsEndpoint: (moto) => proxy.forwardTo(moto),
  });
  try {
    // GIVEN a region at its quota of 100: eight snapshots of ours and 92 of another cluster
    await createAuroraCluster(account.rds, 'orders-db');
    await createAuroraCluster(account.rds, 'other-db');
    for (let day = 1; day <= 8; day++) {
      await createManualClusterSnapshot(account.rds, 'orders-db', `nightly-orders-db-2026110${day}-0300`, {
        [SnapshotTagKeys.SCHEDULE]: 'AtQuota/Nightly',
        [SnapshotTagKeys.SCHEDULED_TIME]: `2026-11-0${day}T03:00:00.000Z`,
      });
    }
    for (let n = 0; n < 92; n++) {
      await createManualClusterSnapshot(account.rds, 'other-db', `other-${n}`);
    }
    // and the cluster stays busy through every retry
    proxy.addRule({ action: 'CreateDBClusterSnapshot', fault: Faults.clusterBusy('modifying') });

    // WHEN
    const run = await account.run(account.scheduledInput('AtQuota/Nightly', '2026-11-09T03:00:00Z'));

    // THEN
    const deleted = proxy.callsTo('DeleteDBClusterSnapshot').length;
    expect(run.status).toEqual('FAILED');
    expect(deleted).toBeGreaterThan(0);
    expect(run.cause).not.toContain('nothing was deleted');
  } finally {
    await account.stop();
    await proxy.stop();
  }
});
