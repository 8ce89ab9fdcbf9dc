import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { RDSClient } from '@aws-sdk/client-rds';
import { createManualClusterSnapshot, listClusterSnapshots, motoWithClusterForTests } from './support/aws-fixtures';
import type { MotoServer } from './support/moto';
import { parseDuration, parsePreviewArguments } from '../src/cli/preview';
import { SnapshotTagKeys } from '../src/decisions/snapshot-tags';

const CLI = path.join(__dirname, '..', 'assets', 'cli', 'cdk-aurora-snapshots', 'index.js');

describe('cdk-aurora-snapshots preview, run as users run it, against moto', () => {
  const local = motoWithClusterForTests('orders-db');
  let moto: MotoServer;
  let rds: RDSClient;

  beforeEach(() => {
    ({ moto, rds } = local());
  });

  function cli(...args: string[]) {
    return spawnSync(process.execPath, ['--no-warnings', CLI, ...args], {
      encoding: 'utf-8',
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'preview-test-secret',
      },
    });
  }

  async function ourSnapshot(day: number, scheduleId = 'Stack/Nightly', extra: Record<string, string> = {}) {
    const time = new Date(Date.UTC(2026, 10, day, 3, 0)).toISOString();
    await createManualClusterSnapshot(rds, 'orders-db', `nightly-orders-db-202611${String(day).padStart(2, '0')}-0300`,
      { [SnapshotTagKeys.SCHEDULE]: scheduleId, [SnapshotTagKeys.SCHEDULED_TIME]: time, ...extra });
  }

  test('prints what the policy keeps and deletes, and why, and deletes nothing', async () => {
    // GIVEN ten daily snapshots of ours (one pinned) and one of another team
    for (let day = 1; day <= 10; day++) {
      await ourSnapshot(day, 'Stack/Nightly', day === 2 ? { [SnapshotTagKeys.PIN]: 'audit' } : {});
    }
    await createManualClusterSnapshot(rds, 'orders-db', 'team-b-manual', { team: 'b' });
    const before = await listClusterSnapshots(rds);

    // WHEN
    const result = cli('preview', '--cluster', 'orders-db', '--last', '3', '--time-zone', 'Europe/Berlin');

    // THEN
    expect(result.stderr).toEqual('');
    expect(result.status).toEqual(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toEqual('Retention preview for cluster orders-db, schedule Stack/Nightly: last 3, periods in '
      + 'Europe/Berlin.');
    expect(lines.find((line) => line.startsWith('nightly-orders-db-20261110-0300'))).toMatch(
      /2026-11-10 04:00 +keep +kept: /);
    expect(lines.find((line) => line.startsWith('nightly-orders-db-20261102-0300'))).toMatch(/keep +.*kept: pinned/);
    expect(lines.find((line) => line.startsWith('nightly-orders-db-20261101-0300'))).toMatch(/delete +expired: /);
    expect(lines[lines.length - 2]).toEqual('4 kept, 6 would be deleted, 1 other snapshot of the cluster ignored '
      + '(not this schedule\'s, or not available).');
    expect(await listClusterSnapshots(rds)).toHaveLength(before.length);
  });

  test('asks which schedule when several made snapshots of the cluster', async () => {
    // GIVEN
    await ourSnapshot(1, 'Stack/Nightly');
    await ourSnapshot(2, 'Stack/Hourly');

    // WHEN
    const result = cli('preview', '--cluster', 'orders-db', '--daily', '7');

    // THEN
    expect(result.status).toEqual(2);
    expect(result.stderr).toContain('Snapshots of cluster orders-db were made by 2 schedules (Stack/Hourly, '
      + 'Stack/Nightly); choose one with --schedule.');
  });

  test('says so when the schedule asked for made no snapshot of the cluster', async () => {
    await ourSnapshot(1, 'Stack/Nightly');
    const result = cli('preview', '--cluster', 'orders-db', '--daily', '7', '--schedule', 'Stack/Nigthly');
    expect(result.status).toEqual(2);
    expect(result.stderr).toContain('No snapshot of cluster orders-db was made by schedule Stack/Nigthly; the schedules '
      + 'that made snapshots of it are Stack/Nightly.');
  });

  test('refuses a policy that keeps nothing, naming the problem', () => {
    const result = cli('preview', '--cluster', 'orders-db');
    expect(result.status).toEqual(2);
    expect(result.stderr).toContain('`retention` keeps nothing');
  });
});

describe('preview arguments', () => {
  test('durations read like restic\'s', () => {
    expect(parseDuration('30d', '--within')).toEqual(30 * 86_400);
    expect(parseDuration('1d12h', '--within')).toEqual(36 * 3_600);
    expect(parseDuration('2w', '--within')).toEqual(14 * 86_400);
    expect(() => parseDuration('30 days', '--within')).toThrow(
      '--within takes a duration such as 30d, 12h, 2w or 1d12h, got "30 days".');
  });

  test('--flag=value reads like --flag value, and an option given twice is refused', () => {
    expect(parsePreviewArguments(['--cluster=c', '--last=3']).policy).toEqual({ keepLast: 3 });
    expect(() => parsePreviewArguments(['--cluster', 'c', '--last', '3', '--last', '5']))
      .toThrow('--last is given twice; give each option once.');
  });

  test('flags become a retention policy', () => {
    expect(parsePreviewArguments(['--cluster', 'c', '--daily', '7', '--weekly', '4', '--within', '2d']).policy)
      .toEqual({ daily: 7, weekly: 4, keepWithinSeconds: 172_800 });
  });

  test.each([
    [['--daily', '7'], '--cluster is required.'],
    [['--cluster', 'c', '--daily', '0'], '`retention.daily` must be a whole number of at least 1, got 0.'],
    [['--cluster', 'c', '--daily', '7', '--time-zone', 'Mars/Olympus'], '--time-zone must be an IANA time zone'],
    [['--cluster', 'c', '--daily'], '--daily needs a value.'],
    [['--cluster', 'c', '--bogus', '1'], 'Unknown option --bogus.'],
  ])('rejects %j', (args, message) => {
    expect(() => parsePreviewArguments(args)).toThrow(message);
  });
});
