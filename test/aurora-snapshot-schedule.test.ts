import { Duration, TimeZone, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { AuroraSnapshotSchedule, Retention, WhenClusterStopped } from '../src';
import { exampleApp } from './support/example-app';
import { importedCluster, maskedTemplate, nagCheckedStacks, nagFindings } from './support/synth';
import { SnapshotTagKeys } from '../src/decisions/snapshot-tags';
import { WorkflowStates } from '../src/private/workflow-definition';

const newStack = nagCheckedStacks('TestStack');

function definitionOf(template: Template): any {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values(machines) as any[];
  const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
}

describe('AuroraSnapshotSchedule', () => {
  test('creates one schedule that starts the shared workflow with the whole run configuration', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new AuroraSnapshotSchedule(stack, 'OrdersNightly', {
      cluster: importedCluster(stack),
      retention: Retention.keepLast(7),
      tags: { team: 'orders' },
    });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0] as any;
    expect(schedule.Properties.ScheduleExpression).toEqual('cron(0 3 * * ? *)');
    expect(schedule.Properties.ScheduleExpressionTimezone).toEqual('Etc/UTC');
    expect(JSON.parse(schedule.Properties.Target.Input)).toEqual({
      clusterIdentifier: 'orders-db',
      scheduleId: 'TestStack/OrdersNightly',
      snapshotPrefix: 'orders-nightly',
      retention: { keepLast: 7 },
      timeZone: 'Etc/UTC',
      dryRun: false,
      tags: [{ Key: 'team', Value: 'orders' }],
      snapshotTimeoutSeconds: 14400,
      whenClusterStopped: 'skip',
      pruneBeforeCreateAtQuota: false,
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
  });

  test('a stack with ten schedules has exactly one state machine and one function', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    for (let i = 0; i < 10; i++) {
      new AuroraSnapshotSchedule(stack, `Schedule${i}`, { cluster: importedCluster(stack, `cluster-${i}`) });
    }

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Scheduler::Schedule', 10);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::IAM::Role', 3);
  });

  test('takes the time zone from the schedule expression', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    const schedule = new AuroraSnapshotSchedule(stack, 'Berlin', {
      cluster: importedCluster(stack),
      schedule: scheduler.ScheduleExpression.cron({ minute: '30', hour: '1', timeZone: TimeZone.EUROPE_BERLIN }),
      retention: Retention.policy({ daily: 7, weekly: 4 }),
    });

    // THEN
    expect(schedule.timeZone).toEqual('Europe/Berlin');
    const resource = Object.values(Template.fromStack(stack).findResources('AWS::Scheduler::Schedule'))[0] as any;
    expect(resource.Properties.ScheduleExpressionTimezone).toEqual('Europe/Berlin');
    expect(JSON.parse(resource.Properties.Target.Input).timeZone).toEqual('Europe/Berlin');
  });

  test('lets the workflow create and tag snapshots only on the cluster and under the prefix', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new AuroraSnapshotSchedule(stack, 'Orders', { cluster: importedCluster(stack), snapshotPrefix: 'Nightly' });

    // THEN
    const arn = (resource: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:us-east-1:123456789012:${resource}`]],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: 'AuroraSnapshotSchedules',
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'rds:CreateDBClusterSnapshot', Resource: [arn('cluster:orders-db'), arn('cluster-snapshot:nightly-*')] },
          { Effect: 'Allow', Action: 'rds:AddTagsToResource', Resource: arn('cluster-snapshot:nightly-*') },
        ],
      },
    });
  });

  test('with hundreds of schedules, creating is granted by the ownership tag instead of by name', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    let schedule: AuroraSnapshotSchedule | undefined;
    for (let i = 0; i < 400; i++) {
      schedule = new AuroraSnapshotSchedule(stack, `Schedule${i}`, { cluster: importedCluster(stack, `cluster-${i}`) });
    }

    // THEN
    expect(schedule!.engine.grantsByTag).toBe(true);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .find((resource: any) => resource.Properties.PolicyName === 'AuroraSnapshotSchedules') as any;
    expect(policy.Properties.PolicyDocument.Statement.map((statement: any) => statement.Condition)).toEqual([
      { StringLike: { [`aws:RequestTag/${SnapshotTagKeys.SCHEDULE}`]: 'TestStack/*' } },
      { StringLike: { [`aws:RequestTag/${SnapshotTagKeys.SCHEDULE}`]: 'TestStack/*' } },
    ]);
    expect(JSON.stringify(policy).length).toBeLessThan(2_000);
  });

  test('a stack of 20 schedules still names each cluster and prefix', () => {
    const stack = newStack();
    let schedule: AuroraSnapshotSchedule | undefined;
    for (let i = 0; i < 20; i++) {
      schedule = new AuroraSnapshotSchedule(stack, `Schedule${i}`, { cluster: importedCluster(stack, `cluster-${i}`) });
    }
    expect(schedule!.engine.grantsByTag).toBe(false);
  });

  test('allows deletes only on snapshots whose ownership tag names a schedule of this stack', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new AuroraSnapshotSchedule(stack, 'Orders', { cluster: importedCluster(stack) });

    // THEN
    const template = Template.fromStack(stack);
    const deletes = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy: any) =>
      policy.Properties.PolicyDocument.Statement.filter((statement: any) =>
        [statement.Action].flat().includes('rds:DeleteDBClusterSnapshot')));
    expect(deletes).toHaveLength(2);
    for (const statement of deletes) {
      expect(statement.Condition).toEqual({
        StringLike: { [`rds:cluster-snapshot-tag/${SnapshotTagKeys.SCHEDULE}`]: 'TestStack/*' },
      });
    }
  });

  test('the workflow uses JSONPath and the aws-sdk integration names', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new AuroraSnapshotSchedule(stack, 'Orders', { cluster: importedCluster(stack) });

    // THEN
    const definition = definitionOf(Template.fromStack(stack));
    expect(definition.QueryLanguage).toEqual('JSONPath');
    const create = definition.States[WorkflowStates.CREATE];
    expect(create.Parameters).toEqual({
      'DbClusterIdentifier.$': '$.clusterIdentifier',
      'DbClusterSnapshotIdentifier.$': '$.snapshotIdentifier',
      'Tags.$': '$.tags',
    });
    expect(create.Catch[0]).toMatchObject({
      ErrorEquals: ['Rds.DbClusterSnapshotAlreadyExistsException'],
      Next: WorkflowStates.WAIT,
    });
    expect(definition.States[WorkflowStates.DESCRIBE].ResultSelector).toEqual({
      'status.$': '$.DbClusterSnapshots[0].Status',
      'described.$': '$.DbClusterSnapshots[0]',
    });
  });

  test('registers every schedule for manual runs that name only a cluster', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new AuroraSnapshotSchedule(stack, 'A', { cluster: importedCluster(stack, 'alpha') });
    new AuroraSnapshotSchedule(stack, 'B', { cluster: importedCluster(stack, 'beta'), dryRun: true });

    // THEN
    const registry = definitionOf(Template.fromStack(stack)).States[WorkflowStates.LOOK_UP_SCHEDULE].Result;
    expect(registry.map((entry: any) => [entry.clusterIdentifier, entry.scheduleId, entry.dryRun])).toEqual([
      ['alpha', 'TestStack/A', false],
      ['beta', 'TestStack/B', true],
    ]);
  });

  test('drops tags whose keys AWS reserves, with a warning', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new AuroraSnapshotSchedule(stack, 'Orders', {
      cluster: importedCluster(stack),
      tags: { 'aws:createdBy': 'me', 'team': 'orders' },
    });

    // THEN
    const resource = Object.values(Template.fromStack(stack).findResources('AWS::Scheduler::Schedule'))[0] as any;
    expect(JSON.parse(resource.Properties.Target.Input).tags).toEqual([{ Key: 'team', Value: 'orders' }]);
    Annotations.fromStack(stack).hasWarning('/TestStack/Orders', Match.stringLikeRegexp('aws:createdBy'));
  });

  test('runs the Lambda function on Node.js 24 and arm64', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new AuroraSnapshotSchedule(stack, 'Orders', { cluster: importedCluster(stack), whenClusterStopped: WhenClusterStopped.FAIL });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
    });
  });

  describe('rejects bad props at synth with a message naming the prop and the value', () => {
    test.each([
      ['1nightly', '`snapshotPrefix` must start with a letter, got "1nightly".'],
      ['night_ly', '`snapshotPrefix` may only hold letters, digits and hyphens, got "night_ly".'],
      ['night--ly', '`snapshotPrefix` must not contain two consecutive hyphens, got "night--ly".'],
      ['nightly-', '`snapshotPrefix` must not end with a hyphen, got "nightly-".'],
      ['', '`snapshotPrefix` must be 1 to 40 characters long'],
      ['a'.repeat(41), '`snapshotPrefix` must be 1 to 40 characters long'],
    ])('snapshotPrefix %j', (prefix, message) => {
      const stack = newStack();
      expect(() => new AuroraSnapshotSchedule(stack, 'Orders', { cluster: importedCluster(stack), snapshotPrefix: prefix }))
        .toThrow(message);
    });

    test('a snapshot timeout shorter than one poll', () => {
      const stack = newStack();
      expect(() => new AuroraSnapshotSchedule(stack, 'Orders', {
        cluster: importedCluster(stack),
        snapshotTimeout: Duration.seconds(30),
      })).toThrow('`snapshotTimeout` must be at least 60 seconds, the shortest wait between two polls of the snapshot, '
        + 'and at most 30 days, got 30 seconds.');
    });

    test('a cluster in another region', () => {
      const stack = newStack();
      const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Far', {
        clusterIdentifier: 'far-db',
      });
      Object.defineProperty(cluster, 'env', { value: { account: '123456789012', region: 'eu-west-1' } });
      expect(() => new AuroraSnapshotSchedule(stack, 'Orders', { cluster }))
        .toThrow('`cluster` is in region eu-west-1 but the stack is in us-east-1');
    });

    test('a cluster in another account', () => {
      const stack = newStack();
      const cluster = importedCluster(stack);
      Object.defineProperty(cluster, 'env', { value: { account: '999999999999', region: 'us-east-1' } });
      expect(() => new AuroraSnapshotSchedule(stack, 'Orders', { cluster }))
        .toThrow('`cluster` is in account 999999999999 but the stack is in 123456789012');
    });

    test('a retention time zone the schedule does not carry', () => {
      const stack = newStack();
      expect(() => new AuroraSnapshotSchedule(stack, 'Orders', {
        cluster: importedCluster(stack),
        schedule: scheduler.ScheduleExpression.cron({ hour: '3', minute: '0', timeZone: TimeZone.EUROPE_BERLIN }),
        retention: Retention.policy({ daily: 7, timeZone: TimeZone.AMERICA_NEW_YORK }),
      })).toThrow('`retention.timeZone` is America/New_York but `schedule` carries Europe/Berlin');
    });

    test('a retention time zone the schedule does carry is accepted, UTC spelled either way', () => {
      const stack = newStack();
      new AuroraSnapshotSchedule(stack, 'Orders', {
        cluster: importedCluster(stack),
        retention: Retention.policy({ daily: 7, timeZone: TimeZone.of('UTC') }),
      });
    });

    test('a schedule time zone that is not an IANA zone', () => {
      const stack = newStack();
      expect(() => new AuroraSnapshotSchedule(stack, 'Orders', {
        cluster: importedCluster(stack),
        schedule: scheduler.ScheduleExpression.cron({ hour: '3', minute: '0', timeZone: TimeZone.of('Mars/Olympus') }),
      })).toThrow('`schedule` carries the time zone "Mars/Olympus", which is not an IANA time zone');
    });

    test('a schedule more often than hourly gets a warning, not an error', () => {
      const stack = newStack();
      new AuroraSnapshotSchedule(stack, 'Orders', {
        cluster: importedCluster(stack),
        schedule: scheduler.ScheduleExpression.rate(Duration.minutes(15)),
        alarms: false,
      });
      Annotations.fromStack(stack).hasWarning('/TestStack/Orders',
        Match.stringLikeRegexp('`schedule` rate\\(15 minutes\\) fires about every 15 minutes'));
    });

    test('a quota warning share outside 1 to 100', () => {
      const stack = newStack();
      expect(() => new AuroraSnapshotSchedule(stack, 'Orders', { cluster: importedCluster(stack), quotaWarningPercent: 150 }))
        .toThrow('`quotaWarningPercent` must be a number above 0 and at most 100, got 150.');
    });

    test('a tag key this library reserves', () => {
      const stack = newStack();
      expect(() => new AuroraSnapshotSchedule(stack, 'Orders', {
        cluster: importedCluster(stack),
        tags: { [SnapshotTagKeys.PIN]: 'yes' },
      })).toThrow('`tags` key "cdk-aurora-snapshots:pin" starts with "cdk-aurora-snapshots:"');
    });
  });

  test('cdk-nag AwsSolutions finds nothing unacknowledged in the example app', () => {
    // GIVEN
    const { stack } = exampleApp();

    // WHEN
    const findings = nagFindings(stack);

    // THEN
    expect(findings).toEqual([]);
  });

  test('synthesis is deterministic: the same app gives byte-identical templates', () => {
    const first = JSON.stringify(Template.fromStack(exampleApp().stack).toJSON());
    const second = JSON.stringify(Template.fromStack(exampleApp().stack).toJSON());
    expect(second).toEqual(first);
    expect(first).not.toMatch(/\/work\/|\/home\/|\/tmp\/|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });

  test('the example stack matches its snapshot', () => {
    expect(maskedTemplate(exampleApp().stack)).toMatchSnapshot();
  });

  test('acknowledgements in the library are recorded with a reason', () => {
    const { stack } = exampleApp();
    const engine = stack.node.findChild('AuroraSnapshotEngine');
    const acknowledged = engine.node.findAll().flatMap((construct) =>
      construct.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY));
    expect(acknowledged.length).toBeGreaterThan(0);
  });
});
