/** The account, region and EFS file system the infra tests' "user's app" deploys with (no lookups: synth stays offline). */
export const USER_APP_ENV = { account: '111111111111', region: 'eu-west-1' };

export const USER_APP_EFS = {
  fileSystemId: 'fs-0123456789abcdef0',
  accessPointId: 'fsap-0123456789abcdef0',
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: ['subnet-0123456789abcdef0'],
  securityGroupId: 'sg-0123456789abcdef0',
};
