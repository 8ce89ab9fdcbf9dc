import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateDBClusterSnapshotCommand,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DescribeDBClustersCommand,
  InvalidDBClusterStateFault,
  RDSClient,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import {
  createAuroraCluster,
  createManualClusterSnapshot,
  listClusterSnapshots,
  rdsClient,
  tagsOf,
} from './support/aws-fixtures';
import { evaluatePath, runWorkflow, WorkflowRun } from './support/local-workflow';
import { MotoServer, resetMoto, startMoto } from './support/moto';
import {
  fromSdkV3Result,
  rdsCommandFor,
  stepFunctionsErrorName,
  toSdkV3Params,
  toStepFunctionsFailure,
  toStepFunctionsMemberName,
} from './support/sdk-names';
import { AslDefinition, stateMachineDefinitionFromTemplate } from './support/template-definition';

const SCHEDULE_TAG = 'harness:schedule';

/**
 * A small workflow in the shape of the real one: create a tagged snapshot (retrying, then catching, a clash of
 * names), wait and poll until it is available, ask a Lambda function what to delete, and delete it.
 */
function buildTestStack(): Stack {
  const app = new App();
  const stack = new Stack(app, 'HarnessTestStack');
  const decide = new lambda.Function(stack, 'DecideFunction', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
  });

  const createSnapshot = new tasks.CallAwsService(stack, 'CreateSnapshot', {
    service: 'rds',
    action: 'createDBClusterSnapshot',
    parameters: {
      DbClusterIdentifier: sfn.JsonPath.stringAt('$.clusterId'),
      DbClusterSnapshotIdentifier: sfn.JsonPath.stringAt('$.snapshotId'),
      Tags: [{ Key: SCHEDULE_TAG, Value: sfn.JsonPath.stringAt('$.schedule') }],
    },
    iamResources: ['*'],
    resultSelector: {
      arn: sfn.JsonPath.stringAt('$.DbClusterSnapshot.DbClusterSnapshotArn'),
      createdAt: sfn.JsonPath.stringAt('$.DbClusterSnapshot.SnapshotCreateTime'),
    },
    resultPath: '$.created',
  });
  createSnapshot.addRetry({
    errors: ['Rds.DbClusterSnapshotAlreadyExistsException'],
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxAttempts: 2,
  });
  const alreadyExists = new sfn.Pass(stack, 'SnapshotAlreadyExists');
  createSnapshot.addCatch(alreadyExists, {
    errors: ['Rds.DbClusterSnapshotAlreadyExistsException'],
    resultPath: '$.failure',
  });

  const waitForSnapshot = new sfn.Wait(stack, 'WaitForSnapshot', {
    time: sfn.WaitTime.secondsPath('$.pollSeconds'),
  });
  const describeSnapshot = new tasks.CallAwsService(stack, 'DescribeSnapshot', {
    service: 'rds',
    action: 'describeDBClusterSnapshots',
    parameters: { DbClusterSnapshotIdentifier: sfn.JsonPath.stringAt('$.snapshotId') },
    iamResources: ['*'],
    resultSelector: { status: sfn.JsonPath.stringAt('$.DbClusterSnapshots[0].Status') },
    resultPath: '$.described',
  });
  describeSnapshot.addRetry({ errors: ['Rds.RdsException'], interval: Duration.seconds(2), maxAttempts: 3 });

  const decideTask = new tasks.LambdaInvoke(stack, 'DecideDeletions', {
    lambdaFunction: decide,
    payload: sfn.TaskInput.fromObject({
      clusterId: sfn.JsonPath.stringAt('$.clusterId'),
      snapshotId: sfn.JsonPath.stringAt('$.snapshotId'),
      startedAt: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
      executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
      stateMachineName: sfn.JsonPath.stringAt('$$.StateMachine.Name'),
    }),
    resultSelector: { plan: sfn.JsonPath.objectAt('$.Payload'), version: sfn.JsonPath.stringAt('$.ExecutedVersion') },
    resultPath: '$.decision',
  });
  const deleteSnapshot = new tasks.CallAwsService(stack, 'DeleteSnapshot', {
    service: 'rds',
    action: 'deleteDBClusterSnapshot',
    parameters: { DbClusterSnapshotIdentifier: sfn.JsonPath.stringAt('$.decision.plan.deleteId') },
    iamResources: ['*'],
    resultPath: sfn.JsonPath.DISCARD,
  });
  const done = new sfn.Succeed(stack, 'Done');

  const definition = createSnapshot
    .next(waitForSnapshot)
    .next(describeSnapshot)
    .next(new sfn.Choice(stack, 'IsAvailable')
      .when(sfn.Condition.stringEquals('$.described.status', 'available'), decideTask
        .next(new sfn.Choice(stack, 'AnythingToDelete')
          .when(sfn.Condition.isPresent('$.decision.plan.deleteId'), deleteSnapshot.next(done))
          .otherwise(done)))
      .otherwise(waitForSnapshot));
  alreadyExists.next(waitForSnapshot);

  new sfn.StateMachine(stack, 'Workflow', {
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
  });
  return stack;
}

describe('sdk-names', () => {
  test('finds the SDK v3 command class for a Step Functions action', () => {
    expect(rdsCommandFor('createDBClusterSnapshot')).toBe(CreateDBClusterSnapshotCommand);
    expect(rdsCommandFor('describeDBClusters')).toBe(DescribeDBClustersCommand);
  });

  test('reports an action the client has no command for, naming the class it looked for', () => {
    expect(() => rdsCommandFor('createDbClusterSnapshot'))
      .toThrow(/rds:createDbClusterSnapshot.*CreateDbClusterSnapshotCommand/);
    expect(() => rdsCommandFor('CreateDBClusterSnapshot')).toThrow(/lower-case first letter/);
  });

  test('renames Step Functions parameters to SDK v3 members, nested ones included', () => {
    expect(toSdkV3Params({
      DbClusterIdentifier: 'orders',
      DbClusterSnapshotIdentifier: 'orders-1',
      SnapshotType: 'manual',
      MaxRecords: 100,
      Marker: 'm',
      Tags: [{ Key: 'DbName', Value: 'DbClusterIdentifier' }],
      Filters: [{ Name: 'db-cluster-id', Values: ['orders'] }],
      IamDatabaseAuthenticationEnabled: true,
      DbClusterResourceId: 'cluster-ABC',
      IamRoleArn: 'arn:aws:iam::123456789012:role/r',
      SourceDBClusterSnapshotIdentifier: 'orders-0',
      KmsKeyId: 'k',
      DatabaseName: 'db',
    })).toEqual({
      DBClusterIdentifier: 'orders',
      DBClusterSnapshotIdentifier: 'orders-1',
      SnapshotType: 'manual',
      MaxRecords: 100,
      Marker: 'm',
      Tags: [{ Key: 'DbName', Value: 'DbClusterIdentifier' }],
      Filters: [{ Name: 'db-cluster-id', Values: ['orders'] }],
      IAMDatabaseAuthenticationEnabled: true,
      DbClusterResourceId: 'cluster-ABC',
      IamRoleArn: 'arn:aws:iam::123456789012:role/r',
      SourceDBClusterSnapshotIdentifier: 'orders-0',
      KmsKeyId: 'k',
      DatabaseName: 'db',
    });
  });

  test('renames SDK v3 results to Step Functions members, turns dates into ISO strings and drops $metadata', () => {
    const created = new Date('2025-03-01T03:00:00.000Z');
    expect(fromSdkV3Result({
      $metadata: { httpStatusCode: 200 },
      DBClusterSnapshots: [{
        DBClusterSnapshotArn: 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:s1',
        SnapshotCreateTime: created,
        IAMDatabaseAuthenticationEnabled: false,
        TagList: [{ Key: 'k', Value: 'v' }],
        DbClusterResourceId: 'cluster-ABC',
        PercentProgress: 100,
        KmsKeyId: undefined,
      }],
      Marker: undefined,
    })).toEqual({
      DbClusterSnapshots: [{
        DbClusterSnapshotArn: 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:s1',
        SnapshotCreateTime: '2025-03-01T03:00:00.000Z',
        IamDatabaseAuthenticationEnabled: false,
        TagList: [{ Key: 'k', Value: 'v' }],
        DbClusterResourceId: 'cluster-ABC',
        PercentProgress: 100,
      }],
    });
  });

  test.each([
    ['DBClusterSnapshots', 'DbClusterSnapshots'],
    ['IAMDatabaseAuthenticationEnabled', 'IamDatabaseAuthenticationEnabled'],
    ['SourceDBClusterSnapshotIdentifier', 'SourceDBClusterSnapshotIdentifier'],
    ['IOOptimizedNextAllowedModificationTime', 'IoOptimizedNextAllowedModificationTime'],
    ['FQDN', 'Fqdn'],
    ['S3Bucket', 'S3Bucket'],
    ['Status', 'Status'],
  ])('names the SDK v3 member %s as Step Functions does: %s', (sdkV3Name, stepFunctionsName) => {
    expect(toStepFunctionsMemberName(sdkV3Name)).toBe(stepFunctionsName);
  });

  const fault = { message: 'From the test.', $metadata: {} };
  test.each([
    [new DBClusterSnapshotAlreadyExistsFault(fault), 'Rds.DbClusterSnapshotAlreadyExistsException'],
    [new InvalidDBClusterStateFault(fault), 'Rds.InvalidDbClusterStateException'],
    [new DBClusterNotFoundFault(fault), 'Rds.DbClusterNotFoundException'],
    [new DBClusterSnapshotNotFoundFault(fault), 'Rds.DbClusterSnapshotNotFoundException'],
    [new SnapshotQuotaExceededFault(fault), 'Rds.SnapshotQuotaExceededException'],
    [{ name: 'KMSKeyNotAccessibleFault', $fault: 'client', message: 'no key' }, 'Rds.KmsKeyNotAccessibleException'],
    [{ name: 'Throttling', $fault: 'client', message: 'Rate exceeded' }, 'Rds.RdsException'],
    [{ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded' }, 'Rds.RdsException'],
    [{ name: 'InvalidParameterValue', $fault: 'client', message: 'bad' }, 'Rds.RdsException'],
    [new Error('socket hang up'), 'Rds.SdkClientException'],
  ])('maps the SDK error %p to %s', (error, stepFunctionsError) => {
    expect(stepFunctionsErrorName(error)).toBe(stepFunctionsError);
  });

  describe('with errors the SDK itself raises', () => {
    let server: Server;
    let answer: { status: number; body: string };
    let endpoint: string;

    beforeAll(async () => {
      server = createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          response.writeHead(answer.status, { 'content-type': 'text/xml' });
          response.end(answer.body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    const xmlError = (type: string, code: string, message: string): string =>
      `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error>`
      + '<RequestId>req-1</RequestId></ErrorResponse>';

    test.each([
      [400, xmlError('Sender', 'Throttling', 'Rate exceeded'), 'Rds.RdsException', 'Rate exceeded'],
      [500, xmlError('Receiver', 'InternalFailure', 'Something broke'), 'Rds.RdsException', 'Something broke'],
      [404, xmlError('Sender', 'DBClusterNotFoundFault', 'DBCluster x not found.'), 'Rds.DbClusterNotFoundException',
        'DBCluster x not found.'],
    ])('maps an HTTP %i answer to the Step Functions error it surfaces as', async (status, body, error, cause) => {
      answer = { status, body };
      const rds = rdsClient(endpoint, 'us-east-1', { maxAttempts: 1 });
      const thrown = await rds.send(new DescribeDBClustersCommand({})).catch((e: unknown) => e);
      rds.destroy();
      expect(toStepFunctionsFailure(thrown)).toEqual({ error, cause });
    });

    test('maps a refused connection to Rds.SdkClientException', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const rds = rdsClient(`http://127.0.0.1:${port}`, 'us-east-1', { maxAttempts: 1 });
      const thrown = await rds.send(new DescribeDBClustersCommand({})).catch((e: unknown) => e);
      rds.destroy();
      expect(toStepFunctionsFailure(thrown))
        .toEqual({ error: 'Rds.SdkClientException', cause: expect.stringMatching(/ECONNREFUSED/) });
    });
  });
});

describe('template-definition', () => {
  test('resolves partition, account, region and function ARNs in the synthesized definition', () => {
    const definition = stateMachineDefinitionFromTemplate(Template.fromStack(buildTestStack()).toJSON());
    const states = definition.States;
    expect(definition.StartAt).toBe('CreateSnapshot');
    expect(states.CreateSnapshot.Resource).toBe('arn:aws:states:::aws-sdk:rds:createDBClusterSnapshot');
    expect(states.DecideDeletions.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect((states.DecideDeletions.Parameters as Record<string, unknown>).FunctionName)
      .toMatch(/^arn:aws:lambda:us-east-1:123456789012:function:DecideFunction[0-9A-F]{8}$/);
  });

  test('resolves Fn::Sub, DefinitionSubstitutions and Ref of a resource', () => {
    const template = {
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic' },
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            DefinitionString: {
              'Fn::Join': ['', [
                { 'Fn::Sub': '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"${Topic.Arn} ${AWS::Region} ' },
                '${topic}","End":true}}}',
              ]],
            },
            DefinitionSubstitutions: { topic: { Ref: 'Topic' } },
          },
        },
      },
    };
    expect(stateMachineDefinitionFromTemplate(template).States.A.Result)
      .toBe('arn:aws:sns:us-east-1:123456789012:topic/Topic us-east-1 Topic');
  });

  test('asks for a logical id when the template has more than one state machine', () => {
    const machine = {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { DefinitionString: '{"StartAt":"A","States":{}}' },
    };
    const template = { Resources: { First: machine, Second: machine } };
    expect(() => stateMachineDefinitionFromTemplate(template))
      .toThrow(/2 state machines \(First, Second\); pass the logical id/);
    expect(stateMachineDefinitionFromTemplate(template, 'Second').StartAt).toBe('A');
    expect(() => stateMachineDefinitionFromTemplate(template, 'Third'))
      .toThrow(/no state machine with logical id Third/);
  });

  test('reports a token it cannot resolve, with where it is', () => {
    const template = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function' },
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: { DefinitionString: { 'Fn::Join': ['', ['{"x":"', { 'Fn::GetAtt': ['Fn', 'Version'] }, '"}']] } },
        },
      },
    };
    expect(() => stateMachineDefinitionFromTemplate(template))
      .toThrow(/only the Arn attribute; Machine.DefinitionString\[1\] asks for Fn.Version/);
  });
});

describe('moto', () => {
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'harness-moto-'));
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Writes a shell script that stands in for moto_server. */
  const fakeExecutable = (name: string, body: string): string => {
    const file = join(scratch, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };

  test('says how to install moto when moto_server is not on the PATH', async () => {
    await expect(startMoto({ env: { ...process.env, PATH: '/nonexistent-harness-dir' } }))
      .rejects.toThrow('moto_server was not found on the PATH; install it with `pip install "moto[server]"`.');
  });

  test('reports a server that exits during startup, quoting its log', async () => {
    const fakeServer = fakeExecutable('exits', 'echo "cannot load the RDS backend" >&2; exit 3');

    await expect(startMoto({ command: fakeServer }))
      .rejects.toThrow(/exited with code 3 during startup. Its log ended with:\ncannot load the RDS backend/);
  });

  test('gives up on a server that does not answer in time, and stops it', async () => {
    const fakeServer = fakeExecutable('silent', 'echo "$$" > "$0.pid"; exec sleep 30');

    await expect(startMoto({ command: fakeServer, startupTimeoutMs: 300 }))
      .rejects.toThrow(/did not answer at http:\/\/127\.0\.0\.1:\d+ within 300 ms/);
    const pid = Number(readFileSync(`${fakeServer}.pid`, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });

  test('starts on 127.0.0.1, answers, and is gone once stopped', async () => {
    const server = await startMoto();
    expect(server.endpoint).toBe(`http://127.0.0.1:${server.port}`);
    expect((await fetch(`${server.endpoint}/moto-api/`)).ok).toBe(true);

    await server.stop();
    await server.stop();

    expect(() => process.kill(server.pid, 0)).toThrow(/ESRCH/);
  });
});

describe('runWorkflow against moto', () => {
  let moto: MotoServer;
  let rds: RDSClient;
  let definition: AslDefinition;

  beforeAll(async () => {
    moto = await startMoto();
    rds = rdsClient(moto.endpoint);
    definition = stateMachineDefinitionFromTemplate(Template.fromStack(buildTestStack()).toJSON());
  });

  afterAll(async () => {
    rds?.destroy();
    await moto?.stop();
  });

  beforeEach(async () => {
    await resetMoto(moto.endpoint);
  });

  const input = { clusterId: 'orders', snapshotId: 'orders-2025-03-01', schedule: 'daily', pollSeconds: 30 };

  test('creates a tagged snapshot, waits, passes the context to the function and deletes what it names', async () => {
    // GIVEN
    await createAuroraCluster(rds, 'orders');
    await createManualClusterSnapshot(rds, 'orders', 'orders-old', { [SCHEDULE_TAG]: 'daily' });
    const payloads: unknown[] = [];

    // WHEN
    const run = await runWorkflow({
      definition,
      input,
      rdsEndpoint: moto.endpoint,
      executionName: 'run-1',
      startTime: '2025-03-01T03:00:00.000Z',
      lambda: async (payload) => {
        payloads.push(payload);
        return { deleteId: 'orders-old' };
      },
    });

    // THEN
    expect(run).toMatchObject({ status: 'SUCCEEDED', waitedSeconds: 30, retryPauseSeconds: 0 });
    expect(run.statesEntered).toEqual([
      'CreateSnapshot', 'WaitForSnapshot', 'DescribeSnapshot', 'IsAvailable', 'DecideDeletions', 'AnythingToDelete',
      'DeleteSnapshot', 'Done',
    ]);
    expect(run.transitions).toBe(8);
    expect(run.rdsCalls)
      .toEqual({ createDBClusterSnapshot: 1, describeDBClusterSnapshots: 1, deleteDBClusterSnapshot: 1 });
    expect(run.output.created.arn).toBe('arn:aws:rds:us-east-1:123456789012:cluster-snapshot:orders-2025-03-01');
    expect(run.output.created.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(run.output.decision).toEqual({ plan: { deleteId: 'orders-old' }, version: '$LATEST' });
    expect(payloads).toEqual([{
      clusterId: 'orders',
      snapshotId: 'orders-2025-03-01',
      startedAt: '2025-03-01T03:00:00.000Z',
      executionName: 'run-1',
      stateMachineName: 'HarnessStateMachine',
    }]);
    const manual = (await listClusterSnapshots(rds, 'orders')).filter((snapshot) => snapshot.SnapshotType === 'manual');
    expect(manual.map((snapshot) => snapshot.DBClusterSnapshotIdentifier)).toEqual(['orders-2025-03-01']);
    expect(tagsOf(manual[0])).toEqual({ [SCHEDULE_TAG]: 'daily' });
  });

  test('retries and then catches Rds.DbClusterSnapshotAlreadyExistsException', async () => {
    // GIVEN
    await createAuroraCluster(rds, 'orders');
    await createManualClusterSnapshot(rds, 'orders', input.snapshotId);

    // WHEN
    const run = await runWorkflow({ definition, input, rdsEndpoint: moto.endpoint, lambda: async () => ({}) });

    // THEN
    expect(run).toMatchObject({ status: 'SUCCEEDED' });
    expect(run.rdsCalls.createDBClusterSnapshot).toBe(3);
    expect(run.retryPauseSeconds).toBe(5 + 10);
    expect(run.statesEntered.slice(0, 2)).toEqual(['CreateSnapshot', 'SnapshotAlreadyExists']);
    expect(run.transitions).toBe(run.statesEntered.length + 2);
    expect(run.output.failure).toEqual({
      Error: 'Rds.DbClusterSnapshotAlreadyExistsException',
      Cause: expect.stringContaining(input.snapshotId),
    });
    expect(run.output.decision).toEqual({ plan: {}, version: '$LATEST' });
  });

  test('fails with Rds.DbClusterNotFoundException and its message when the cluster does not exist', async () => {
    const run = await runWorkflow({ definition, input, rdsEndpoint: moto.endpoint, lambda: async () => ({}) });

    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'Rds.DbClusterNotFoundException',
      cause: 'DBCluster orders not found.',
      statesEntered: ['CreateSnapshot'],
      transitions: 1,
    });
    expect(run.output).toBeUndefined();
  });

  test('retries an injected throttling error, which surfaces as Rds.RdsException', async () => {
    await createAuroraCluster(rds, 'orders');
    let throttled = 0;

    const run = await runWorkflow({
      definition,
      input,
      rdsEndpoint: moto.endpoint,
      lambda: async () => ({}),
      onRdsCall: (action) => {
        if (action === 'describeDBClusterSnapshots' && throttled++ < 2) {
          throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client' });
        }
      },
    });

    expect(run).toMatchObject({ status: 'SUCCEEDED' });
    expect(run.rdsCalls.describeDBClusterSnapshots).toBe(3);
    expect(run.retryPauseSeconds).toBe(2 + 4);
  });

  test('reports a function error as AWS does: the error name, and a JSON cause', async () => {
    await createAuroraCluster(rds, 'orders');
    class PlanError extends Error {
      constructor(message: string) {
        super(message);
        this.name = 'PlanError';
      }
    }

    const run = await runWorkflow({
      definition,
      input,
      rdsEndpoint: moto.endpoint,
      lambda: async () => {
        throw new PlanError('The retention policy is empty.');
      },
    });

    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('PlanError');
    expect(JSON.parse(run.cause!)).toEqual({ errorType: 'PlanError', errorMessage: 'The retention policy is empty.' });
  });

  test('fails with States.DataLimitExceeded when a task result is over 256 KiB', async () => {
    await createAuroraCluster(rds, 'orders');

    const run = await runWorkflow({
      definition,
      input,
      rdsEndpoint: moto.endpoint,
      lambda: async () => ({ padding: 'x'.repeat(300 * 1024) }),
    });

    expect(run).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  test('fails with States.Runtime when a SecondsPath does not give whole seconds', async () => {
    await createAuroraCluster(rds, 'orders');

    const run = await runWorkflow({
      definition,
      input: { ...input, pollSeconds: 'soon' },
      rdsEndpoint: moto.endpoint,
      lambda: async () => ({}),
    });

    expect(run).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(run.cause).toMatch(/SecondsPath \$\.pollSeconds of Wait state WaitForSnapshot gave "soon"/);
    expect(run.rdsCalls.describeDBClusterSnapshots).toBeUndefined();
  });
});

describe('runWorkflow bookkeeping', () => {
  const unusedEndpoint = 'http://127.0.0.1:9';
  const noLambda = async (): Promise<unknown> => ({});

  test('counts states and waits inside Parallel branches and Map iterations', async () => {
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Next: 'Each',
          Branches: [
            { StartAt: 'BranchWait', States: { BranchWait: { Type: 'Wait', Seconds: 60, End: true } } },
            { StartAt: 'BranchPass', States: { BranchPass: { Type: 'Pass', End: true } } },
          ],
          ResultPath: null,
        },
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'ItemWait',
            States: { ItemWait: { Type: 'Wait', SecondsPath: '$.delay', End: true } },
          },
          End: true,
        },
      },
    };

    const run = await runWorkflow({
      definition,
      input: { items: [{ delay: 1 }, { delay: 2 }, { delay: 3 }] },
      rdsEndpoint: unusedEndpoint,
      lambda: noLambda,
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.waitedSeconds).toBe(60 + 1 + 2 + 3);
    expect(run.transitions).toBe(7);
    expect([...run.statesEntered].sort())
      .toEqual(['BranchPass', 'BranchWait', 'Each', 'Fan', 'ItemWait', 'ItemWait', 'ItemWait']);
  });

  test('moves the virtual clock for a Timestamp wait and times out on the virtual clock', async () => {
    const definition = {
      StartAt: 'Until',
      TimeoutSeconds: 3600,
      States: {
        Until: { Type: 'Wait', TimestampPath: '$.until', Next: 'Loop' },
        Loop: { Type: 'Wait', Seconds: 1800, Next: 'Forever' },
        Forever: { Type: 'Choice', Choices: [{ Variable: '$.until', IsPresent: true, Next: 'Loop' }], Default: 'End' },
        End: { Type: 'Succeed' },
      },
    };

    const run: WorkflowRun = await runWorkflow({
      definition,
      input: { until: '2025-03-01T03:10:00Z' },
      startTime: '2025-03-01T03:00:00Z',
      rdsEndpoint: unusedEndpoint,
      lambda: noLambda,
    });

    expect(run).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(run.waitedSeconds).toBe(600 + 1800 + 1800);
    expect(run.statesEntered).toEqual(['Until', 'Loop', 'Forever', 'Loop']);
  });

  test('stops a runaway loop', async () => {
    const definition = {
      StartAt: 'Spin',
      States: {
        Spin: { Type: 'Choice', Choices: [{ Variable: '$', IsPresent: true, Next: 'Spin' }], Default: 'End' },
        End: { Type: 'Succeed' },
      },
    };

    const run = await runWorkflow({
      definition, input: {}, rdsEndpoint: unusedEndpoint, lambda: noLambda, maxTransitions: 50,
    });

    expect(run).toMatchObject({ status: 'FAILED', error: 'Harness.TransitionLimitExceeded' });
  });

  test('refuses a Task resource it cannot run, naming the state', async () => {
    const definition = {
      StartAt: 'Publish',
      States: { Publish: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true } },
    };

    await expect(runWorkflow({ definition, input: {}, rdsEndpoint: unusedEndpoint, lambda: noLambda }))
      .rejects.toThrow(/Task state Publish uses the resource "arn:aws:states:::sns:publish"/);
  });

  test('reads simple paths and refuses others', () => {
    expect(evaluatePath('$.a.list[1]', { a: { list: [1, 2] } }, {})).toBe(2);
    expect(evaluatePath("$$.Execution['Name']", {}, { Execution: { Name: 'n' } })).toBe('n');
    expect(() => evaluatePath('$..a', {}, {})).toThrow(/only simple paths/);
  });
});
