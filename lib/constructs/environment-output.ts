import { CfnOutput, Stack, Token } from 'aws-cdk-lib';
import { type Construct } from 'constructs';
import {
  ENVIRONMENT_OUTPUT_HEAD,
  type EnvironmentOutput,
  environmentOutputKey,
  environmentOutputPartKey,
  MAX_OUTPUT_PARTS,
  OUTPUT_VALUE_LIMIT,
} from '../../config/protection-environment';
import { InvalidLifeboatPropsError } from './invalid-props-error';

/**
 * The longest a token of the environment may resolve to, counted for each one: every token there is a name (a source's
 * bucket, at most 63 characters, or table, at most 255; the account; a region), none needing escapes in JSON.
 */
const LONGEST_RESOLVED_TOKEN = 255;

/** One piece of the environment's JSON as CloudFormation joins it: text, or an intrinsic (a Ref, a GetAtt…) it resolves at deploy. */
type Piece = string | object;

/**
 * The outputs that give the CLI this protection's environment (config/protection-environment.ts), in the protection's
 * stack: its JSON with every token (a source's generated name) left for CloudFormation to resolve, cut into parts of
 * at most OUTPUT_VALUE_LIMIT bytes as they resolve at their longest. Refused (InvalidLifeboatPropsError) when
 * another protection of the stack has the same output key, or when it would take more than MAX_OUTPUT_PARTS parts.
 */
export function addEnvironmentOutputs(scope: Construct, output: Omit<EnvironmentOutput, 'lifeboatEnvironment' | 'parts'>): void {
  const stack = Stack.of(scope);
  const key = environmentOutputKey(output.deployment.prefix);
  const taken = stack.node.findAll().find((c): c is CfnOutput => c instanceof CfnOutput && stack.resolve(c.logicalId) === key);
  if (taken !== undefined) {
    throw new InvalidLifeboatPropsError(`LifeboatProtection ${scope.node.path}`, [
      `prefix: "${output.deployment.prefix}" gives the output ${key}, which ${taken.node.path} has already: give the protections of one stack prefixes that differ in more than their dashes`,
    ]);
  }
  // The count of parts is in the first part's text: cut again until the count the text says is the count it takes.
  let parts = 1;
  let cut = cutPieces(piecesOf(stack, output, parts));
  for (let attempt = 0; cut.length !== parts && attempt < 3; attempt++) {
    parts = cut.length;
    cut = cutPieces(piecesOf(stack, output, parts));
  }
  if (cut.length > MAX_OUTPUT_PARTS || cut.length !== parts) {
    throw new InvalidLifeboatPropsError(`LifeboatProtection ${scope.node.path}`, [
      `plans: the environment the CLI reads from the stack's outputs would take ${cut.length} outputs of ${OUTPUT_VALUE_LIMIT} bytes, more than ${MAX_OUTPUT_PARTS}: split the plans among protections of their own prefixes`,
    ]);
  }
  cut.forEach((pieces, i) => {
    const id = i === 0 ? key : environmentOutputPartKey(key, i + 1);
    const value = pieces.every((p) => typeof p === 'string') ? pieces.join('') : Token.asString({ 'Fn::Join': ['', pieces] });
    const part = new CfnOutput(scope, id, {
      value,
      // Literal text only: a token in a Description (a NestedStack's name is one) is refused by CloudFormation.
      description: `Lifeboat ${output.deployment.prefix}: the environment \`lifeboat … --stack <this stack's name> --aws\` reads (part ${i + 1} of ${cut.length})`,
    });
    part.overrideLogicalId(id);
  });
}

/** The environment's JSON as the pieces CloudFormation joins: text and intrinsics, in order. */
function piecesOf(stack: Stack, output: Omit<EnvironmentOutput, 'lifeboatEnvironment' | 'parts'>, parts: number): Piece[] {
  const json: unknown = stack.resolve(stack.toJsonString({ lifeboatEnvironment: 1, parts, deployment: output.deployment, environment: output.environment }));
  const pieces = typeof json === 'string' ? [json] : joinedPieces(json);
  const first = pieces[0];
  if (typeof first !== 'string' || !first.startsWith(`${ENVIRONMENT_OUTPUT_HEAD}${parts},`)) throw new Error(`the environment output of ${stack.stackName} does not start with ${ENVIRONMENT_OUTPUT_HEAD}`);
  return pieces;
}

/** The pieces of an `Fn::Join` with the empty separator, as toJsonString resolves with tokens in it. */
function joinedPieces(json: unknown): Piece[] {
  if (typeof json === 'object' && json !== null && 'Fn::Join' in json) {
    const join: unknown = json['Fn::Join'];
    if (Array.isArray(join) && join[0] === '' && Array.isArray(join[1])) return (join[1] as unknown[]).map((p) => (typeof p === 'string' ? p : (p as object)));
  }
  throw new Error(`toJsonString resolved to neither text nor an Fn::Join: ${JSON.stringify(json)}`);
}

/** The pieces cut into parts of at most OUTPUT_VALUE_LIMIT bytes each, an intrinsic counted at its longest and never cut. */
function cutPieces(pieces: readonly Piece[]): Piece[][] {
  const parts: Piece[][] = [[]];
  let room = OUTPUT_VALUE_LIMIT;
  const current = (): Piece[] => parts[parts.length - 1] as Piece[];
  const next = () => {
    parts.push([]);
    room = OUTPUT_VALUE_LIMIT;
  };
  for (const piece of pieces) {
    if (typeof piece !== 'string') {
      if (room < LONGEST_RESOLVED_TOKEN) next();
      current().push(piece);
      room -= LONGEST_RESOLVED_TOKEN;
      continue;
    }
    let text = piece;
    while (text.length > 0) {
      const taken = prefixOfBytes(text, room);
      if (taken.length === 0) {
        next();
        continue;
      }
      current().push(taken);
      room -= Buffer.byteLength(taken);
      text = text.slice(taken.length);
    }
  }
  return parts.filter((p) => p.length > 0);
}

/** The longest start of `text` of at most `bytes` UTF-8 bytes that cuts no character (nor a surrogate pair) in two. */
function prefixOfBytes(text: string, bytes: number): string {
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (used + size > bytes) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end);
}
