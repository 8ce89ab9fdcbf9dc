import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
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
