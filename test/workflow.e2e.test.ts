import { createAuroraCluster, createManualClusterSnapshot, listClusterSnapshots, tagsOf } from './support/aws-fixtures';
import { EXAMPLE_CLUSTER } from './support/example-app';
import { exampleAccountForTests, SimulatedAccount } from './support/simulated-account';
import { SnapshotTagKeys } from '../src/decisions/snapshot-tags';
import { WorkflowStates } from '../src/private/workflow-definition';

/**
 * Runs the state machine definition taken from the synthesized example template in the local interpreter, with
 * aws-sdk tasks carried out against moto and the Lambda task running the real handler.
 */
describe('the synthesized workflow, run end to end against moto', () => {
  const SCHEDULE = 'AuroraSnapshotsExample/OrdersNightly';
  const exampleAccount = exampleAccountForTests();
  let account: SimulatedAccount;
  beforeEach(() => {
    account = exampleAccount();
  });

  function day(n: number): string {
    return new Date(Date.UTC(2026, 10, 1 + n, 3, 0, 0)).toISOString().replace('.000Z', 'Z');
  }

  test('a scheduled run creates a tagged snapshot, waits until it is available and reports what it kept', async () => {
    // WHEN
    const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

    // THEN
    expect(run.status).toEqual('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'succeeded',
      clusterIdentifier: EXAMPLE_CLUSTER,
      snapshotIdentifier: 'orders-nightly-orders-db-20261101-0300',
      kept: 1,
      deleted: [],
      deleteFailed: [],
    });
    expect(run.statesEntered).toEqual([
      WorkflowStates.IS_SCHEDULED, WorkflowStates.PREPARE, WorkflowStates.CREATE,
      WorkflowStates.WAIT, WorkflowStates.DESCRIBE, WorkflowStates.IS_AVAILABLE, WorkflowStates.PRUNE,
    ]);
    const [snapshot] = (await listClusterSnapshots(account.rds, EXAMPLE_CLUSTER))
      .filter((s) => s.DBClusterSnapshotIdentifier === run.output.snapshotIdentifier);
    expect(tagsOf(snapshot)).toEqual({
      [SnapshotTagKeys.SCHEDULE]: SCHEDULE,
      [SnapshotTagKeys.SCHEDULED_TIME]: '2026-11-01T03:00:00.000Z',
      team: 'orders',
    });
  });

  test('keep-last-7 over ten daily runs deletes the three oldest and nothing that is not ours', async () => {
    // GIVEN snapshots that are not ours: the automated one moto makes, another team's, another cluster's
    await createManualClusterSnapshot(account.rds, EXAMPLE_CLUSTER, 'team-b-before-upgrade', { team: 'b' });
    await createAuroraCluster(account.rds, 'other-db');
    await createManualClusterSnapshot(account.rds, 'other-db', 'orders-nightly-other-db-20261101-0300', {
      [SnapshotTagKeys.SCHEDULE]: 'SomeoneElse/Nightly',
    });
    const foreign = (await listClusterSnapshots(account.rds)).map((s) => s.DBClusterSnapshotIdentifier);

    // WHEN
    const runs = [];
    for (let n = 0; n < 10; n++) {
      runs.push(await account.run(account.scheduledInput(SCHEDULE, day(n))));
    }

    // THEN
    expect(runs.map((run) => run.status)).toEqual(Array(10).fill('SUCCEEDED'));
    expect(runs.flatMap((run) => run.output.deleted)).toEqual([
      'orders-nightly-orders-db-20261101-0300',
      'orders-nightly-orders-db-20261102-0300',
      'orders-nightly-orders-db-20261103-0300',
    ]);
    const remaining = (await listClusterSnapshots(account.rds)).map((s) => s.DBClusterSnapshotIdentifier);
    expect(remaining).toEqual(expect.arrayContaining(foreign));
    expect(remaining.filter((id) => id?.startsWith('orders-nightly-orders-db'))).toHaveLength(7);
  });

  test('a manual run naming only the cluster uses the registered schedule and can pin its snapshot', async () => {
    // WHEN
    const run = await account.run({ clusterIdentifier: EXAMPLE_CLUSTER, pin: 'before the migration' },
      { startTime: '2026-12-04T10:42:13.000Z' });

    // THEN
    expect(run.status).toEqual('SUCCEEDED');
    expect(run.statesEntered.slice(0, 3)).toEqual([
      WorkflowStates.IS_SCHEDULED, WorkflowStates.LOOK_UP_SCHEDULE, WorkflowStates.PREPARE,
    ]);
    expect(run.output.snapshotIdentifier).toEqual('orders-nightly-orders-db-20261204-1042');
    const [snapshot] = (await listClusterSnapshots(account.rds, EXAMPLE_CLUSTER))
      .filter((s) => s.DBClusterSnapshotIdentifier === run.output.snapshotIdentifier);
    expect(tagsOf(snapshot)[SnapshotTagKeys.PIN]).toEqual('before the migration');
  });

  test('a retried run of the same scheduled time finds its own snapshot and succeeds without a second one', async () => {
    // GIVEN
    const input = account.scheduledInput(SCHEDULE, day(3));
    await account.run(input);

    // WHEN
    const again = await account.run(input);

    // THEN
    expect(again.status).toEqual('SUCCEEDED');
    expect(again.output.snapshotIdentifier).toEqual('orders-nightly-orders-db-20261104-0300');
    const ours = (await listClusterSnapshots(account.rds, EXAMPLE_CLUSTER))
      .filter((s) => s.DBClusterSnapshotIdentifier?.startsWith('orders-nightly'));
    expect(ours).toHaveLength(1);
  });
});
