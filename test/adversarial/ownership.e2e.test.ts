import { CopyDBClusterSnapshotCommand } from '@aws-sdk/client-rds';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AuroraSnapshotSchedule, Retention } from '../../src';
import { createAuroraCluster, listClusterSnapshots } from '../support/aws-fixtures';
import { EXAMPLE_CLUSTER } from '../support/example-app';
import { exampleAccountForTests, SimulatedAccount } from '../support/simulated-account';

/**
 * Ownership is decided by the tag value alone (cluster + `cdk-aurora-snapshots:schedule` = construct path). Neither
 * the snapshot's name nor anything unique to the deployment is checked, so snapshots the library did not make are
 * deleted.
 */
function day(n: number): string {
  return new Date(Date.UTC(2026, 10, 1 + n, 3)).toISOString().replace('.000Z', 'Z');
}

function compact(time: string): string {
  return `${time.slice(0, 4)}${time.slice(5, 7)}${time.slice(8, 10)}`;
}

describe('a copy a user made of one of our snapshots, with "copy tags" on', () => {
  const SCHEDULE = 'AuroraSnapshotsExample/OrdersNightly';
  const COPY = 'orders-keep-before-migration';
  const exampleAccount = exampleAccountForTests();
  let account: SimulatedAccount;
  beforeEach(() => {
    account = exampleAccount();
  });

  test('is never deleted: the library did not make it', async () => {
    // GIVEN seven runs, then a user copies the oldest snapshot to keep it (CopyTags: true, as the console offers)
    for (let n = 0; n < 7; n++) {
      await account.run(account.scheduledInput(SCHEDULE, day(n)));
    }
    await account.rds.send(new CopyDBClusterSnapshotCommand({
      SourceDBClusterSnapshotIdentifier: `orders-nightly-orders-db-${compact(day(0))}-0300`,
      TargetDBClusterSnapshotIdentifier: COPY,
      CopyTags: true,
    }));

    // WHEN the schedule runs on
    const run = await account.run(account.scheduledInput(SCHEDULE, day(7)));

    // THEN
    expect(run.output.deleted).not.toContain(COPY);
    const remaining = (await listClusterSnapshots(account.rds, EXAMPLE_CLUSTER))
      .map((snapshot) => snapshot.DBClusterSnapshotIdentifier);
    expect(remaining).toContain(COPY);
  });
});

describe('another team\'s stack whose construct path is the same as ours', () => {
  // Team A and team B each write `new Stack(app, 'Database', { stackName: ... })` with a schedule `Nightly` on the
  // shared cluster, each under its own snapshot prefix. Schedule ids start with the deployed stack name, so they
  // differ: `team-a-database/Nightly` and `team-b-database/Nightly`.
  const CLUSTER = 'shared-db';
  let teamA: SimulatedAccount;
  let teamB: SimulatedAccount;

  function teamStack(team: string): Record<string, unknown> {
    const app = new App();
    const stack = new Stack(app, 'Database', {
      stackName: `team-${team}-database`, env: { account: '123456789012', region: 'us-east-1' },
    });
    new AuroraSnapshotSchedule(stack, 'Nightly', {
      cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Shared', { clusterIdentifier: CLUSTER }),
      snapshotPrefix: `team-${team}`,
      retention: Retention.keepLast(3),
    });
    return Template.fromStack(stack).toJSON();
  }

  beforeAll(async () => {
    teamA = await SimulatedAccount.start(teamStack('a'));
    // Team B's workflow runs against the same RDS (team A's moto).
    teamB = await SimulatedAccount.start(teamStack('b'), { rdsEndpoint: () => teamA.moto.endpoint });
    await createAuroraCluster(teamA.rds, CLUSTER);
  });

  afterAll(async () => {
    await teamA?.stop();
    await teamB?.stop();
  });

  test('each team\'s runs leave the other team\'s snapshots alone', async () => {
    // WHEN for four nights team A's schedule fires at 03:00 and team B's at 04:00
    const runs = [];
    for (let n = 0; n < 4; n++) {
      runs.push(await teamA.run(teamA.scheduledInput('team-a-database/Nightly', day(n))));
      runs.push(await teamB.run(teamB.scheduledInput('team-b-database/Nightly', `${day(n).slice(0, 10)}T04:00:00Z`)));
    }

    // THEN every run succeeded and none deleted the other team's snapshots
    expect(runs.map((run) => run.status)).toEqual(Array(8).fill('SUCCEEDED'));
    const crossDeletes = runs.flatMap((run) => run.output.deleted
      .filter((id: string) => !id.startsWith(`${run.output.snapshotIdentifier.slice(0, 7)}`)));
    expect(crossDeletes).toEqual([]);
  });
});
