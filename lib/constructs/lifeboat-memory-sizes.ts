import { type IAspect } from 'aws-cdk-lib';
import { type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { type IConstruct } from 'constructs';
import { functionMemoryIssue } from '../../config/lifeboat-handlers';
import { InvalidLifeboatPropsError } from './invalid-props-error';
import { LifeboatFunction } from './lifeboat-function';

/**
 * Memory sizes of Lifeboat's functions by handler name, in place of FUNCTION_SIZING's defaults, for
 * the functions under the construct it is added to. LifeboatProtection's `functionMemory` adds it to
 * the protection and its part of the DR stack; apps that assemble the workflows themselves add it:
 *
 * ```ts
 * Aspects.of(scope).add(new LifeboatMemorySizes({ 'prune-vault': 6144, 'snapshot-shard': 4096 }));
 * ```
 *
 * What a `VaultIndexTooLargeError` asks for: every function loads the vault's blob index within its
 * memory (docs/SCALE.md, "Index per shard"), so a vault that outgrew a function's default needs a
 * larger size there. Lambda gives CPU in proportion to memory, and bills GB-seconds: a larger shard
 * also runs faster, and costs more per second.
 */
export class LifeboatMemorySizes implements IAspect {
  private readonly sizes: ReadonlyMap<string, number>;

  /** `construct` names who gave the sizes in an error (a LifeboatProtection's functionMemory). */
  constructor(sizes: Readonly<Record<string, number>>, construct = 'LifeboatMemorySizes') {
    const issues = Object.entries(sizes).flatMap(([name, size]) => functionMemoryIssue(name, size) ?? []);
    if (issues.length > 0) throw new InvalidLifeboatPropsError(construct, issues);
    this.sizes = new Map(Object.entries(sizes));
  }

  visit(node: IConstruct): void {
    if (!(node instanceof LifeboatFunction)) return;
    const size = this.sizes.get(node.handlerName);
    if (size !== undefined) (node.node.defaultChild as CfnFunction).memorySize = size;
  }
}
