import { Stack, Token } from 'aws-cdk-lib';

/**
 * The start of every schedule id of a stack: the deployed name of its top-level stack, then the path below it.
 * Stack names are unique in an account and region, so two apps never share schedule ids.
 */
export function ownershipScope(stack: Stack): string {
  let root = stack;
  while (root.nestedStackParent) {
    root = root.nestedStackParent;
  }
  const rootName = Token.isUnresolved(root.stackName) ? root.node.path : root.stackName;
  const below = stack === root ? '' : stack.node.path.slice(root.node.path.length);
  return `${rootName}${below}`;
}
