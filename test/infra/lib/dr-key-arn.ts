import { type Template } from 'aws-cdk-lib/assertions';

/**
 * How the primary stack names the DR key that `aliasName` (in the DR stack) points at:
 * `{"Fn::GetAtt":["<lookup>","Arn"]}` of the Custom::LifeboatKeyArn that reads that key's id from
 * the DR stack (lib/constructs/dr-key-arns.ts). Throws when there is no such lookup.
 */
export function drKeyArnRef(primary: Template, dr: Template, aliasName: string): { 'Fn::GetAtt': [string, 'Arn'] } {
  const alias = Object.values(dr.findResources('AWS::KMS::Alias', { Properties: { AliasName: aliasName } }))[0];
  const target = alias?.Properties?.TargetKeyId as { 'Fn::GetAtt'?: [string, string]; Ref?: string } | undefined;
  const keyId = target?.['Fn::GetAtt']?.[0] ?? target?.Ref;
  if (keyId === undefined) throw new Error(`the DR stack has no key with alias ${aliasName}`);
  const lookups = Object.entries(primary.findResources('Custom::LifeboatKeyArn')).filter(([, r]) => r.Properties?.LogicalResourceId === keyId);
  if (lookups.length !== 1 || !lookups[0]) throw new Error(`the primary stack has ${lookups.length} lookups of DR key ${keyId} (${aliasName}), not 1`);
  return { 'Fn::GetAtt': [lookups[0][0], 'Arn'] };
}
