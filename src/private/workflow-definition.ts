/**
 * The Amazon States Language of the snapshot workflow, written out in full so that a reader can follow one run
 * state by state, and so that an independent interpreter can run exactly what is deployed.
 *
 * aws-sdk tasks use the Step Functions conventions for the AWS SDK integration: camelCase actions, Java SDK v2
 * member names (`DbClusterIdentifier`) and error names (`Rds.DbClusterSnapshotAlreadyExistsException`).
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
 */

/** State names, used by the definition, the README diagram and the tests. */
export const WorkflowStates = {
  IS_SCHEDULED: 'Is it a scheduled run?',
  LOOK_UP_SCHEDULE: 'Look up the schedule of the cluster',
  PREPARE: 'Prepare the run',
  SKIPPED: 'Skip: cluster stopped',
  CREATE: 'Create the snapshot',
  NEXT_POLL: 'Plan the next poll',
  WAIT: 'Wait for the snapshot',
  DESCRIBE: 'Describe the snapshot',
  IS_AVAILABLE: 'Is the snapshot available?',
  DELETE_FAILED: 'Delete the failed snapshot',
  CHECK_AFTER_BUSY: 'Look for our snapshot after busy retries',
  PRUNE: 'Prune expired snapshots',
  FAIL_SNAPSHOT_FAILED: 'Fail: snapshot failed',
  FAIL_SNAPSHOT_FAILED_KEPT: 'Fail: snapshot failed and could not be deleted',
  FAIL_TIMED_OUT: 'Fail: snapshot timed out',
  FAIL_QUOTA: 'Fail: snapshot quota reached',
  FAIL_CLUSTER_BUSY: 'Fail: cluster busy',
} as const;

/** Errors the workflow raises itself, for alarms and for users reading a failed execution. */
export const WorkflowErrors = {
  SNAPSHOT_FAILED: 'SnapshotFailed',
  SNAPSHOT_TIMED_OUT: 'SnapshotTimedOut',
  SNAPSHOT_QUOTA_REACHED: 'SnapshotQuotaExceeded',
  CLUSTER_BUSY: 'ClusterBusy',
} as const;

/** Throttling and transient faults of RDS as the aws-sdk integration names them. */
const RDS_TRANSIENT_ERRORS = ['Rds.RdsException', 'Rds.SdkClientException', 'Rds.ThrottlingException'];

/** Faults of the Lambda service itself (not of our code), worth retrying. */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

const retryTransientRds = {
  ErrorEquals: RDS_TRANSIENT_ERRORS,
  IntervalSeconds: 5,
  BackoffRate: 2,
  MaxAttempts: 6,
  MaxDelaySeconds: 120,
  JitterStrategy: 'FULL',
};

const retryTransientLambda = {
  ErrorEquals: LAMBDA_TRANSIENT_ERRORS,
  IntervalSeconds: 2,
  BackoffRate: 2,
  MaxAttempts: 6,
  JitterStrategy: 'FULL',
};

/** RDS throttling or faults that outlasted the function's own SDK retries; every step of the function is safe to repeat. */
const retryFunctionRdsTransient = {
  ErrorEquals: ['RdsTransient'],
  IntervalSeconds: 10,
  BackoffRate: 2,
  MaxAttempts: 4,
  MaxDelaySeconds: 300,
  JitterStrategy: 'FULL',
};

/** What the definition needs from the construct; values may be CDK tokens. */
export interface WorkflowDefinitionProps {
  /** The AWS partition (`Aws.PARTITION`), so the definition also works in China and GovCloud regions. */
  readonly partition: string;
  /** ARN of the snapshot function. */
  readonly functionArn: string;
  /** The inputs of every schedule in the stack, for manual runs that name only a cluster. */
  readonly registeredSchedules: unknown;
  /** The longest an execution may run before Step Functions ends it as timed out. */
  readonly timeoutSeconds: unknown;
  /** Busy-cluster retries: attempts and first interval. */
  readonly clusterBusyRetry: { readonly maxAttempts: number; readonly intervalSeconds: number };
}

/** Builds the workflow definition as a plain object, ready for `Stack.toJsonString`. */
export function workflowDefinition(props: WorkflowDefinitionProps): Record<string, unknown> {
  const s = WorkflowStates;
  const rdsResource = (action: string) => `arn:${props.partition}:states:::aws-sdk:rds:${action}`;
  // A call on this run's snapshot by name, retried on throttling and transient faults.
  const onOwnSnapshot = (action: string) => ({
    Type: 'Task',
    Resource: rdsResource(action),
    Parameters: { 'DbClusterSnapshotIdentifier.$': '$.snapshotIdentifier' },
    Retry: [retryTransientRds],
  });
  return {
    Comment: 'Takes one Aurora DB cluster snapshot, waits until it is available, then prunes the expired snapshots '
      + 'of the same schedule.',
    QueryLanguage: 'JSONPath',
    TimeoutSeconds: props.timeoutSeconds,
    StartAt: s.IS_SCHEDULED,
    States: {
      [s.IS_SCHEDULED]: {
        Type: 'Choice',
        Comment: 'A schedule sends its whole configuration; a manual run may name only the cluster.',
        Choices: [{
          And: [
            { Variable: '$.scheduleId', IsPresent: true },
            { Variable: '$.snapshotPrefix', IsPresent: true },
            { Variable: '$.retention', IsPresent: true },
          ],
          Next: s.PREPARE,
        }],
        Default: s.LOOK_UP_SCHEDULE,
      },
      [s.LOOK_UP_SCHEDULE]: {
        Type: 'Pass',
        Result: props.registeredSchedules,
        ResultPath: '$.registeredSchedules',
        Next: s.PREPARE,
      },
      [s.PREPARE]: {
        Type: 'Task',
        Comment: 'Resolves the configuration, names the snapshot, checks the cluster state and plans the polls.',
        Resource: `arn:${props.partition}:states:::lambda:invoke`,
        Parameters: {
          FunctionName: props.functionArn,
          Payload: {
            'action': 'prepare',
            'input.$': '$',
            'executionStartTime.$': '$$.Execution.StartTime',
          },
        },
        OutputPath: '$.Payload',
        Retry: [retryTransientLambda, retryFunctionRdsTransient],
        Catch: [{ ErrorEquals: ['SkipRun.ClusterStopped'], ResultPath: '$.error', Next: s.SKIPPED }],
        Next: s.CREATE,
      },
      [s.SKIPPED]: {
        Type: 'Pass',
        Parameters: {
          'outcome': 'skipped',
          'clusterIdentifier.$': '$.clusterIdentifier',
          'reason.$': 'States.StringToJson($.error.Cause)',
        },
        End: true,
      },
      [s.CREATE]: {
        Type: 'Task',
        Resource: rdsResource('createDBClusterSnapshot'),
        Parameters: {
          'DbClusterIdentifier.$': '$.clusterIdentifier',
          'DbClusterSnapshotIdentifier.$': '$.snapshotIdentifier',
          'Tags.$': '$.tags',
        },
        ResultPath: null,
        Retry: [
          {
            // The cluster is modifying, backing up, upgrading...: wait for it, with backoff, a bounded number of times.
            ErrorEquals: ['Rds.InvalidDbClusterStateException'],
            IntervalSeconds: props.clusterBusyRetry.intervalSeconds,
            BackoffRate: 2,
            MaxAttempts: props.clusterBusyRetry.maxAttempts,
          },
          retryTransientRds,
        ],
        Catch: [
          {
            // A retried create whose first response was lost: the snapshot of this scheduled time is already there.
            // The prune step checks that it carries this schedule's tag before it trusts it.
            ErrorEquals: ['Rds.DbClusterSnapshotAlreadyExistsException'],
            ResultPath: null,
            Next: s.WAIT,
          },
          { ErrorEquals: ['Rds.SnapshotQuotaExceededException'], ResultPath: '$.error', Next: s.FAIL_QUOTA },
          {
            // Busy through every retry; but if an earlier create's answer was lost, the cluster may be busy with
            // our own snapshot, so look for it before failing.
            ErrorEquals: ['Rds.InvalidDbClusterStateException'], ResultPath: '$.error', Next: s.CHECK_AFTER_BUSY,
          },
        ],
        Next: s.WAIT,
      },
      [s.CHECK_AFTER_BUSY]: {
        ...onOwnSnapshot('describeDBClusterSnapshots'),
        ResultPath: null,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.checkError', Next: s.FAIL_CLUSTER_BUSY }],
        Next: s.WAIT,
      },
      [s.NEXT_POLL]: {
        Type: 'Task',
        Comment: 'Estimates the time left from PercentProgress and the time waited so far, and picks the next wait.',
        Resource: `arn:${props.partition}:states:::lambda:invoke`,
        Parameters: {
          FunctionName: props.functionArn,
          Payload: { 'action': 'poll', 'poll.$': '$.poll', 'snapshot.$': '$.snapshot' },
        },
        ResultSelector: {
          'seconds.$': '$.Payload.seconds',
          'elapsedSeconds.$': '$.Payload.elapsedSeconds',
          'timeoutSeconds.$': '$.Payload.timeoutSeconds',
        },
        ResultPath: '$.poll',
        Retry: [retryTransientLambda, retryFunctionRdsTransient],
        Next: s.WAIT,
      },
      [s.WAIT]: {
        Type: 'Wait',
        SecondsPath: '$.poll.seconds',
        Next: s.DESCRIBE,
      },
      [s.DESCRIBE]: {
        ...onOwnSnapshot('describeDBClusterSnapshots'),
        // The whole entry is kept as well: a path to PercentProgress would fail the state where RDS leaves it out.
        ResultSelector: {
          'status.$': '$.DbClusterSnapshots[0].Status',
          'described.$': '$.DbClusterSnapshots[0]',
        },
        ResultPath: '$.snapshot',
        Next: s.IS_AVAILABLE,
      },
      [s.IS_AVAILABLE]: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.snapshot.status', StringEquals: 'available', Next: s.PRUNE },
          {
            // Only a failed snapshot of this cluster is deleted; IAM also limits deletes to this stack's schedules.
            And: [
              { Variable: '$.snapshot.status', StringEquals: 'failed' },
              { Variable: '$.snapshot.described.DbClusterIdentifier', StringEqualsPath: '$.clusterIdentifier' },
            ],
            Next: s.DELETE_FAILED,
          },
          { Variable: '$.snapshot.status', StringEquals: 'failed', Next: s.FAIL_SNAPSHOT_FAILED_KEPT },
          {
            Variable: '$.poll.elapsedSeconds',
            NumericGreaterThanEqualsPath: '$.poll.timeoutSeconds',
            Next: s.FAIL_TIMED_OUT,
          },
        ],
        Default: s.NEXT_POLL,
      },
      [s.DELETE_FAILED]: {
        ...onOwnSnapshot('deleteDBClusterSnapshot'),
        Comment: 'A failed snapshot cannot be restored but still counts against the quota.',
        ResultPath: null,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.deleteError', Next: s.FAIL_SNAPSHOT_FAILED_KEPT }],
        Next: s.FAIL_SNAPSHOT_FAILED,
      },
      [s.PRUNE]: {
        Type: 'Task',
        Comment: 'Applies the retention policy and deletes only expired snapshots of this schedule.',
        Resource: `arn:${props.partition}:states:::lambda:invoke`,
        Parameters: {
          FunctionName: props.functionArn,
          Payload: { 'action': 'prune', 'run.$': '$' },
        },
        OutputPath: '$.Payload',
        Retry: [retryTransientLambda, retryFunctionRdsTransient],
        End: true,
      },
      [s.FAIL_SNAPSHOT_FAILED]: {
        Type: 'Fail',
        Error: WorkflowErrors.SNAPSHOT_FAILED,
        Cause: 'RDS reported the new snapshot as failed. It was deleted, because a failed snapshot cannot be restored '
          + 'and still counts against the quota. Retention did not run, so no older snapshot was deleted.',
      },
      [s.FAIL_SNAPSHOT_FAILED_KEPT]: {
        Type: 'Fail',
        Error: WorkflowErrors.SNAPSHOT_FAILED,
        Cause: 'RDS reported the snapshot as failed and it was not deleted (the delete failed, or the snapshot is not '
          + 'this cluster\'s); if it is yours, delete it yourself, as it counts against the quota. Retention did not '
          + 'run, so no older snapshot was deleted.',
      },
      [s.FAIL_TIMED_OUT]: {
        Type: 'Fail',
        Error: WorkflowErrors.SNAPSHOT_TIMED_OUT,
        Cause: 'The new snapshot did not become available within snapshotTimeout. It was left as it is; retention '
          + 'did not run, so no older snapshot was deleted.',
      },
      [s.FAIL_QUOTA]: {
        Type: 'Fail',
        Error: WorkflowErrors.SNAPSHOT_QUOTA_REACHED,
        Cause: 'RDS refused the snapshot: the region holds as many manual DB cluster snapshots as its quota allows '
          + '(100 unless raised). Delete manual snapshots or ask for a higher quota. Retention did not run (only '
          + 'pruneBeforeCreateAtQuota may have deleted expired snapshots before the create).',
      },
      [s.FAIL_CLUSTER_BUSY]: {
        Type: 'Fail',
        Error: WorkflowErrors.CLUSTER_BUSY,
        Cause: 'The cluster stayed in a state that does not allow snapshots (modifying, backing-up, upgrading...) '
          + 'through every retry, so no snapshot was taken. Retention did not run (only pruneBeforeCreateAtQuota may '
          + 'have deleted expired snapshots before the create).',
      },
    },
  };
}
