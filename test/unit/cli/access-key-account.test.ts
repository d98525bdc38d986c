import { describe, expect, it } from '@jest/globals';
import { accessKeyAccount, roleArnAccount } from '../../../cli/access-key-account';

/** The account the copy of a stack's environment is kept for (review r60N F4), known offline from the credentials. */
describe('accessKeyAccount', () => {
  it("reads the account of the published example (Aidan Steele's and Tal Be'ery's: sts:GetAccessKeyInfo's answer)", () => {
    expect(accessKeyAccount('ASIAY34FZKBOKMUTVV7A')).toBe('609629065308');
    // psanford/aws-account-id-from-key's example.
    expect(accessKeyAccount('ASIAVJ2E6QGR2WZILJFM')).toBe('364679954851');
  });

  // Review r61B F1: an id of the old format does not encode its account (bit 47 clear: AKIAI…, AKIAJ…, ASIAJ…).
  it('gives no account for an id of the old format, rather than a made-up one', () => {
    expect(accessKeyAccount('AKIAIOSFODNN7EXAMPLE')).toBeUndefined();
    expect(accessKeyAccount('AKIAJ2ZQ4XKZ3RLP5YQA')).toBeUndefined();
    expect(accessKeyAccount('ASIAJ2ZQ4XKZ3RLP5YQA')).toBeUndefined();
    expect(accessKeyAccount('ASIAIXXXXXXXXXXXXXXX')).toBeUndefined();
  });

  it('gives no account for an id of another format', () => {
    expect(accessKeyAccount('test')).toBeUndefined();
    expect(accessKeyAccount('AKIA0000000000000000')).toBeUndefined();
    expect(accessKeyAccount('AROAY34FZKBOKMUTVV7A')).toBeUndefined();
  });
});

describe('roleArnAccount', () => {
  it("gives a role ARN's account, and nothing for another text", () => {
    expect(roleArnAccount('arn:aws:iam::111111111111:role/github-deploy')).toBe('111111111111');
    expect(roleArnAccount('arn:aws-us-gov:iam::222222222222:role/path/deploy')).toBe('222222222222');
    expect(roleArnAccount('deploy')).toBeUndefined();
  });
});
