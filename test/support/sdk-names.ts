/**
 * Translation between the conventions of the Step Functions aws-sdk service integration for RDS and the
 * AWS SDK for JavaScript v3 (`@aws-sdk/client-rds`), so that the harness can carry out a Task such as
 * `arn:aws:states:::aws-sdk:rds:createDBClusterSnapshot` with the JavaScript SDK and hand back exactly what
 * Step Functions would.
 *
 * Step Functions runs these calls with the AWS SDK for Java v2 and uses its names:
 * - actions are the v2 client's method names (`createDBClusterSnapshot`), which are the API operation names with a
 *   lower-case first letter;
 * - parameters and results use the v2 member names, made by lower-casing the leading run of capitals of the API name
 *   (all but its last letter when a lower-case letter follows) and then upper-casing the first letter again:
 *   `DBClusterIdentifier` becomes `DbClusterIdentifier`, `IAMDatabaseAuthenticationEnabled` becomes
 *   `IamDatabaseAuthenticationEnabled`, while `SourceDBClusterSnapshotIdentifier` and `KmsKeyId` stay as they are;
 * - errors are `Rds.` followed by the v2 exception class: the error code without `Fault`, every word re-cased
 *   (`InvalidDBClusterStateFault` becomes `Rds.InvalidDbClusterStateException`); errors RDS does not model, throttling
 *   and 5xx answers among them, surface as `Rds.RdsException`, and failures that never got an answer from RDS
 *   (network, unreadable response) as `Rds.SdkClientException`.
 */
import * as rds from '@aws-sdk/client-rds';

/** A command instance that {@link rds.RDSClient.send} accepts. */
export type RdsCommand = Parameters<rds.RDSClient['send']>[0];

/** The class of one command of `@aws-sdk/client-rds`, such as `CreateDBClusterSnapshotCommand`. */
export type RdsCommandClass = new (input: Record<string, unknown>) => RdsCommand;

/** The error a failed aws-sdk Task reports to Step Functions, as a `Catch` or `Retry` matches it. */
export interface StepFunctionsTaskFailure {
  /** The error name, such as `Rds.DbClusterSnapshotAlreadyExistsException`. */
  readonly error: string;
  /** The cause: the message of the underlying SDK error. */
  readonly cause: string;
}

/** The error prefix Step Functions gives RDS errors, from the v2 service name. */
const SERVICE_ERROR_PREFIX = 'Rds';

/** What a service error that RDS does not model (throttling, 5xx, unknown codes) becomes. */
export const UNMODELLED_SERVICE_ERROR = `${SERVICE_ERROR_PREFIX}.RdsException`;

/** What an error that never got an answer from RDS (network, unreadable response) becomes. */
export const CLIENT_SIDE_ERROR = `${SERVICE_ERROR_PREFIX}.SdkClientException`;

/**
 * Leading acronyms that the v2 member names write in Pascal case and the JavaScript SDK in capitals.
 *
 * Going from JavaScript to Step Functions needs no table: the v2 rule (re-case the leading acronym) is applied
 * directly. Going back is ambiguous, because `Db` can stand for `DB` or for a real `Db`; this table covers the
 * acronyms that RDS cluster and snapshot calls start their parameter names with. Other leading acronyms that RDS
 * uses (`CA`, `EC2`, `IP`, `IO`, `KMS`, `VPC`) are left alone: most RDS members starting with them are already in
 * Pascal case (`KmsKeyId`, `VpcSecurityGroupIds`), so a rule for them would do more harm than good.
 */
const LEADING_ACRONYMS: ReadonlyArray<{ readonly stepFunctions: string; readonly sdkV3: string }> = [
  { stepFunctions: 'Db', sdkV3: 'DB' },
  { stepFunctions: 'Iam', sdkV3: 'IAM' },
];

/**
 * RDS members whose JavaScript names already start with one of the {@link LEADING_ACRONYMS} in Pascal case, so the
 * table must leave them alone. `DbClusterIdentifier` of `RemoveFromGlobalCluster` is the one RDS member this cannot
 * express, because other calls spell the same name `DBClusterIdentifier`.
 */
const PASCAL_CASE_SDK_V3_MEMBERS: ReadonlySet<string> = new Set([
  'DbClusterResourceId',
  'DbInstancePort',
  'IamRoleArn',
]);

/**
 * Finds the `@aws-sdk/client-rds` command class for a Step Functions action name.
 *
 * @param action the action as written after `aws-sdk:rds:` in the Task resource, e.g. `createDBClusterSnapshot`
 * @returns the command class, e.g. `CreateDBClusterSnapshotCommand`
 * @throws Error when the client has no command of that name
 */
export function rdsCommandFor(action: string): RdsCommandClass {
  const className = `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
  const candidate = (rds as unknown as Record<string, unknown>)[className];
  if (!/^[a-z]/.test(action) || typeof candidate !== 'function') {
    throw new Error(
      `The Step Functions action \`rds:${action}\` has no command in @aws-sdk/client-rds `
      + `(looked for \`${className}\`); `
      + 'actions are the API operation names with a lower-case first letter, such as `createDBClusterSnapshot`.',
    );
  }
  return candidate as RdsCommandClass;
}

/**
 * Turns a member name of the JavaScript SDK into the name Step Functions uses for it.
 *
 * @example toStepFunctionsMemberName('DBClusterSnapshotArn') // 'DbClusterSnapshotArn'
 */
export function toStepFunctionsMemberName(sdkV3Name: string): string {
  const leadingCapitals = /^[A-Z]+/.exec(sdkV3Name)?.[0] ?? '';
  if (leadingCapitals.length < 2) {
    return sdkV3Name;
  }

  // When a lower-case letter follows the run, its last capital starts the next word and keeps its case.
  const followedByLowerCase = /[a-z]/.test(sdkV3Name.charAt(leadingCapitals.length));
  const acronymLength = followedByLowerCase ? leadingCapitals.length - 1 : leadingCapitals.length;
  const acronym = sdkV3Name.slice(0, acronymLength);
  return `${acronym.charAt(0)}${acronym.slice(1).toLowerCase()}${sdkV3Name.slice(acronymLength)}`;
}

/**
 * Turns a parameter name as Step Functions writes it into the member name of the JavaScript SDK.
 *
 * @example toSdkV3MemberName('DbClusterIdentifier') // 'DBClusterIdentifier'
 */
export function toSdkV3MemberName(stepFunctionsName: string): string {
  if (PASCAL_CASE_SDK_V3_MEMBERS.has(stepFunctionsName)) {
    return stepFunctionsName;
  }
  for (const { stepFunctions, sdkV3 } of LEADING_ACRONYMS) {
    // Only a whole leading word counts: `Dbi...` or `Database...` must stay as they are.
    const rest = stepFunctionsName.slice(stepFunctions.length);
    if (stepFunctionsName.startsWith(stepFunctions) && /^[A-Z0-9]/.test(rest)) {
      return `${sdkV3}${rest}`;
    }
  }
  return stepFunctionsName;
}

/**
 * Translates the parameters of an aws-sdk Task into the input of a JavaScript SDK command, renaming the keys of
 * nested objects and of objects inside arrays too. Values are never changed.
 *
 * Limitation: RDS has almost no map-typed members; if one were passed, its keys would be renamed like member names.
 */
export function toSdkV3Params(stepFunctionsParams: unknown): unknown {
  return renameKeysDeep(stepFunctionsParams, toSdkV3MemberName);
}

/**
 * Translates the output of a JavaScript SDK command into the result Step Functions hands to the state: member names
 * renamed, dates as ISO-8601 strings, `undefined` members and the `$metadata` block left out.
 */
export function fromSdkV3Result(sdkV3Output: unknown): unknown {
  return renameKeysDeep(sdkV3Output, toStepFunctionsMemberName, true);
}

/**
 * Gives the error name and cause that Step Functions reports when an aws-sdk RDS call fails with `error`.
 *
 * @param error what `RDSClient.send` threw
 */
export function toStepFunctionsFailure(error: unknown): StepFunctionsTaskFailure {
  return { error: stepFunctionsErrorName(error), cause: errorMessage(error) };
}

/**
 * Gives the Step Functions error name for an error thrown by `RDSClient.send`.
 *
 * @example stepFunctionsErrorName(new DBClusterNotFoundFault(...)) // 'Rds.DbClusterNotFoundException'
 */
export function stepFunctionsErrorName(error: unknown): string {
  if (!isServiceError(error)) {
    return CLIENT_SIDE_ERROR;
  }
  const code = error.name;
  if (!isModelledRdsError(code)) {
    return UNMODELLED_SERVICE_ERROR;
  }
  return `${SERVICE_ERROR_PREFIX}.${javaV2ExceptionName(code)}`;
}

/**
 * The v2 exception class name for a modelled error code: the code without `Fault` or `Exception`, split into words,
 * each word in Pascal case, then `Exception`.
 */
function javaV2ExceptionName(errorCode: string): string {
  const stem = errorCode.replace(/(Fault|Exception)$/, '');
  const words = stem
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([0-9])([A-Za-z])/g, '$1 $2')
    .split(' ');
  return `${words.map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1).toLowerCase()}`).join('')}Exception`;
}

/** Whether `code` names an error class that `@aws-sdk/client-rds` models (and so the Java SDK v2 models too). */
function isModelledRdsError(code: string): boolean {
  const candidate = (rds as unknown as Record<string, unknown>)[code];
  return code !== rds.RDSServiceException.name
    && typeof candidate === 'function'
    && candidate.prototype instanceof rds.RDSServiceException;
}

/** Whether RDS answered with this error, as opposed to the request or the response never making it. */
function isServiceError(error: unknown): error is { name: string } {
  if (error instanceof rds.RDSServiceException) {
    return true;
  }

  // Errors built by hand for fault injection carry the same marker the SDK sets on every service error.
  return typeof error === 'object' && error !== null
    && typeof (error as { name?: unknown }).name === 'string'
    && ['client', 'server'].includes((error as { $fault?: unknown }).$fault as string);
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

function renameKeysDeep(value: unknown, rename: (key: string) => string, forStepFunctions = false): unknown {
  if (value instanceof Date) {
    return forStepFunctions ? value.toISOString() : value;
  }
  if (Array.isArray(value)) {
    return value.map((item) => renameKeysDeep(item, rename, forStepFunctions));
  }
  if (typeof value === 'object' && value !== null) {
    const renamed: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined || (forStepFunctions && key === '$metadata')) {
        continue;
      }
      renamed[rename(key)] = renameKeysDeep(member, rename, forStepFunctions);
    }
    return renamed;
  }
  return value;
}
