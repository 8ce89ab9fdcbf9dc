import {
  CreateDBClusterSnapshotCommand,
  DBClusterSnapshotNotFoundFault,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  RDSClient,
  RDSServiceException,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import {
  createAuroraCluster, createManualClusterSnapshot, listClusterSnapshots, rdsClient,
} from './support/aws-fixtures';
import { Fault, FaultProxy, Faults, SeededRandom } from './support/fault-proxy';
import { MotoServer, resetMoto, startMoto } from './support/moto';
import { stepFunctionsErrorName } from './support/sdk-names';
import { listManualClusterSnapshots } from '../src/runtime/cluster-snapshots';

const CLUSTER = 'orders-db';

describe('the fault proxy in front of moto', () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  /** Straight to moto, never faulted: for setting up and checking. */
  let direct: RDSClient;
  /** Through the proxy, one attempt per call, so that each fault reaches the test as the SDK reports it. */
  let client: RDSClient;

  beforeAll(async () => {
    moto = await startMoto();
    proxy = new FaultProxy({ target: moto.endpoint });
    await proxy.start();
    direct = rdsClient(moto.endpoint);
    client = rdsClient(proxy.endpoint, 'us-east-1', { maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    direct?.destroy();
    await proxy?.stop();
    await moto?.stop();
  });

  beforeEach(async () => {
    proxy.reset();
    await resetMoto(moto.endpoint);
    await createAuroraCluster(direct, CLUSTER);
  });

  async function failureOf(promise: Promise<unknown>): Promise<any> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('The call succeeded, but a fault was expected.');
  }

  function create(snapshotIdentifier: string) {
    return new CreateDBClusterSnapshotCommand({
      DBClusterIdentifier: CLUSTER, DBClusterSnapshotIdentifier: snapshotIdentifier,
    });
  }

  async function snapshotExists(snapshotIdentifier: string): Promise<boolean> {
    return (await listClusterSnapshots(direct, CLUSTER))
      .some((snapshot) => snapshot.DBClusterSnapshotIdentifier === snapshotIdentifier);
  }

  describe('errors in the shape RDS sends them', () => {
    test.each<[string, Fault, string, number, string, string | undefined]>([
      ['throttling', Faults.throttling(), 'Throttling', 400, 'Rds.RdsException', undefined],
      ['an internal failure', Faults.internalFailure(), 'InternalFailure', 500, 'Rds.RdsException', undefined],
      ['a busy cluster', Faults.clusterBusy('backing-up'), 'InvalidDBClusterStateFault', 400,
        'Rds.InvalidDbClusterStateException', 'backing-up'],
      ['the snapshot quota', Faults.quotaExceeded(), 'SnapshotQuotaExceededFault', 400,
        'Rds.SnapshotQuotaExceededException', 'quota'],
      ['a missing snapshot', Faults.snapshotNotFound(), 'DBClusterSnapshotNotFoundFault', 404,
        'Rds.DbClusterSnapshotNotFoundException', 'nightly-1'],
      ['a snapshot in the wrong state', Faults.invalidSnapshotState(), 'InvalidDBClusterSnapshotStateFault', 400,
        'Rds.InvalidDbClusterSnapshotStateException', 'copying'],
    ])('%s becomes the SDK error the code expects, and the call never reaches moto', async (
      _name, fault, sdkName, status, stepFunctionsName, messagePart) => {
      // GIVEN
      proxy.addRule({ action: 'CreateDBClusterSnapshot', fault });

      // WHEN
      const error = await failureOf(client.send(create('nightly-1')));

      // THEN
      expect(error).toBeInstanceOf(RDSServiceException);
      expect(error.name).toEqual(sdkName);
      expect(error.$metadata.httpStatusCode).toEqual(status);
      expect(error.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
      if (messagePart) {
        expect(error.message).toContain(messagePart);
      }
      expect(stepFunctionsErrorName(error)).toEqual(stepFunctionsName);
      expect(proxy.calls).toEqual([expect.objectContaining({
        action: 'CreateDBClusterSnapshot', fault: fault.kind === 'error' ? fault.code : undefined, status,
      })]);
      expect(await snapshotExists('nightly-1')).toBe(false);
    });

    test('modelled faults are instances of the SDK classes the handler and the harness check for', async () => {
      // GIVEN
      proxy
        .addRule({ action: 'CreateDBClusterSnapshot', calls: { first: 1 }, fault: Faults.clusterBusy() })
        .addRule({ action: 'CreateDBClusterSnapshot', calls: { from: 2, to: 2 }, fault: Faults.quotaExceeded() })
        .addRule({ action: 'DeleteDBClusterSnapshot', calls: { first: 1 }, fault: Faults.snapshotNotFound() })
        .addRule({ action: 'DeleteDBClusterSnapshot', fault: Faults.invalidSnapshotState() });

      // WHEN
      const busy = await failureOf(client.send(create('nightly-1')));
      const quota = await failureOf(client.send(create('nightly-1')));
      const notFound = await failureOf(client.send(new DeleteDBClusterSnapshotCommand({
        DBClusterSnapshotIdentifier: 'gone',
      })));
      const wrongState = await failureOf(client.send(new DeleteDBClusterSnapshotCommand({
        DBClusterSnapshotIdentifier: 'copying',
      })));

      // THEN
      expect(busy).toBeInstanceOf(InvalidDBClusterStateFault);
      expect(busy.message).toEqual('DB cluster orders-db is in the modifying state, not available.');
      expect(quota).toBeInstanceOf(SnapshotQuotaExceededFault);
      expect(notFound).toBeInstanceOf(DBClusterSnapshotNotFoundFault);
      expect(notFound.message).toEqual('DB cluster snapshot gone was not found.');
      expect(wrongState).toBeInstanceOf(InvalidDBClusterSnapshotStateFault);
    });

    test('the SDK retries throttling and 500s by itself, and the call then goes through', async () => {
      // GIVEN
      const retrying = rdsClient(proxy.endpoint, 'us-east-1', { maxAttempts: 3 });
      proxy
        .addRule({ action: 'CreateDBClusterSnapshot', calls: { first: 1 }, fault: Faults.throttling() })
        .addRule({ action: 'CreateDBClusterSnapshot', calls: { from: 2, to: 2 }, fault: Faults.internalFailure() });

      // WHEN
      const created = await retrying.send(create('nightly-1'));
      retrying.destroy();

      // THEN
      expect(created.DBClusterSnapshot?.DBClusterSnapshotIdentifier).toEqual('nightly-1');
      expect(created.$metadata.attempts).toEqual(3);
      expect(proxy.callsTo('CreateDBClusterSnapshot').map((call) => call.fault)).toEqual(
        ['Throttling', 'InternalFailure', undefined]);
    });
  });

  describe('lost calls and slow answers', () => {
    test('a dropped response leaves the caller with a network error while the snapshot was made', async () => {
      // GIVEN
      proxy.addRule({ action: 'CreateDBClusterSnapshot', calls: { first: 1 }, fault: Faults.dropResponse() });

      // WHEN
      const error = await failureOf(client.send(create('nightly-1')));

      // THEN
      expect(error).not.toBeInstanceOf(RDSServiceException);
      expect(stepFunctionsErrorName(error)).toEqual('Rds.SdkClientException');
      expect(await snapshotExists('nightly-1')).toBe(true);
      expect(proxy.calls[0].fault).toEqual('drop-response');
      expect(proxy.calls[0].status).toBeUndefined();

      // AND the caller's retry learns that its snapshot is already there
      const retried = await failureOf(client.send(create('nightly-1')));
      expect(retried.name).toEqual('DBClusterSnapshotAlreadyExistsFault');
    });

    test('a dropped request never takes effect', async () => {
      // GIVEN
      proxy.addRule({ action: 'CreateDBClusterSnapshot', fault: Faults.dropRequest() });

      // WHEN
      const error = await failureOf(client.send(create('nightly-1')));

      // THEN
      expect(stepFunctionsErrorName(error)).toEqual('Rds.SdkClientException');
      expect(await snapshotExists('nightly-1')).toBe(false);
    });

    test('a delay holds the answer for the time asked, then answers as moto did', async () => {
      // GIVEN
      proxy.addRule({ action: 'DescribeDBClusters', fault: Faults.delay(300) });

      // WHEN
      const started = Date.now();
      const described = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: CLUSTER }));

      // THEN
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(described.DBClusters?.[0]?.DBClusterIdentifier).toEqual(CLUSTER);
      expect(proxy.calls[0]).toMatchObject({ fault: 'delay 300 ms', status: 200 });
    });
  });

  describe('snapshot status', () => {
    test('keeps one snapshot creating for K describes, then reports it as moto does', async () => {
      // GIVEN
      await createManualClusterSnapshot(direct, CLUSTER, 'nightly-1');
      await createManualClusterSnapshot(direct, CLUSTER, 'nightly-0');
      proxy.addRule({
        action: 'DescribeDBClusterSnapshots',
        when: (params) => params.DBClusterSnapshotIdentifier === 'nightly-1',
        calls: { first: 2 },
        fault: Faults.snapshotStatus('creating', 'nightly-1'),
      });
      const describe = async (identifier: string) => (await client.send(new DescribeDBClusterSnapshotsCommand({
        DBClusterSnapshotIdentifier: identifier,
      }))).DBClusterSnapshots?.[0];

      // WHEN
      const statuses = [];
      for (let poll = 0; poll < 3; poll++) {
        statuses.push((await describe('nightly-1'))?.Status);
      }
      const other = await describe('nightly-0');

      // THEN
      expect(statuses).toEqual(['creating', 'creating', 'available']);
      expect(other?.Status).toEqual('available');
      expect(proxy.faultsInjected).toEqual(2);
    });

    test('reports a snapshot failed in a listing and leaves the others as they are', async () => {
      // GIVEN
      await createManualClusterSnapshot(direct, CLUSTER, 'nightly-1');
      await createManualClusterSnapshot(direct, CLUSTER, 'nightly-0');
      proxy.addRule({ action: 'DescribeDBClusterSnapshots', fault: Faults.snapshotStatus('failed', 'nightly-1') });

      // WHEN
      const listed = await listManualClusterSnapshots(client, CLUSTER);

      // THEN
      expect(Object.fromEntries(listed.map((snapshot) => [snapshot.identifier, snapshot.status]))).toEqual({
        'nightly-1': 'failed',
        'nightly-0': 'available',
      });
    });
  });

  describe('paging DescribeDBClusterSnapshots as RDS does', () => {
    const COUNT = 250;

    async function createSnapshots(count: number): Promise<string[]> {
      const identifiers = Array.from({ length: count }, (_, index) => `nightly-${String(index).padStart(3, '0')}`);
      for (let start = 0; start < count; start += 25) {
        await Promise.all(identifiers.slice(start, start + 25)
          .map((identifier) => createManualClusterSnapshot(direct, CLUSTER, identifier)));
      }
      return identifiers;
    }

    test('serves 250 snapshots in pages of 100 with markers, each snapshot exactly once', async () => {
      // GIVEN
      const identifiers = await createSnapshots(COUNT);

      // WHEN
      const pages: string[][] = [];
      let marker: string | undefined;
      do {
        const page = await client.send(new DescribeDBClusterSnapshotsCommand({
          DBClusterIdentifier: CLUSTER, SnapshotType: 'manual', MaxRecords: 100, Marker: marker,
        }));
        pages.push((page.DBClusterSnapshots ?? []).map((snapshot) => snapshot.DBClusterSnapshotIdentifier!));
        marker = page.Marker;
      } while (marker);

      // THEN
      expect(pages.map((page) => page.length)).toEqual([100, 100, 50]);
      expect(pages.flat().sort()).toEqual(identifiers);
      expect(proxy.pagesServed).toEqual(3);
      expect(proxy.callsTo('DescribeDBClusterSnapshots').map((call) => call.page)).toEqual([
        { snapshots: 100, more: true }, { snapshots: 100, more: true }, { snapshots: 50, more: false },
      ]);
    });

    test('the function\'s listing follows every page', async () => {
      // GIVEN
      const identifiers = await createSnapshots(COUNT);

      // WHEN
      const listed = await listManualClusterSnapshots(client, CLUSTER);

      // THEN
      expect(listed.map((snapshot) => snapshot.identifier).sort()).toEqual(identifiers);
      expect(proxy.pagesServed).toEqual(3);
    });

    test('pages by 100 when MaxRecords is not given, and refuses a page size RDS refuses', async () => {
      // GIVEN
      await createSnapshots(120);

      // WHEN
      const first = await client.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual' }));
      const tooSmall = await failureOf(client.send(new DescribeDBClusterSnapshotsCommand({ MaxRecords: 10 })));
      const badMarker = await failureOf(client.send(new DescribeDBClusterSnapshotsCommand({ Marker: 'made-up' })));

      // THEN
      expect(first.DBClusterSnapshots).toHaveLength(100);
      expect(first.Marker).toBeDefined();
      expect(tooSmall.name).toEqual('InvalidParameterValue');
      expect(tooSmall.message).toContain('got 10');
      expect(badMarker.name).toEqual('InvalidParameterValue');
    });

    test('a paging proxy can be turned off, and then passes moto\'s single page through', async () => {
      // GIVEN
      await createSnapshots(120);
      const unpaged = new FaultProxy({ target: moto.endpoint, paging: false });
      const unpagedClient = rdsClient(await unpaged.start());

      // WHEN
      const listed = await unpagedClient.send(new DescribeDBClusterSnapshotsCommand({
        SnapshotType: 'manual', MaxRecords: 100,
      }));
      unpagedClient.destroy();
      await unpaged.stop();

      // THEN
      expect(listed.DBClusterSnapshots).toHaveLength(120);
      expect(listed.Marker).toBeUndefined();
      expect(unpaged.pagesServed).toEqual(0);
    });
  });

  describe('rules', () => {
    test('match by action, parameters and call window, and record every call with what was done to it', async () => {
      // GIVEN calls 2 and 3 of creates for nightly-* are throttled; others pass
      proxy.addRule({
        action: ['CreateDBClusterSnapshot'],
        when: (params) => params.DBClusterSnapshotIdentifier.startsWith('nightly-'),
        calls: { from: 2, to: 3 },
        fault: Faults.throttling(),
      });

      // WHEN
      const outcomes = [];
      for (const identifier of ['nightly-1', 'weekly-1', 'nightly-2', 'nightly-3', 'nightly-4']) {
        outcomes.push(await client.send(create(identifier)).then(() => 'ok', (error) => error.name));
      }

      // THEN
      expect(outcomes).toEqual(['ok', 'ok', 'Throttling', 'Throttling', 'ok']);
      expect(proxy.calls.map((call) => [call.sequence, call.params.DBClusterSnapshotIdentifier, call.fault]))
        .toEqual([
          [1, 'nightly-1', undefined],
          [2, 'weekly-1', undefined],
          [3, 'nightly-2', 'Throttling'],
          [4, 'nightly-3', 'Throttling'],
          [5, 'nightly-4', undefined],
        ]);
      expect(proxy.calls[0].params).toMatchObject({ Action: 'CreateDBClusterSnapshot', DBClusterIdentifier: CLUSTER });
      expect(proxy.faultsInjected).toEqual(2);
    });

    test('the first rule whose window holds the call wins; "*" matches every action', async () => {
      // GIVEN
      proxy
        .addRule({ action: 'DescribeDBClusters', calls: { first: 1 }, fault: Faults.internalFailure() })
        .addRule({ action: '*', calls: { first: 2 }, fault: Faults.throttling() });

      // WHEN
      const names = [];
      for (let call = 0; call < 3; call++) {
        names.push(await client.send(new DescribeDBClustersCommand({})).then(() => 'ok', (error) => error.name));
      }

      // THEN the wildcard rule counted the first call too, so it covers only the second
      expect(names).toEqual(['InternalFailure', 'Throttling', 'ok']);
    });
  });

  describe('random mode', () => {
    const FAULTS = [
      { fault: Faults.throttling(), weight: 3 },
      { fault: Faults.internalFailure(), weight: 1 },
      { fault: Faults.quotaExceeded(), weight: 1, actions: ['CreateDBClusterSnapshot'] },
    ];

    async function faultSequence(seed: number): Promise<Array<string | undefined>> {
      proxy.reset().setRandomFaults({ seed, probability: 0.3, faults: FAULTS });
      for (let call = 0; call < 150; call++) {
        await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: CLUSTER })).catch(() => undefined);
      }
      return proxy.calls.map((call) => call.fault);
    }

    test('the same seed gives the same faults, a different seed different ones, at about the rate asked', async () => {
      // WHEN
      const first = await faultSequence(42);
      const again = await faultSequence(42);
      const other = await faultSequence(7);

      // THEN
      expect(again).toEqual(first);
      expect(other).not.toEqual(first);
      const injected = first.filter((fault) => fault !== undefined);
      expect(injected.length).toBeGreaterThan(25);
      expect(injected.length).toBeLessThan(65);
      expect(new Set(injected)).toEqual(new Set(['Throttling', 'InternalFailure']));
      expect(proxy.calls.every((call) => call.fault === undefined || call.faultSource === 'random')).toBe(true);
    });

    test('covers only the actions asked, and refuses a probability outside 0 to 1', async () => {
      // GIVEN
      proxy.setRandomFaults({
        seed: 1, probability: 1, faults: [Faults.throttling()], actions: ['DeleteDBClusterSnapshot'],
      });

      // WHEN
      await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: CLUSTER }));

      // THEN
      expect(proxy.faultsInjected).toEqual(0);
      expect(() => proxy.setRandomFaults({ seed: 1, probability: 1.5, faults: [] }))
        .toThrow('The probability of random faults must be from 0 to 1, got 1.5.');
    });

    test('the generator is deterministic and stays within 0 to 1', () => {
      // GIVEN
      const a = new SeededRandom(2026);
      const b = new SeededRandom(2026);

      // WHEN
      const numbers = Array.from({ length: 1000 }, () => a.next());

      // THEN
      expect(Array.from({ length: 1000 }, () => b.next())).toEqual(numbers);
      expect(numbers.every((n) => n >= 0 && n < 1)).toBe(true);
      const mean = numbers.reduce((sum, n) => sum + n, 0) / numbers.length;
      expect(mean).toBeGreaterThan(0.45);
      expect(mean).toBeLessThan(0.55);
      expect(new SeededRandom(5).integer(3, 3)).toEqual(3);
    });
  });
});
