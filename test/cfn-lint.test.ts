import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { exampleApp } from './support/example-app';

/**
 * cfn-lint checks the synthesized example template against the CloudFormation resource specification.
 * W3005 (a DependsOn that CDK adds although a reference already implies it) is ignored.
 */
test('cfn-lint passes on the synthesized example template', () => {
  // GIVEN
  const dir = mkdtempSync(path.join(tmpdir(), 'cfn-lint-'));
  const file = path.join(dir, 'AuroraSnapshotsExample.template.json');
  writeFileSync(file, JSON.stringify(Template.fromStack(exampleApp().stack).toJSON(), null, 1));

  // WHEN
  const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', file], { encoding: 'utf-8' });
  rmSync(dir, { recursive: true, force: true });

  // THEN
  if (result.error) {
    throw new Error(`cfn-lint could not be run (${result.error.message}); install it with \`pip install cfn-lint\`.`);
  }
  expect(`${result.stdout}${result.stderr}`).toEqual('');
  expect(result.status).toEqual(0);
});
