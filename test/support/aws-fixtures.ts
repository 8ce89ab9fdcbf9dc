/**
 * RDS clients and resources for tests, the demo and the benchmarks, made against moto (see `moto.ts`).
 */
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  DBCluster,
  DBClusterSnapshot,
  DescribeDBClusterSnapshotsCommand,
  RDSClient,
  Tag,
} from '@aws-sdk/client-rds';
import { resetMoto, startMoto, type MotoServer } from './moto';

/** Tags given either as a record or in the SDK's own `{ Key, Value }` form. */
export type TagsInput = Readonly<Record<string, string>> | ReadonlyArray<Tag>;

/** How to build an RDS client for moto. */
export interface RdsClientOptions {
  /**
   * How many times the SDK tries a call before giving up, the first try included.
   * @default 3
   */
  readonly maxAttempts?: number;
}

/** How to create a test Aurora cluster. */
export interface AuroraClusterOptions {
  /**
   * Tags on the cluster.
   * @default - no tags
   */
  readonly tags?: TagsInput;
  /**
   * Whether RDS copies the cluster's tags to its snapshots.
   * @default false
   */
  readonly copyTagsToSnapshot?: boolean;
  /**
   * The engine of the cluster.
   * @default 'aurora-postgresql'
   */
  readonly engine?: string;
}

/** The access key moto is given; moto accepts any credentials. */
export const FAKE_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'harness-secret-key' };

/**
 * Creates an RDS client that talks to moto with fake static credentials.
 *
 * @param endpoint moto's base URL, as in `MotoServer.endpoint`
 * @param region the region to sign requests for
 */
export function rdsClient(endpoint: string, region = 'us-east-1', options: RdsClientOptions = {}): RDSClient {
  return new RDSClient({
    endpoint,
    region,
    credentials: FAKE_CREDENTIALS,
    maxAttempts: options.maxAttempts ?? 3,
  });
}

/**
 * Creates an Aurora PostgreSQL cluster (without instances, which snapshots do not need).
 *
 * @returns the cluster as RDS describes it
 */
export async function createAuroraCluster(
  rds: RDSClient,
  identifier: string,
  options: AuroraClusterOptions = {},
): Promise<DBCluster> {
  const response = await rds.send(new CreateDBClusterCommand({
    DBClusterIdentifier: identifier,
    Engine: options.engine ?? 'aurora-postgresql',
    MasterUsername: 'harness_admin',
    MasterUserPassword: 'harness-password-1',
    CopyTagsToSnapshot: options.copyTagsToSnapshot,
    Tags: options.tags ? toTagList(options.tags) : undefined,
  }));
  if (!response.DBCluster) {
    throw new Error(`RDS did not describe the cluster ${identifier} it was asked to create.`);
  }
  return response.DBCluster;
}

/**
 * Creates a manual snapshot of a cluster, as a user or another tool would outside our schedule.
 *
 * @returns the snapshot as RDS describes it
 */
export async function createManualClusterSnapshot(
  rds: RDSClient,
  clusterIdentifier: string,
  snapshotIdentifier: string,
  tags?: TagsInput,
): Promise<DBClusterSnapshot> {
  const response = await rds.send(new CreateDBClusterSnapshotCommand({
    DBClusterIdentifier: clusterIdentifier,
    DBClusterSnapshotIdentifier: snapshotIdentifier,
    Tags: tags ? toTagList(tags) : undefined,
  }));
  if (!response.DBClusterSnapshot) {
    throw new Error(`RDS did not describe the snapshot ${snapshotIdentifier} of cluster ${clusterIdentifier}.`);
  }
  return response.DBClusterSnapshot;
}

/**
 * Lists every cluster snapshot, automated and manual, with its `TagList`, following `Marker` across pages.
 *
 * @param clusterIdentifier only this cluster's snapshots; when omitted, the snapshots of every cluster
 */
export async function listClusterSnapshots(rds: RDSClient, clusterIdentifier?: string): Promise<DBClusterSnapshot[]> {
  const snapshots: DBClusterSnapshot[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBClusterSnapshotsCommand({
      DBClusterIdentifier: clusterIdentifier,
      Marker: marker,
    }));
    snapshots.push(...(page.DBClusterSnapshots ?? []));
    marker = page.Marker;
  } while (marker);
  return snapshots;
}

/** Reads a snapshot's tags into a record, for assertions. */
export function tagsOf(snapshot: DBClusterSnapshot): Record<string, string> {
  return Object.fromEntries((snapshot.TagList ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

function toTagList(tags: TagsInput): Tag[] {
  if (Array.isArray(tags)) {
    return [...tags];
  }
  return Object.entries(tags as Record<string, string>).map(([Key, Value]) => ({ Key, Value }));
}

/**
 * A private moto for the tests of one `describe` block: started before them and stopped after, reset and given the
 * Aurora cluster `clusterIdentifier` before each test. Call it inside `describe`; it returns a getter.
 */
export function motoWithClusterForTests(clusterIdentifier: string): () => { moto: MotoServer; rds: RDSClient } {
  let moto: MotoServer | undefined;
  let rds: RDSClient | undefined;
  beforeAll(async () => {
    moto = await startMoto();
    rds = rdsClient(moto.endpoint);
  });
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await resetMoto(moto!.endpoint);
    await createAuroraCluster(rds!, clusterIdentifier);
  });
  return () => ({ moto: moto!, rds: rds! });
}
