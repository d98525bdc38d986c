import { compareTemplates, describeDifference, templatesMatch } from '../../../cli/doctor/template-comparison';

const synthesized = {
  Description: 'Lifeboat dev',
  Resources: {
    Vault: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'v', Tags: [{ Key: 'a', Value: '1' }] }, Metadata: { 'aws:asset:path': 'asset.1' } },
    Fn: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Key: 'aaaa.zip' }, Runtime: 'nodejs24.x' } },
  },
  Outputs: { VaultBucketName: { Value: { Ref: 'Vault' } } },
};

describe('deployed template against synthesized template', () => {
  it('matches a deploy of the same template: key order, resource Metadata and cdk deploy\'s version reporting do not count', () => {
    const deployed = {
      Outputs: { VaultBucketName: { Value: { Ref: 'Vault' } } },
      Resources: {
        Fn: { Properties: { Runtime: 'nodejs24.x', Code: { S3Key: 'aaaa.zip' } }, Type: 'AWS::Lambda::Function' },
        Vault: { Type: 'AWS::S3::Bucket', Properties: { Tags: [{ Key: 'a', Value: '1' }], BucketName: 'v' }, Metadata: { 'aws:cdk:path': 'other/machine' } },
        CDKMetadata: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'v2:x' }, Condition: 'CDKMetadataAvailable' },
      },
      Conditions: { CDKMetadataAvailable: { 'Fn::Equals': [1, 1] } },
      Description: 'Lifeboat dev',
    };
    expect(templatesMatch(compareTemplates(deployed, synthesized))).toBe(true);
  });

  it('names what a deploy would change, add and remove, and the other sections that differ', () => {
    const deployed = {
      ...synthesized,
      Resources: {
        // New handler code is a new asset hash: the stack is not current.
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Key: 'bbbb.zip' }, Runtime: 'nodejs24.x' } },
        Old: { Type: 'AWS::SNS::Topic' },
      },
      Outputs: {},
    };
    const difference = compareTemplates(deployed, synthesized);
    expect(difference).toEqual({ added: ['Vault'], removed: ['Old'], changed: ['Fn'], sections: ['Outputs'] });
    expect(templatesMatch(difference)).toBe(false);
    expect(describeDifference(difference)).toBe('changed Fn; added Vault; removed Old; sections Outputs');
  });

  it('lists at most three ids of a kind', () => {
    expect(describeDifference({ added: [], removed: [], changed: ['A', 'B', 'C', 'D', 'E'], sections: [] })).toBe('changed A, B, C (+2 more)');
  });
});
