import { DescribeDBClustersCommand, StopDBClusterCommand } from '@aws-sdk/client-rds';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { AuroraSnapshotSchedule, Retention } from '../src';
import { createAuroraCluster, createManualClusterSnapshot, listClusterSnapshots, tagsOf } from './support/aws-fixtures';
import { EXAMPLE_CLUSTER } from './support/example-app';
import { FaultProxy, FaultRule, Faults } from './support/fault-proxy';
import { exampleAccountBehindProxyForTests, SimulatedAccount } from './support/simulated-account';
import { nagFindings } from './support/synth';
import { SnapshotTagKeys } from '../src/decisions/snapshot-tags';
import { WorkflowStates } from '../src/private/workflow-definition';

/**
 * Runs the synthesized example workflow against moto with the fault proxy in front of it, so that every RDS call of
 * the workflow and of the function can be throttled, refused, lost or slowed the way RDS does in the field.
 */
describe('the synthesized workflow under RDS faults', () => {
  const SCHEDULE = 'AuroraSnapshotsExample/OrdersNightly';
  const FOREIGN = 'team-b-before-upgrade';
  const example = exampleAccountBehindProxyForTests();
  let proxy: FaultProxy;
  let account: SimulatedAccount;

  beforeEach(async () => {
    ({ account, proxy } = example());
    await createManualClusterSnapshot(account.rds, EXAMPLE_CLUSTER, FOREIGN, { team: 'b' });
  });

  /** 03:00 UTC on day `n` from 2026-11-01, as Scheduler sends it. */
  function day(n: number): string {
    return new Date(Date.UTC(2026, 10, 1 + n, 3, 0, 0)).toISOString().replace('.000Z', 'Z');
  }

  /** The identifier the schedule gives the snapshot of day `n`. */
  function ours(n: number): string {
    const date = day(n);
    return `orders-nightly-orders-db-${date.slice(0, 4)}${date.slice(5, 7)}${date.slice(8, 10)}-0300`;
  }

  /** Makes the snapshots earlier runs of the schedule would have left, for days -count to -1. */
  async function earlierSnapshots(count: number): Promise<string[]> {
    const made: string[] = [];
    for (let n = -count; n < 0; n++) {
      await createManualClusterSnapshot(account.rds, EXAMPLE_CLUSTER, ours(n), {
        [SnapshotTagKeys.SCHEDULE]: SCHEDULE,
        [SnapshotTagKeys.SCHEDULED_TIME]: new Date(day(n)).toISOString(),
      });
      made.push(ours(n));
    }
    return made;
  }

  async function snapshotIdentifiers(): Promise<string[]> {
    return (await listClusterSnapshots(account.rds, EXAMPLE_CLUSTER))
      .filter((snapshot) => snapshot.SnapshotType === 'manual')
      .map((snapshot) => snapshot.DBClusterSnapshotIdentifier!)
      .sort();
  }

  function deletesSent(): string[] {
    return proxy.callsTo('DeleteDBClusterSnapshot').map((call) => call.params.DBClusterSnapshotIdentifier);
  }

  /** Whether a DescribeDBClusterSnapshots call is the workflow's poll of one snapshot. */
  const isPoll = (params: Record<string, string>) => params.DBClusterSnapshotIdentifier !== undefined;

  /** Whether a DescribeDBClusterSnapshots call is the function's listing of the cluster's snapshots (to prune). */
  const isClusterListing = (params: Record<string, string>) => !isPoll(params)
    && params.DBClusterIdentifier === EXAMPLE_CLUSTER;

  /** Whether a DescribeDBClusterSnapshots call is the function's count of the region's manual snapshots. */
  const isRegionCount = (params: Record<string, string>) => !isPoll(params) && params.DBClusterIdentifier === undefined;

  describe('a busy cluster', () => {
    test('the create is retried while the cluster is busy, and the run succeeds once it is not', async () => {
      // GIVEN
      proxy.addRule({
        action: 'CreateDBClusterSnapshot', calls: { first: 2 }, fault: Faults.clusterBusy('backing-up'),
      });

      // WHEN
      const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

      // THEN
      expect(run.status).toEqual('SUCCEEDED');
      expect(run.output).toMatchObject({ outcome: 'succeeded', snapshotIdentifier: ours(0) });
      expect(proxy.callsTo('CreateDBClusterSnapshot').map((call) => call.fault))
        .toEqual(['InvalidDBClusterStateFault', 'InvalidDBClusterStateFault', undefined]);
      expect(await snapshotIdentifiers()).toEqual([ours(0), FOREIGN].sort());
    });

    test('a cluster busy through every retry fails the run with ClusterBusy and leaves no snapshot', async () => {
      // GIVEN
      proxy.addRule({ action: 'CreateDBClusterSnapshot', fault: Faults.clusterBusy('modifying') });

      // WHEN
      const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

      // THEN
      expect(run).toMatchObject({ status: 'FAILED', error: 'ClusterBusy' });
      expect(run.cause).toContain('modifying');
      expect(proxy.callsTo('CreateDBClusterSnapshot')).toHaveLength(6);
      expect(await snapshotIdentifiers()).toEqual([FOREIGN]);
    });
  });

  describe('a stopped cluster', () => {
    beforeEach(async () => {
      await account.rds.send(new StopDBClusterCommand({ DBClusterIdentifier: EXAMPLE_CLUSTER }));
    });

    async function clusterStatus(): Promise<string | undefined> {
      const described = await account.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: EXAMPLE_CLUSTER }));
      return described.DBClusters?.[0]?.Status;
    }

    test('is skipped by default: no snapshot, and the cluster is left stopped', async () => {
      // WHEN
      const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

      // THEN
      expect(run.status).toEqual('SUCCEEDED');
      expect(run.output).toMatchObject({ outcome: 'skipped', clusterIdentifier: EXAMPLE_CLUSTER });
      expect(JSON.stringify(run.output.reason)).toContain('stopped');
      expect(proxy.calls.map((call) => call.action)).not.toContain('CreateDBClusterSnapshot');
      expect(proxy.calls.map((call) => call.action)).not.toContain('StartDBCluster');
      expect(deletesSent()).toEqual([]);
      expect(await snapshotIdentifiers()).toEqual([FOREIGN]);
      expect(await clusterStatus()).toEqual('stopped');
    });

    test('fails the run with ClusterStopped when the input asks for a failure', async () => {
      // WHEN
      const run = await account.run({ ...account.scheduledInput(SCHEDULE, day(0)), whenClusterStopped: 'fail' });

      // THEN
      expect(run).toMatchObject({ status: 'FAILED', error: 'ClusterStopped' });
      expect(proxy.callsTo('CreateDBClusterSnapshot')).toHaveLength(0);
      expect(await snapshotIdentifiers()).toEqual([FOREIGN]);
      expect(await clusterStatus()).toEqual('stopped');
    });
  });

  test('a lost create response is retried, finds its own snapshot and succeeds with exactly one', async () => {
    // GIVEN
    proxy.addRule({ action: 'CreateDBClusterSnapshot', calls: { first: 1 }, fault: Faults.dropResponse() });

    // WHEN
    const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

    // THEN
    expect(run.status).toEqual('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'succeeded', snapshotIdentifier: ours(0), kept: 1 });
    expect(proxy.callsTo('CreateDBClusterSnapshot').map((call) => [call.fault, call.status]))
      .toEqual([['drop-response', undefined], [undefined, 400]]);
    const snapshots = await listClusterSnapshots(account.rds, EXAMPLE_CLUSTER);
    const ofThisTime = snapshots.filter((snapshot) =>
      tagsOf(snapshot)[SnapshotTagKeys.SCHEDULED_TIME] === new Date(day(0)).toISOString());
    expect(ofThisTime.map((snapshot) => snapshot.DBClusterSnapshotIdentifier)).toEqual([ours(0)]);
  });

  test.each([
    ['throttling', Faults.throttling()],
    ['500 InternalFailure', Faults.internalFailure()],
  ])('%s on every kind of call, the function\'s included, slows the run down but it succeeds', async (_name, fault) => {
    // GIVEN
    const older = await earlierSnapshots(8);
    const rules: FaultRule[] = [
      { action: 'DescribeDBClusters', calls: { first: 1 }, fault },
      { action: 'CreateDBClusterSnapshot', calls: { first: 2 }, fault },
      { action: 'DescribeDBClusterSnapshots', when: isPoll, calls: { first: 2 }, fault },
      { action: 'DescribeDBClusterSnapshots', when: isClusterListing, calls: { first: 2 }, fault },
      { action: 'DescribeDBClusterSnapshots', when: isRegionCount, calls: { first: 2 }, fault },
      { action: 'DeleteDBClusterSnapshot', calls: { first: 2 }, fault },
    ];
    rules.forEach((rule) => proxy.addRule(rule));

    // WHEN
    const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

    // THEN
    expect(run.status).toEqual('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'succeeded', deleteFailed: [] });
    expect([...run.output.deleted].sort()).toEqual(older.slice(0, 2));
    expect(proxy.faultsInjected).toEqual(11);
    expect(await snapshotIdentifiers()).toEqual([...older.slice(2), ours(0), FOREIGN].sort());
  });

  test('a full snapshot quota fails the run at once with SnapshotQuotaExceeded, without retrying', async () => {
    // GIVEN
    const older = await earlierSnapshots(8);
    proxy.addRule({ action: 'CreateDBClusterSnapshot', fault: Faults.quotaExceeded() });

    // WHEN
    const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

    // THEN
    expect(run).toMatchObject({ status: 'FAILED', error: 'SnapshotQuotaExceeded' });
    expect(run.cause).toMatch(/quota/i);
    expect(proxy.callsTo('CreateDBClusterSnapshot')).toHaveLength(1);
    expect(deletesSent()).toEqual([]);
    expect(await snapshotIdentifiers()).toEqual([...older, FOREIGN].sort());
  });

  test('a snapshot that stays creating fails the run with SnapshotTimedOut, and nothing is pruned', async () => {
    // GIVEN
    const older = await earlierSnapshots(8);
    proxy.addRule({ action: 'DescribeDBClusterSnapshots', fault: Faults.snapshotStatus('creating', ours(0)) });

    // WHEN
    const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

    // THEN
    expect(run).toMatchObject({ status: 'FAILED', error: 'SnapshotTimedOut' });
    expect(run.statesEntered).not.toContain(WorkflowStates.PRUNE);
    expect(run.waitedSeconds).toEqual(4 * 3600);
    expect(deletesSent()).toEqual([]);
    expect(await snapshotIdentifiers()).toEqual([...older, ours(0), FOREIGN].sort());
  });

  test('a snapshot that becomes available after a few polls is waited for', async () => {
    // GIVEN
    proxy.addRule({
      action: 'DescribeDBClusterSnapshots',
      when: isPoll,
      calls: { first: 3 },
      fault: Faults.snapshotStatus('creating', ours(0)),
    });

    // WHEN
    const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

    // THEN
    expect(run.status).toEqual('SUCCEEDED');
    expect(proxy.callsTo('DescribeDBClusterSnapshots').filter((call) => isPoll(call.params))).toHaveLength(4);
  });

  test('a failed snapshot fails the run with SnapshotFailed; only that snapshot is deleted', async () => {
    // GIVEN
    const older = await earlierSnapshots(8);
    proxy.addRule({ action: 'DescribeDBClusterSnapshots', fault: Faults.snapshotStatus('failed', ours(0)) });

    // WHEN
    const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

    // THEN
    expect(run).toMatchObject({ status: 'FAILED', error: 'SnapshotFailed' });
    expect(deletesSent()).toEqual([ours(0)]);
    expect(await snapshotIdentifiers()).toEqual([...older, FOREIGN].sort());
  });

  describe('when no new snapshot became available, no older snapshot is deleted', () => {
    test.each<[string, () => unknown, Record<string, unknown>, string]>([
      ['the cluster stays busy',
        () => proxy.addRule({ action: 'CreateDBClusterSnapshot', fault: Faults.clusterBusy() }), {}, 'ClusterBusy'],
      ['the quota is full',
        () => proxy.addRule({ action: 'CreateDBClusterSnapshot', fault: Faults.quotaExceeded() }), {},
        'SnapshotQuotaExceeded'],
      ['the snapshot stays creating',
        () => proxy.addRule({ action: 'DescribeDBClusterSnapshots', fault: Faults.snapshotStatus('creating') }), {},
        'SnapshotTimedOut'],
      ['the snapshot fails',
        () => proxy.addRule({ action: 'DescribeDBClusterSnapshots', fault: Faults.snapshotStatus('failed', ours(0)) }),
        {}, 'SnapshotFailed'],
      ['the cluster is stopped and the schedule asks for a failure',
        () => account.rds.send(new StopDBClusterCommand({ DBClusterIdentifier: EXAMPLE_CLUSTER })),
        { whenClusterStopped: 'fail' }, 'ClusterStopped'],
      ['RDS fails every create with a 500',
        () => proxy.addRule({ action: 'CreateDBClusterSnapshot', fault: Faults.internalFailure() }), {},
        'Rds.RdsException'],
    ])('%s', async (_name, arrange, extraInput, error) => {
      // GIVEN eight snapshots of earlier runs: a successful run would delete the two oldest
      const older = await earlierSnapshots(8);
      await arrange();

      // WHEN
      const run = await account.run({ ...account.scheduledInput(SCHEDULE, day(0)), ...extraInput });

      // THEN
      expect(run).toMatchObject({ status: 'FAILED', error });
      expect(deletesSent().filter((identifier) => identifier !== ours(0))).toEqual([]);
      expect(await snapshotIdentifiers()).toEqual(expect.arrayContaining([...older, FOREIGN]));
    });
  });

  describe('deletes', () => {
    test('a snapshot already gone counts as deleted, whether RDS says so at once or after a lost answer', async () => {
      // GIVEN
      const older = await earlierSnapshots(8);
      proxy
        .addRule({
          action: 'DeleteDBClusterSnapshot',
          when: (params) => params.DBClusterSnapshotIdentifier === older[0],
          fault: Faults.snapshotNotFound(),
        })
        .addRule({
          action: 'DeleteDBClusterSnapshot',
          when: (params) => params.DBClusterSnapshotIdentifier === older[1],
          calls: { first: 1 },
          fault: Faults.dropResponse(),
        });

      // WHEN
      const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

      // THEN
      expect(run.status).toEqual('SUCCEEDED');
      expect(run.output).toMatchObject({ outcome: 'succeeded', deleteFailed: [] });
      expect([...run.output.deleted].sort()).toEqual(older.slice(0, 2));
      expect(proxy.callsTo('DeleteDBClusterSnapshot').map((call) => [call.params.DBClusterSnapshotIdentifier,
        call.fault, call.status])).toEqual([
        [older[1], 'drop-response', undefined],
        [older[1], undefined, 404],
        [older[0], 'DBClusterSnapshotNotFoundFault', 404],
      ]);
      expect(await snapshotIdentifiers()).not.toContain(older[1]);
    });

    test('one delete that RDS refuses is reported, the others go on, and the outcome is partial', async () => {
      // GIVEN ten earlier snapshots: four expire
      const older = await earlierSnapshots(10);
      proxy.addRule({
        action: 'DeleteDBClusterSnapshot',
        when: (params) => params.DBClusterSnapshotIdentifier === older[1],
        fault: Faults.invalidSnapshotState('copying'),
      });

      // WHEN
      const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

      // THEN
      expect(run.status).toEqual('SUCCEEDED');
      expect(run.output).toMatchObject({
        outcome: 'partial',
        deleteFailed: [{
          snapshotIdentifier: older[1], error: expect.stringContaining('InvalidDBClusterSnapshotStateFault'),
        }],
      });
      expect([...run.output.deleted].sort()).toEqual([older[0], older[2], older[3]]);
      expect(await snapshotIdentifiers()).toEqual([...older.slice(4), older[1], ours(0), FOREIGN].sort());
    });
  });

  test('with more than 100 snapshots of ours, the prune reads every page and deletes exactly the expired', async () => {
    // GIVEN 150 snapshots of earlier runs and one of another team's
    const older = await earlierSnapshots(150);

    // WHEN
    const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

    // THEN
    expect(run.status).toEqual('SUCCEEDED');
    const listings = proxy.callsTo('DescribeDBClusterSnapshots').filter((call) => isClusterListing(call.params));
    expect(listings.map((call) => call.page)).toEqual([{ snapshots: 100, more: true }, { snapshots: 52, more: false }]);
    expect(run.output).toMatchObject({ outcome: 'succeeded', kept: 7, deleteFailed: [] });
    expect([...run.output.deleted].sort()).toEqual(older.slice(0, 144));
    expect(await snapshotIdentifiers()).toEqual([...older.slice(144), ours(0), FOREIGN].sort());
  });

  test('a manual run started in the same minute as the scheduled one makes no second snapshot', async () => {
    // GIVEN
    const older = await earlierSnapshots(8);

    // WHEN
    const [scheduled, manual] = await Promise.all([
      account.run(account.scheduledInput(SCHEDULE, day(0)), { executionName: 'scheduled' }),
      account.run({ clusterIdentifier: EXAMPLE_CLUSTER },
        { executionName: 'manual', startTime: new Date(Date.parse(day(0)) + 27_000).toISOString() }),
    ]);

    // THEN
    expect([scheduled.status, manual.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(scheduled.output.snapshotIdentifier).toEqual(ours(0));
    expect(manual.output.snapshotIdentifier).toEqual(ours(0));
    expect(proxy.callsTo('CreateDBClusterSnapshot').map((call) => call.status).sort()).toEqual([200, 400]);
    expect(await snapshotIdentifiers()).toEqual([...older.slice(2), ours(0), FOREIGN].sort());
  });

  /** Faults of the workflow or the function that these tests found, and that stay fixed. */
  describe('found faults, fixed', () => {
    test('RDS faults that outlast the function\'s SDK retries are retried by the workflow, and the run succeeds',
      async () => {
        // GIVEN DescribeDBClusters fails five times in a row, more than the function's client tries in one call
        proxy.addRule({ action: 'DescribeDBClusters', calls: { first: 5 }, fault: Faults.internalFailure() });

        // WHEN
        const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

        // THEN the prepare step was repeated as RdsTransient and the snapshot was taken
        expect(run.status).toEqual('SUCCEEDED');
        expect(run.statesEntered.filter((state) => state === WorkflowStates.PREPARE)).toHaveLength(1);
        expect(proxy.callsTo('DescribeDBClusters').length).toBeGreaterThan(5);
        expect(await snapshotIdentifiers()).toContain(ours(0));
      });

    test('a lost create answer followed by "cluster busy" (with our own snapshot) is not reported as ClusterBusy',
      async () => {
        // GIVEN the first create is carried out but its answer is lost, and every later create hears "busy"
        proxy
          .addRule({ action: 'CreateDBClusterSnapshot', calls: { first: 1 }, fault: Faults.dropResponse() })
          .addRule({ action: 'CreateDBClusterSnapshot', fault: Faults.clusterBusy('backing-up') });

        // WHEN
        const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

        // THEN the workflow finds its own snapshot and carries on
        expect(run.status).toEqual('SUCCEEDED');
        expect(run.statesEntered).toContain(WorkflowStates.CHECK_AFTER_BUSY);
        expect((await snapshotIdentifiers()).filter((id) => id === ours(0))).toHaveLength(1);
      });

    test('a pinned manual run in the same minute as the scheduled run leaves a pinned snapshot', async () => {
      // GIVEN the scheduled run of 03:00 has made its snapshot
      await account.run(account.scheduledInput(SCHEDULE, day(0)), { executionName: 'scheduled' });

      // WHEN a user asks for a pinned snapshot at 03:00:40
      const manual = await account.run({ clusterIdentifier: EXAMPLE_CLUSTER, pin: 'before the migration' },
        { executionName: 'manual', startTime: new Date(Date.parse(day(0)) + 40_000).toISOString() });

      // THEN the snapshot it reports carries the pin, so it is never pruned
      expect(manual.status).toEqual('SUCCEEDED');
      const pinned = (await listClusterSnapshots(account.rds, EXAMPLE_CLUSTER))
        .filter((snapshot) => tagsOf(snapshot)[SnapshotTagKeys.PIN] !== undefined);
      expect(pinned.map((snapshot) => snapshot.DBClusterSnapshotIdentifier))
        .toEqual([manual.output.snapshotIdentifier]);
    });

    test('a failing count of the region\'s snapshots does not stop the snapshot', async () => {
      // GIVEN the prepare step's count for quota monitoring fails beyond the SDK's retries
      proxy.addRule({ action: 'DescribeDBClusterSnapshots', when: isRegionCount, fault: Faults.internalFailure() });

      // WHEN
      const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

      // THEN the snapshot is still taken
      expect(run.status).toEqual('SUCCEEDED');
      expect(await snapshotIdentifiers()).toContain(ours(0));
    });

    test('a failed snapshot that cannot be deleted is not reported as deleted', async () => {
      // GIVEN
      proxy
        .addRule({ action: 'DescribeDBClusterSnapshots', fault: Faults.snapshotStatus('failed', ours(0)) })
        .addRule({ action: 'DeleteDBClusterSnapshot', fault: Faults.invalidSnapshotState('failed') });

      // WHEN
      const run = await account.run(account.scheduledInput(SCHEDULE, day(0)));

      // THEN the snapshot is still there, so the cause must not say it was deleted
      expect(run).toMatchObject({ status: 'FAILED', error: 'SnapshotFailed' });
      expect(await snapshotIdentifiers()).toContain(ours(0));
      expect(run.cause).not.toContain('It was deleted');
    });
  });
});

describe('two schedules on one cluster', () => {
  const CLUSTER = 'ledger-db';
  let proxy: FaultProxy;
  let account: SimulatedAccount;

  function twoScheduleStack(): Stack {
    const app = new App();
    const stack = new Stack(app, 'TwoSchedules', { env: { account: '123456789012', region: 'us-east-1' } });
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Ledger', { clusterIdentifier: CLUSTER });
    new AuroraSnapshotSchedule(stack, 'Hourly', {
      cluster,
      snapshotPrefix: 'hourly',
      schedule: scheduler.ScheduleExpression.cron({ minute: '0' }),
      retention: Retention.keepLast(3),
    });
    new AuroraSnapshotSchedule(stack, 'Daily', {
      cluster,
      snapshotPrefix: 'daily',
      schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3' }),
      retention: Retention.policy({ daily: 2 }),
    });
    expect(nagFindings(stack)).toEqual([]);
    return stack;
  }

  beforeAll(async () => {
    proxy = new FaultProxy();
    await proxy.start();
    account = await SimulatedAccount.start(Template.fromStack(twoScheduleStack()).toJSON(), {
      rdsEndpoint: (moto) => proxy.forwardTo(moto),
    });
    await createAuroraCluster(account.rds, CLUSTER);
  });

  afterAll(async () => {
    await account?.stop();
    await proxy?.stop();
  });

  test('each prunes only its own snapshots, even when both run at once', async () => {
    // WHEN three days of hourly runs from 01:00 to 04:00, the daily run at 03:00 alongside the hourly one
    const runs = [];
    for (let n = 0; n < 3; n++) {
      for (const hour of [1, 2, 3, 4]) {
        const time = new Date(Date.UTC(2026, 10, 1 + n, hour)).toISOString();
        const hourly = account.run(account.scheduledInput('TwoSchedules/Hourly', time),
          { executionName: `h${n}${hour}` });
        const daily = hour === 3
          ? account.run(account.scheduledInput('TwoSchedules/Daily', time), { executionName: `d${n}` })
          : undefined;
        runs.push(...await Promise.all([hourly, ...(daily ? [daily] : [])]));
      }
    }

    // THEN
    expect(runs.map((run) => run.status)).toEqual(Array(15).fill('SUCCEEDED'));
    for (const run of runs) {
      const prefix = run.output.scheduleId === 'TwoSchedules/Hourly' ? 'hourly-' : 'daily-';
      expect(run.output.deleted.every((identifier: string) => identifier.startsWith(prefix))).toBe(true);
    }
    const remaining = (await listClusterSnapshots(account.rds, CLUSTER))
      .filter((snapshot) => snapshot.SnapshotType === 'manual')
      .map((snapshot) => snapshot.DBClusterSnapshotIdentifier)
      .sort();
    expect(remaining).toEqual([
      'daily-ledger-db-20261102-0300',
      'daily-ledger-db-20261103-0300',
      'hourly-ledger-db-20261103-0200',
      'hourly-ledger-db-20261103-0300',
      'hourly-ledger-db-20261103-0400',
    ]);
  });
});
