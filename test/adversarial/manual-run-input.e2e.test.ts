import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AuroraSnapshotSchedule, Retention } from '../../src';
import { SnapshotTagKeys } from '../../src/decisions/snapshot-tags';
import { createAuroraCluster, createManualClusterSnapshot, listClusterSnapshots, tagsOf } from '../support/aws-fixtures';
import { resetMoto } from '../support/moto';
import { SimulatedAccount } from '../support/simulated-account';

/**
 * Manual runs (StartExecution with a hand-written input) through the synthesized workflow against moto.
 */
describe('manual runs with odd input', () => {
  const CLUSTER = 'orders-db';
  const SCHEDULE = 'Manual/Nightly';
  let account: SimulatedAccount;

  beforeAll(async () => {
    const app = new App();
    const stack = new Stack(app, 'Manual', { env: { account: '123456789012', region: 'us-east-1' } });
    new AuroraSnapshotSchedule(stack, 'Nightly', {
      cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'C', { clusterIdentifier: CLUSTER }),
      retention: Retention.keepWithin(Duration.days(7)),
    });
    account = await SimulatedAccount.start(Template.fromStack(stack).toJSON());
  });

  afterAll(async () => {
    await account?.stop();
  });

  /** Ten snapshots of earlier nightly runs, 2026-11-21 to 2026-11-30 at 03:00. */
  let earlier: string[];
  beforeEach(async () => {
    await resetMoto(account.moto.endpoint);
    await createAuroraCluster(account.rds, CLUSTER);
    earlier = [];
    for (let day = 21; day <= 30; day++) {
      const identifier = `nightly-${CLUSTER}-202611${day}-0300`;
      await createManualClusterSnapshot(account.rds, CLUSTER, identifier, {
        [SnapshotTagKeys.SCHEDULE]: SCHEDULE,
        [SnapshotTagKeys.SCHEDULED_TIME]: `2026-11-${day}T03:00:00.000Z`,
      });
      earlier.push(identifier);
    }
  });

  async function remaining(): Promise<string[]> {
    return (await listClusterSnapshots(account.rds, CLUSTER))
      .filter((snapshot) => snapshot.SnapshotType === 'manual')
      .map((snapshot) => snapshot.DBClusterSnapshotIdentifier!);
  }

  test('a mistyped scheduledTime in the future does not make keep-within-7d expire the last week', async () => {
    // WHEN an operator starts a manual run on 2026-12-01 and types the year wrong
    const run = await account.run({ clusterIdentifier: CLUSTER, scheduledTime: '2062-12-01T10:00:00Z' },
      { startTime: '2026-12-01T10:00:00.000Z' });

    // THEN the snapshots of the last seven days (11-24 .. 11-30) are still there, whatever the run did
    expect(run.output?.deleted ?? []).toEqual([]);
    expect(await remaining()).toEqual(expect.arrayContaining(earlier.slice(3)));
  });

  test('`"dryRun": "true"` (a string) deletes nothing', async () => {
    // WHEN a manual run a week later asks for a dry run, as a string (as a CLI or a console form may send it)
    const run = await account.run({ clusterIdentifier: CLUSTER, dryRun: 'true' },
      { startTime: '2026-12-07T10:00:00.000Z' });

    // THEN either the input is refused, or it is a dry run; nothing is deleted
    expect(await remaining()).toEqual(expect.arrayContaining(earlier));
    expect(run.status === 'FAILED' || run.output.dryRun === true).toBe(true);
  });

  test('`"pin": false` does not pin the snapshot forever', async () => {
    // WHEN
    const run = await account.run({ clusterIdentifier: CLUSTER, pin: false },
      { startTime: '2026-12-01T10:00:00.000Z' });

    // THEN the input is refused, or the snapshot is not pinned
    if (run.status === 'SUCCEEDED') {
      const [made] = (await listClusterSnapshots(account.rds, CLUSTER))
        .filter((snapshot) => snapshot.DBClusterSnapshotIdentifier === run.output.snapshotIdentifier);
      expect(tagsOf(made)[SnapshotTagKeys.PIN]).toBeUndefined();
    }
  });
});
