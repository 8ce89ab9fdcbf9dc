/**
 * Reads the Amazon States Language definition of a state machine out of a synthesized CloudFormation template,
 * with every CloudFormation token replaced by a fixed value, so that a local interpreter can run it.
 */

/** The partition, region and account that tokens resolve to. */
export const HARNESS_PARTITION = 'aws';
/** The region that `AWS::Region` resolves to. */
export const HARNESS_REGION = 'us-east-1';
/** The account that `AWS::AccountId` resolves to. */
export const HARNESS_ACCOUNT = '123456789012';

/** A state of an Amazon States Language definition; only `Type` is read by the harness itself. */
export interface AslState {
  /** The state type, such as `Task` or `Wait`. */
  readonly Type: string;
  /** Any other field of the state. */
  readonly [field: string]: unknown;
}

/** An Amazon States Language definition (a state machine, or a branch of a Parallel or Map state). */
export interface AslDefinition {
  /** The first state. */
  readonly StartAt: string;
  /** Every state, by name. */
  readonly States: Readonly<Record<string, AslState>>;
  /** Any other top-level field, such as `TimeoutSeconds` or `Comment`. */
  readonly [field: string]: unknown;
}

interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: Record<string, unknown>;
}

type Resources = Readonly<Record<string, TemplateResource>>;

const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': HARNESS_PARTITION,
  'AWS::Region': HARNESS_REGION,
  'AWS::AccountId': HARNESS_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'HarnessStack',
  'AWS::StackId': `arn:aws:cloudformation:${HARNESS_REGION}:${HARNESS_ACCOUNT}:stack/HarnessStack/harness`,
  'AWS::NoValue': '',
};

/**
 * Finds the state machine in a synthesized template and returns its definition with tokens resolved.
 *
 * Tokens resolve to fixed values: `Ref` of a pseudo parameter to `aws`, `us-east-1`, `123456789012` and
 * `amazonaws.com`; `Ref` of a resource or parameter to its logical id; `Fn::GetAtt [X, Arn]` to
 * `arn:aws:lambda:us-east-1:123456789012:function:X` for a Lambda function and to a made-up ARN of the right service
 * otherwise. `Fn::Join`, `Fn::Sub` and `DefinitionSubstitutions` are applied.
 *
 * @param template the template, e.g. `Template.fromStack(stack).toJSON()`
 * @param logicalId the state machine to read; when omitted, the template must have exactly one
 * @throws Error when the state machine cannot be found or a token cannot be resolved
 */
export function stateMachineDefinitionFromTemplate(
  template: Readonly<Record<string, unknown>>,
  logicalId?: string,
): AslDefinition {
  const resources = (template.Resources ?? {}) as Resources;
  const [id, stateMachine] = findStateMachine(resources, logicalId);
  const properties = stateMachine.Properties ?? {};
  const source = properties.DefinitionString;
  if (source === undefined) {
    throw new Error(
      `The state machine ${id} has no DefinitionString; definitions in \`Definition\` or an S3 location are not read.`,
    );
  }

  let text = resolveToString(source, resources, `${id}.DefinitionString`);
  const substitutions = (properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(substitutions)) {
    const resolved = resolveToString(value, resources, `${id}.DefinitionSubstitutions.${name}`);
    text = text.split(`\${${name}}`).join(resolved);
  }

  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message;
    throw new Error(`The definition of state machine ${id} is not valid JSON once resolved: ${reason}`);
  }
  if (!isAslDefinition(definition)) {
    throw new Error(`The definition of state machine ${id} has no \`StartAt\` and \`States\`.`);
  }
  return definition;
}

/** Whether a value has the two fields every Amazon States Language definition has. */
export function isAslDefinition(value: unknown): value is AslDefinition {
  return typeof value === 'object' && value !== null
    && typeof (value as { StartAt?: unknown }).StartAt === 'string'
    && typeof (value as { States?: unknown }).States === 'object'
    && (value as { States?: unknown }).States !== null;
}

function findStateMachine(
  resources: Resources,
  logicalId: string | undefined,
): [string, TemplateResource] {
  const machines = Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine');
  if (logicalId !== undefined) {
    const match = machines.find(([id]) => id === logicalId);
    if (!match) {
      const known = machines.map(([id]) => id).join(', ') || 'none';
      throw new Error(`The template has no state machine with logical id ${logicalId}; its state machines: ${known}.`);
    }
    return match;
  }
  if (machines.length !== 1) {
    const known = machines.map(([id]) => id).join(', ');
    throw new Error(
      `The template has ${machines.length} state machines${known ? ` (${known})` : ''}; `
      + 'pass the logical id of the one to read.',
    );
  }
  return machines[0];
}

function resolveToString(value: unknown, resources: Resources, where: string): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length !== 1) {
    throw new Error(`Cannot resolve ${JSON.stringify(value)} at ${where} to a string.`);
  }

  const [intrinsic, argument] = Object.entries(value)[0];
  switch (intrinsic) {
    case 'Ref':
      return resolveRef(argument, where);
    case 'Fn::GetAtt':
      return resolveGetAtt(argument, resources, where);
    case 'Fn::Join': {
      if (!Array.isArray(argument) || argument.length !== 2 || typeof argument[0] !== 'string'
        || !Array.isArray(argument[1])) {
        throw new Error(`Fn::Join at ${where} must be [delimiter, [values]], got ${JSON.stringify(argument)}.`);
      }
      const parts = argument[1] as unknown[];
      return parts.map((part, index) => resolveToString(part, resources, `${where}[${index}]`)).join(argument[0]);
    }
    case 'Fn::Sub':
      return resolveSub(argument, resources, where);
    default:
      throw new Error(`The harness cannot resolve ${intrinsic} at ${where}: ${JSON.stringify(argument)}.`);
  }
}

function resolveRef(target: unknown, where: string): string {
  if (typeof target !== 'string') {
    throw new Error(`Ref at ${where} must name a parameter or resource, got ${JSON.stringify(target)}.`);
  }
  if (target in PSEUDO_PARAMETERS) {
    return PSEUDO_PARAMETERS[target];
  }
  if (target.startsWith('AWS::')) {
    throw new Error(`The harness has no value for the pseudo parameter ${target} at ${where}.`);
  }
  return target;
}

function resolveGetAtt(argument: unknown, resources: Resources, where: string): string {
  const [logicalId, attribute] = typeof argument === 'string' ? argument.split(/\.(.*)/s) : (argument as unknown[]);
  if (typeof logicalId !== 'string' || typeof attribute !== 'string') {
    throw new Error(`Fn::GetAtt at ${where} must be [logicalId, attribute], got ${JSON.stringify(argument)}.`);
  }
  const resource = resources[logicalId];
  if (!resource) {
    throw new Error(`Fn::GetAtt at ${where} refers to ${logicalId}, which is not a resource of the template.`);
  }
  if (attribute !== 'Arn') {
    throw new Error(`The harness can resolve only the Arn attribute; ${where} asks for ${logicalId}.${attribute}.`);
  }
  return fakeArn(logicalId, resource.Type ?? '');
}

function resolveSub(argument: unknown, resources: Resources, where: string): string {
  const [text, variables] = typeof argument === 'string' ? [argument, {}] : (argument as [unknown, unknown]);
  if (typeof text !== 'string' || typeof variables !== 'object' || variables === null) {
    throw new Error(`Fn::Sub at ${where} must be a string or [string, variables], got ${JSON.stringify(argument)}.`);
  }
  return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
    if (name in variables) {
      return resolveToString((variables as Record<string, unknown>)[name], resources, `${where}.${name}`);
    }
    const [target, attribute] = name.split(/\.(.*)/s);
    return attribute
      ? resolveGetAtt([target, attribute], resources, where)
      : resolveRef(target, where);
  });
}

/** A made-up ARN of the right service for a resource, Lambda functions in the form Step Functions invokes. */
function fakeArn(logicalId: string, type: string): string {
  const prefix = `arn:${HARNESS_PARTITION}`;
  if (type === 'AWS::Lambda::Function') {
    return `${prefix}:lambda:${HARNESS_REGION}:${HARNESS_ACCOUNT}:function:${logicalId}`;
  }
  const [, service = 'unknown', kind = 'resource'] = type.split('::');
  if (service === 'IAM') {
    return `${prefix}:iam::${HARNESS_ACCOUNT}:${kind.toLowerCase()}/${logicalId}`;
  }
  return `${prefix}:${service.toLowerCase()}:${HARNESS_REGION}:${HARNESS_ACCOUNT}:${kind.toLowerCase()}/${logicalId}`;
}
