import {
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  RDSClient,
  StopDBClusterCommand,
  type DBClusterSnapshot,
} from '@aws-sdk/client-rds';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import {
  createAuroraCluster,
  createManualClusterSnapshot,
  listClusterSnapshots,
  motoWithClusterForTests,
} from './support/aws-fixtures';
import { CollectingLogger } from './support/simulated-account';
import type { ScheduleRunInput } from '../src/decisions/run-input';
import { snapshotIdentifier } from '../src/decisions/snapshot-name';
import { SnapshotTagKeys } from '../src/decisions/snapshot-tags';
import type { PrepareEvent } from '../src/runtime/prepare';
import type { PruneEvent } from '../src/runtime/prune';
import { forgetCachedQuota } from '../src/runtime/snapshot-quota';
import { createHandler } from '../src/runtime/snapshot.lambda';

const SCHEDULE_ID = 'Stack/OrdersNightly';
const CLUSTER = 'orders-db';

function scheduleInput(overrides: Partial<ScheduleRunInput> = {}): ScheduleRunInput {
  return {
    clusterIdentifier: CLUSTER,
    scheduleId: SCHEDULE_ID,
    snapshotPrefix: 'nightly',
    retention: { keepLast: 2 },
    timeZone: 'UTC',
    dryRun: false,
    tags: [{ Key: 'team', Value: 'orders' }],
    snapshotTimeoutSeconds: 3600,
    whenClusterStopped: 'skip',
    scheduledTime: '2026-12-04T03:00:17Z',
    ...overrides,
  };
}

function prepareEvent(input: PrepareEvent['input']): PrepareEvent {
  return { action: 'prepare', input, executionStartTime: '2026-12-04T09:15:42.123Z' };
}

function ownTags(scheduledTime: string, scheduleId = SCHEDULE_ID): Record<string, string> {
  return { [SnapshotTagKeys.SCHEDULE]: scheduleId, [SnapshotTagKeys.SCHEDULED_TIME]: scheduledTime };
}

describe('the snapshot function against moto', () => {
  const local = motoWithClusterForTests(CLUSTER);
  let rds: RDSClient;

  beforeEach(() => {
    ({ rds } = local());
  });

  describe('prepare', () => {
    test('names the snapshot from prefix, cluster and scheduled time to the minute, and tags it', async () => {
      // GIVEN
      const handler = createHandler({ rds, logger: new CollectingLogger(), emitMetrics: () => undefined });

      // WHEN
      const run: any = await handler(prepareEvent(scheduleInput({
        tags: [
          { Key: 'team', Value: 'orders' },
          { Key: 'aws:reserved', Value: 'x' },
        ],
      })));

      // THEN
      expect(run.snapshotIdentifier).toEqual('nightly-orders-db-20261204-0300');
      expect(run.scheduledTime).toEqual('2026-12-04T03:00:00.000Z');
      expect(run.tags).toEqual([
        { Key: 'team', Value: 'orders' },
        { Key: SnapshotTagKeys.SCHEDULE, Value: SCHEDULE_ID },
        { Key: SnapshotTagKeys.SCHEDULED_TIME, Value: '2026-12-04T03:00:00.000Z' },
      ]);
      expect(run.poll).toEqual({ seconds: 120, elapsedSeconds: 120, timeoutSeconds: 3600 });
    });

    test('a manual run naming only the cluster takes the registered schedule and the execution start time', async () => {
      // GIVEN
      const handler = createHandler({ rds, logger: new CollectingLogger(), emitMetrics: () => undefined });
      const { scheduledTime, ...registered } = scheduleInput();

      // WHEN
      const run: any = await handler(prepareEvent({
        clusterIdentifier: CLUSTER,
        pin: 'before the "migration"',
        registeredSchedules: [registered, { ...registered, clusterIdentifier: 'other-db', scheduleId: 'Stack/Other' }],
      }));

      // THEN
      expect(run.scheduleId).toEqual(SCHEDULE_ID);
      expect(run.snapshotIdentifier).toEqual('nightly-orders-db-20261204-0915');
      expect(run.tags).toContainEqual({ Key: SnapshotTagKeys.PIN, Value: 'before the  migration' });
      void scheduledTime;
    });

    test('a manual run on a cluster with two schedules must name one', async () => {
      // GIVEN
      const handler = createHandler({ rds, logger: new CollectingLogger(), emitMetrics: () => undefined });
      const { scheduledTime, ...registered } = scheduleInput();
      void scheduledTime;

      // WHEN
      const run = handler(prepareEvent({
        clusterIdentifier: CLUSTER,
        registeredSchedules: [registered, { ...registered, scheduleId: 'Stack/Hourly', snapshotPrefix: 'hourly' }],
      }));

      // THEN
      await expect(run).rejects.toThrow(
        'Cluster orders-db has 2 schedules in this stack (Stack/OrdersNightly, Stack/Hourly); name one in `scheduleId`.');
    });

    test('a stopped cluster skips the run by default and fails it when asked, and is never started', async () => {
      // GIVEN
      const handler = createHandler({ rds, logger: new CollectingLogger(), emitMetrics: () => undefined });
      await rds.send(new StopDBClusterCommand({ DBClusterIdentifier: CLUSTER }));

      // WHEN
      const skipped = handler(prepareEvent(scheduleInput()));
      const failed = handler(prepareEvent(scheduleInput({ whenClusterStopped: 'fail' })));

      // THEN
      await expect(skipped).rejects.toMatchObject({ name: 'SkipRun.ClusterStopped' });
      await expect(failed).rejects.toMatchObject({ name: 'ClusterStopped' });
      const clusters = await listClusterSnapshots(rds, CLUSTER);
      expect(clusters.filter((snapshot) => snapshot.SnapshotType === 'manual')).toEqual([]);
    });
  });

  describe('quota headroom', () => {
    /**
     * moto implements neither RDS's account quotas nor Service Quotas for RDS, so the quota comes from an SDK-level
     * fake of Service Quotas; the count of the region's snapshots is moto's own.
     */
    function quotasOf(value: number): ServiceQuotasClient {
      return { send: async () => ({ Quotas: [{ QuotaName: 'Manual DB cluster snapshots', Value: value }] }) } as any;
    }

    beforeEach(() => forgetCachedQuota());
    afterAll(() => forgetCachedQuota());

    test('at the quota, pruneBeforeCreateAtQuota deletes this schedule\'s expired snapshots before creating', async () => {
      // GIVEN a region quota of 4 and four snapshots: three of ours (keep-last-2 expires the oldest) and a foreign one
      for (const day of ['01', '02', '03']) {
        await createManualClusterSnapshot(rds, CLUSTER, `nightly-orders-db-202612${day}-0300`,
          ownTags(`2026-12-${day}T03:00:00.000Z`));
      }
      await createManualClusterSnapshot(rds, CLUSTER, 'team-b-manual', { team: 'b' });
      const logger = new CollectingLogger();
      const metrics: any[] = [];
      const handler = createHandler({ rds, logger, quotas: quotasOf(4), emitMetrics: (line) => metrics.push(JSON.parse(line)) });

      // WHEN
      const run: any = await handler(prepareEvent(scheduleInput({ pruneBeforeCreateAtQuota: true })));

      // THEN the oldest of ours is gone before the create, making room; the rest and the foreign one stay
      expect(run.regionQuota).toEqual({
        used: 4, quota: 4, quotaSource: 'service-quotas', prunedBeforeCreate: ['nightly-orders-db-20261201-0300'],
      });
      const left = (await listClusterSnapshots(rds, CLUSTER)).filter((s) => s.SnapshotType === 'manual')
        .map((s) => s.DBClusterSnapshotIdentifier).sort();
      expect(left).toEqual(['nightly-orders-db-20261202-0300', 'nightly-orders-db-20261203-0300', 'team-b-manual']);
      const regionDocument = metrics.find((m) => !('ClusterIdentifier' in m) && 'ManualClusterSnapshotQuotaUsedPercent' in m);
      expect(regionDocument).toMatchObject({ ManualClusterSnapshotQuotaUsedPercent: 100, ManualClusterSnapshotQuota: 4 });
    });

    test('near the quota without the option, it warns and deletes nothing before creating', async () => {
      // GIVEN
      await createManualClusterSnapshot(rds, CLUSTER, 'nightly-orders-db-20261201-0300', ownTags('2026-12-01T03:00:00Z'));
      const logger = new CollectingLogger();
      const handler = createHandler({ rds, logger, quotas: quotasOf(1), emitMetrics: () => undefined });

      // WHEN
      const run: any = await handler(prepareEvent(scheduleInput()));

      // THEN
      expect(run.regionQuota).toMatchObject({ used: 1, quota: 1, prunedBeforeCreate: [] });
      expect(logger.lines.find((line) => line.level === 'WARN')?.message).toContain(
        'The region holds 1 of 1 manual cluster snapshots, so RDS will refuse the snapshot of cluster orders-db');
      expect(await listClusterSnapshots(rds, CLUSTER)).toHaveLength(2);
    });

    test('when Service Quotas cannot be asked, the documented default of 100 stands in', async () => {
      const failing = { send: async () => { throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' }); } };
      const handler = createHandler({ rds, logger: new CollectingLogger(), quotas: failing as any, emitMetrics: () => undefined });
      const run: any = await handler(prepareEvent(scheduleInput()));
      expect(run.regionQuota).toMatchObject({ quota: 100, quotaSource: 'default' });
    });
  });

  describe('prune', () => {
    async function prepared(overrides: Partial<ScheduleRunInput> = {}): Promise<PruneEvent> {
      const handler = createHandler({ rds, logger: new CollectingLogger(), emitMetrics: () => undefined });
      const run: any = await handler(prepareEvent(scheduleInput(overrides)));
      await createManualClusterSnapshot(rds, CLUSTER, run.snapshotIdentifier, Object.fromEntries(
        run.tags.map((tag: { Key: string; Value: string }) => [tag.Key, tag.Value])));
      return { action: 'prune', run };
    }

    test('deletes only expired snapshots carrying this schedule\'s tag', async () => {
      // GIVEN three older snapshots of ours and five that are not ours
      for (const day of ['01', '02', '03']) {
        await createManualClusterSnapshot(rds, CLUSTER, `nightly-orders-db-202612${day}-0300`,
          ownTags(`2026-12-${day}T03:00:00.000Z`));
      }
      await createAuroraCluster(rds, 'other-db');
      await createManualClusterSnapshot(rds, CLUSTER, 'team-b-manual', { team: 'b' });
      await createManualClusterSnapshot(rds, CLUSTER, 'other-schedule-old', ownTags('2020-01-01T00:00:00Z', 'Stack/Other'));
      await createManualClusterSnapshot(rds, 'other-db', 'other-cluster-old', ownTags('2020-01-01T00:00:00Z'));
      const before = await listClusterSnapshots(rds);
      const event = await prepared();
      const logger = new CollectingLogger();

      // WHEN
      const summary: any = await createHandler({ rds, logger, emitMetrics: () => undefined })(event);

      // THEN keep-last-2 keeps today's and yesterday's; the older two of ours go; nothing else is touched
      expect(summary).toMatchObject({
        outcome: 'succeeded',
        kept: 2,
        deleted: ['nightly-orders-db-20261202-0300', 'nightly-orders-db-20261201-0300'],
        deleteFailed: [],
      });
      const after = (await listClusterSnapshots(rds)).map((snapshot) => snapshot.DBClusterSnapshotIdentifier).sort();
      const expected = [...before.map((snapshot) => snapshot.DBClusterSnapshotIdentifier!), event.run.snapshotIdentifier]
        .filter((id) => !summary.deleted.includes(id)).sort();
      expect(after).toEqual(expected);
      const line = logger.lines.find((entry) => entry.attributes.snapshot === 'nightly-orders-db-20261201-0300'
        && entry.attributes.decision === 'expire');
      expect(line?.attributes).toMatchObject({ cluster: CLUSTER, reasons: [expect.stringMatching(/^expired/)] });
    });

    test('a dry run reports what it would delete and deletes nothing', async () => {
      // GIVEN
      for (const day of ['01', '02']) {
        await createManualClusterSnapshot(rds, CLUSTER, `nightly-orders-db-202612${day}-0300`,
          ownTags(`2026-12-${day}T03:00:00.000Z`));
      }
      const event = await prepared({ dryRun: true, retention: { keepLast: 1 } });

      // WHEN
      const summary: any = await createHandler({ rds, logger: new CollectingLogger(), emitMetrics: () => undefined })(event);

      // THEN
      expect(summary.dryRun).toBe(true);
      expect(summary.deleted).toHaveLength(2);
      expect((await listClusterSnapshots(rds, CLUSTER)).filter((s) => s.SnapshotType === 'manual')).toHaveLength(3);
    });

    test('refuses to prune when the wanted identifier belongs to a snapshot this schedule did not make', async () => {
      // GIVEN someone else took the name
      const run: any = await createHandler({ rds, logger: new CollectingLogger(), emitMetrics: () => undefined })(prepareEvent(scheduleInput()));
      await createManualClusterSnapshot(rds, CLUSTER, run.snapshotIdentifier, { team: 'b' });
      await createManualClusterSnapshot(rds, CLUSTER, 'nightly-orders-db-20261101-0300', ownTags('2026-11-01T03:00:00Z'));

      // WHEN
      const result = createHandler({ rds, logger: new CollectingLogger(), emitMetrics: () => undefined })({ action: 'prune', run });

      // THEN
      await expect(result).rejects.toMatchObject({ name: 'SnapshotIdentifierTaken' });
      expect(await listClusterSnapshots(rds, CLUSTER)).toHaveLength(3);
    });
  });
});

/**
 * moto ignores `MaxRecords` and `Marker` and cannot make one delete fail while others succeed, so these tests use
 * an SDK-level fake that answers the two calls the prune step makes, as RDS documents them.
 */
describe('the prune step with an SDK-level fake of RDS', () => {
  function fakeRds(snapshots: DBClusterSnapshot[], failDeletes: Record<string, string> = {}) {
    const calls: string[] = [];
    const remaining = new Map(snapshots.map((snapshot) => [snapshot.DBClusterSnapshotIdentifier!, snapshot]));
    const client = {
      send: async (command: unknown) => {
        if (command instanceof DescribeDBClusterSnapshotsCommand) {
          calls.push('describe');
          const pageSize = command.input.MaxRecords ?? 100;
          const start = Number(command.input.Marker ?? 0);
          const all = [...remaining.values()];
          const next = start + pageSize;
          return { DBClusterSnapshots: all.slice(start, next), Marker: next < all.length ? String(next) : undefined };
        }
        if (command instanceof DeleteDBClusterSnapshotCommand) {
          calls.push('delete');
          const id = command.input.DBClusterSnapshotIdentifier!;
          if (failDeletes[id]) {
            throw Object.assign(new Error(`Fault injected for ${id}.`), { name: failDeletes[id] });
          }
          remaining.delete(id);
          return {};
        }
        throw new Error(`The fake does not answer ${(command as object).constructor.name}.`);
      },
    };
    return { client: client as unknown as RDSClient, calls, remaining };
  }

  function ours(day: number): DBClusterSnapshot {
    const time = new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString();
    return {
      DBClusterSnapshotIdentifier: name(day),
      DBClusterIdentifier: CLUSTER,
      SnapshotType: 'manual',
      Status: 'available',
      SnapshotCreateTime: new Date(time),
      TagList: Object.entries(ownTags(time)).map(([Key, Value]) => ({ Key, Value })),
    };
  }

  /** The identifier the schedule gives the snapshot of day `day`. */
  function name(day: number): string {
    return snapshotIdentifier('nightly', CLUSTER, new Date(Date.UTC(2026, 0, 1) + day * 86_400_000));
  }

  function pruneEvent(newest: number, keepLast: number): PruneEvent {
    return {
      action: 'prune',
      run: {
        clusterIdentifier: CLUSTER,
        scheduleId: SCHEDULE_ID,
        snapshotPrefix: 'nightly',
        snapshotIdentifier: name(newest),
        scheduledTime: new Date(Date.UTC(2026, 0, 1) + newest * 86_400_000).toISOString(),
        retention: { keepLast },
        timeZone: 'UTC',
        dryRun: false,
        tags: [],
        snapshotTimeoutSeconds: 3600,
        poll: { seconds: 120, elapsedSeconds: 120, timeoutSeconds: 3600 },
      },
    };
  }

  test('reads every page and makes one call per delete and nothing per snapshot otherwise', async () => {
    // GIVEN 250 snapshots of ours
    const rds = fakeRds(Array.from({ length: 250 }, (_, day) => ours(day)));

    // WHEN
    const summary: any = await createHandler({ rds: rds.client, logger: new CollectingLogger(), emitMetrics: () => undefined })(pruneEvent(249, 7));

    // THEN
    expect(summary.deleted).toHaveLength(243);
    expect(rds.calls.filter((call) => call === 'describe')).toHaveLength(3);
    expect(rds.calls.filter((call) => call === 'delete')).toHaveLength(243);
    expect(rds.remaining.size).toEqual(7);
  });

  test('a failing delete is reported, the other deletes go on, and a snapshot already gone counts as deleted', async () => {
    // GIVEN
    const rds = fakeRds(Array.from({ length: 6 }, (_, day) => ours(day)), {
      [name(1)]: 'InvalidDBClusterSnapshotStateFault',
      [name(2)]: 'DBClusterSnapshotNotFoundFault',
    });
    const logger = new CollectingLogger();

    // WHEN
    const summary: any = await createHandler({ rds: rds.client, logger, emitMetrics: () => undefined })(pruneEvent(5, 2));

    // THEN
    expect(summary.outcome).toEqual('partial');
    expect(summary.deleted.sort()).toEqual([name(0), name(2), name(3)]);
    expect(summary.deleteFailed).toEqual([{
      snapshotIdentifier: name(1),
      error: `InvalidDBClusterSnapshotStateFault: Fault injected for ${name(1)}.`,
    }]);
    expect(logger.lines.filter((line) => line.level === 'ERROR')[0].attributes).toMatchObject({
      cluster: CLUSTER, snapshot: name(1), decision: 'delete-failed',
    });
  });
});
