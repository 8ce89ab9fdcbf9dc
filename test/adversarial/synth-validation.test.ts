import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AuroraSnapshotSchedule, AuroraSnapshotScheduleProps } from '../../src';

/**
 * Props that synthesize today but make every run fail (or grant the wrong thing) once deployed. The library
 * promises that bad input fails at synth with an error naming the prop and the value.
 */
const ENV = { account: '123456789012', region: 'us-east-1' };

function schedule(props: Partial<AuroraSnapshotScheduleProps> = {}, id = 'Nightly', stackId = 'Synth'): Stack {
  const app = new App();
  const stack = new Stack(app, stackId, { env: ENV });
  new AuroraSnapshotSchedule(stack, id, {
    cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'C', { clusterIdentifier: 'orders-db' }),
    ...props,
  });
  return stack;
}

function synth(stack: Stack): Record<string, any> {
  return Template.fromStack(stack).toJSON();
}

describe('tags RDS refuses on CreateDBClusterSnapshot', () => {
  // RDS tag keys are 1-128 and values 0-256 characters of letters, digits, white space and _ . : / = + - @, and
  // neither may start with aws: or rds:; a resource holds at most 50 tags, and the library adds two or three.
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Tag.html
  test.each<[string, Record<string, string>, RegExp]>([
    ['a key longer than 128 characters', { ['k'.repeat(129)]: 'v' }, /tags.*k{129}/s],
    ['a value longer than 256 characters', { team: 'v'.repeat(257) }, /tags.*team/s],
    ['a value with "&" ("R&D")', { 'cost-center': 'R&D' }, /tags.*R&D/s],
    ['a key with "#"', { 'team#': 'orders' }, /tags.*team#/s],
    ['a key starting with "rds:", which RDS reserves like "aws:"', { 'rds:team': 'orders' }, /tags.*rds:team/s],
    ['49 tags, more than fit beside the library\'s own two (RDS allows 50)', Object.fromEntries(
      Array.from({ length: 49 }, (_, i) => [`tag${i}`, 'x'])), /tags.*49/s],
  ])('%s fails at synth naming the prop', (_name, tags, message) => {
    expect(() => synth(schedule({ tags }))).toThrow(message);
  });
});

test.each([['Orders (nightly)', /Orders \(nightly\)/], ['Nightly*', /Nightly\*/]])(
  'a construct id that is not a valid RDS tag value (%s) fails at synth: it becomes the ownership tag', (id, message) => {
    // The schedule id Synth/<id> is written as the cdk-aurora-snapshots:schedule tag on every snapshot.
    expect(() => synth(schedule({}, id))).toThrow(message);
  });

test('a snapshotPrefix from a CfnParameter is not turned into a broken literal "${token[...]}"', () => {
  const app = new App();
  const stack = new Stack(app, 'Param', { env: ENV });
  const prefix = new CfnParameter(stack, 'Prefix', { type: 'String' });
  let template: string | undefined;
  let error: Error | undefined;
  try {
    new AuroraSnapshotSchedule(stack, 'Nightly', {
      cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'C', { clusterIdentifier: 'orders-db' }),
      snapshotPrefix: prefix.valueAsString,
    });
    template = JSON.stringify(synth(stack));
  } catch (caught) {
    error = caught as Error;
  }
  // Either refused with a message naming snapshotPrefix, or the parameter flows into the template.
  if (error) {
    expect(error.message).toMatch(/snapshotPrefix/);
  } else {
    expect(/\$\{token\[/i.test(template!)).toBe(false);
  }
});

describe('the tag condition that guards deletes', () => {
  /** IAM StringLike: `*` any run of characters, `?` one character, `${*}` `${?}` `${$}` literal. */
  function stringLike(pattern: string, value: string): boolean {
    let regex = '';
    for (let i = 0; i < pattern.length; i++) {
      const rest = pattern.slice(i);
      const escape = /^\$\{([*?$])\}/.exec(rest);
      if (escape) {
        regex += `\\${escape[1]}`;
        i += 3;
      } else if (pattern[i] === '*') {
        regex += '.*';
      } else if (pattern[i] === '?') {
        regex += '.';
      } else {
        regex += pattern[i].replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
      }
    }
    return new RegExp(`^${regex}$`, 's').test(value);
  }

  function deleteConditions(template: Record<string, any>): string[] {
    const values: string[] = [];
    for (const resource of Object.values<any>(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') {
        continue;
      }
      for (const statement of resource.Properties.PolicyDocument.Statement) {
        if ([statement.Action].flat().includes('rds:DeleteDBClusterSnapshot')) {
          values.push(statement.Condition.StringLike['rds:cluster-snapshot-tag/cdk-aurora-snapshots:schedule']);
        }
      }
    }
    return values;
  }

  test('a stack id with a wildcard does not let the stack delete another stack\'s snapshots', () => {
    const app = new App();
    const stack = new Stack(app, 'Team*', { stackName: 'TeamStar', env: ENV });
    new AuroraSnapshotSchedule(stack, 'Nightly', {
      cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'C', { clusterIdentifier: 'orders-db' }),
    });
    const conditions = deleteConditions(synth(stack));
    expect(conditions.length).toBeGreaterThan(0);
    // TeamB/Nightly is another stack's schedule id
    expect(conditions.filter((condition) => stringLike(condition, 'TeamB/Nightly'))).toEqual([]);
  });

  test('non-issue: stack Prod does not match stack Prod-2', () => {
    const conditions = deleteConditions(synth(schedule({}, 'Nightly', 'Prod')));
    expect(conditions.filter((condition) => stringLike(condition, 'Prod-2/Nightly'))).toEqual([]);
    expect(conditions.every((condition) => stringLike(condition, 'Prod/Nightly'))).toBe(true);
  });
});
