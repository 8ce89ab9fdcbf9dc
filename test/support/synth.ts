import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AwsSolutionsChecks } from 'cdk-nag';

/** One cdk-nag finding, reduced to what a reader needs: which rule, on which resource. */
export interface NagFinding {
  readonly rule: string;
  readonly resource: string;
}

/** Runs the cdk-nag AwsSolutions pack over `stack` and returns every finding that is not acknowledged. */
export function nagFindings(stack: Stack): NagFinding[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      resource: resource.constructPath ?? resource.resourceLogicalId ?? '',
    })));
}

/**
 * The stack's template with the asset hash in Lambda code keys replaced by a placeholder, so that a jest snapshot
 * changes only when the template itself does, not each time the handler is rebuilt.
 */
export function maskedTemplate(stack: Stack): unknown {
  const json = JSON.stringify(Template.fromStack(stack).toJSON());
  return JSON.parse(json.replace(/[0-9a-f]{64}(\.zip)?/g, (_match, zip) => `<asset-hash>${zip ?? ''}`));
}

/**
 * Test stacks that cdk-nag checks after each test: call `newStack()` in a test, and every stack it made is checked
 * for unacknowledged AwsSolutions findings once the test ends.
 */
export function nagCheckedStacks(stackName: string): (env?: { account: string; region: string }) => Stack {
  const stacks: Stack[] = [];
  afterEach(() => {
    for (const stack of stacks.splice(0)) {
      expect(nagFindings(stack)).toEqual([]);
    }
  });
  return (env = { account: '123456789012', region: 'us-east-1' }) => {
    const stack = new Stack(new App(), stackName, { env });
    stacks.push(stack);
    return stack;
  };
}

/** An Aurora cluster imported by identifier, as most users of the library will have it. */
export function importedCluster(stack: Stack, identifier = 'orders-db'): rds.IDatabaseCluster {
  return rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, `Cluster-${identifier}`, {
    clusterIdentifier: identifier,
  });
}
