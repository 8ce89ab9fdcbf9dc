import { App, Stack } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AuroraSnapshotSchedule, Retention } from '../../src';

/**
 * RDS stores cluster identifiers in lower case and accepts any case in requests. A cluster imported as `Orders-DB`
 * would get IAM ARNs and listings that never match what RDS reports, so the schedule refuses it at synth.
 */
describe('a cluster identifier given in mixed case', () => {
  test('is refused at synth, naming the lower-case identifier RDS uses', () => {
    const app = new App();
    const stack = new Stack(app, 'MixedCase', { env: { account: '123456789012', region: 'us-east-1' } });
    expect(() => new AuroraSnapshotSchedule(stack, 'Nightly', {
      cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'C', { clusterIdentifier: 'Orders-DB' }),
      retention: Retention.keepLast(3),
    })).toThrow('`cluster` has the identifier "Orders-DB", but RDS stores cluster identifiers in lower case; import it '
      + 'as "orders-db"');
  });
});
