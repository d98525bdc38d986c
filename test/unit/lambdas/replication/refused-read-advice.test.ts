import { describe, expect, it } from '@jest/globals';
import { refusedReadAdvice, refusedSourceReadReason } from '../../../../lambdas/replication/refused-read-advice';

const s3Error = (name: string, words: string): Error => Object.assign(new Error(words), { name, $metadata: { httpStatusCode: 403 } });
const FOR = 'index object index/ab, which the damage mapping reads to name the backups an unrepaired object hurts';

describe('refusedReadAdvice', () => {
  it("keeps a repair's advice when the run is not said", () => {
    expect(refusedReadAdvice('dr', 's3:GetObject', FOR, s3Error('AccessDenied', 'Access Denied'))).toEqual({
      action: 's3:GetObject',
      advice: `these credentials lack s3:GetObject on the dr vault's ${FOR}: scrub with repair again with credentials that have it`,
    });
  });

  // Review r64B F3: a 403 for the clock or the credentials' key was advised credentials "that have" the permission.
  it('says the clock for RequestTimeTooSkewed, and the key for InvalidAccessKeyId and SignatureDoesNotMatch, not a missing permission', () => {
    const skew = refusedReadAdvice('dr', 's3:GetObject', FOR, s3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'), { repair: false });
    expect(skew).toEqual({
      action: 's3:GetObject',
      advice: "S3 refused the request for its time, not for a permission (RequestTimeTooSkewed): the clock of the machine the scrub ran on is more than 15 minutes off S3's; set it right (NTP), then scrub again",
    });
    expect(refusedReadAdvice('primary', 's3:GetObject', FOR, s3Error('InvalidAccessKeyId', 'no such key')).advice).toMatch(/^S3 knows no such access key \(InvalidAccessKeyId\), whatever its permissions: .*; scrub with repair again with valid credentials$/);
    expect(refusedReadAdvice('primary', 's3:GetObject', FOR, s3Error('SignatureDoesNotMatch', 'no match')).advice).toMatch(/^the request's signature does not match its access key \(SignatureDoesNotMatch\)/);
    expect(refusedReadAdvice('primary', 's3:GetObject', FOR, s3Error('AllAccessDisabled', 'All access to this object has been disabled')).advice).toBe(
      'S3 answered 403 AllAccessDisabled, which is no want of a permission: put right what its words say, then scrub with repair again',
    );
  });

  it("says the clock for a repair's read of the other vault's copy too", () => {
    const reason = refusedSourceReadReason('dr', 'body', s3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'));
    expect(reason).toContain('(RequestTimeTooSkewed): the clock of the machine the scrub ran on is more than 15 minutes off');
    expect(reason).not.toContain('credentials lack');
  });

  // Review r64B F4: a run without repair was advised to scrub with repair, a run that writes.
  // Review r64K F4: the other vault alone was offered without its bound: once it finds damage there, the mapping reads the
  // refused vault too and stops the same way.
  it('words the run again as the run was: a scrub without repair, and the other vault alone for a run of both', () => {
    const words = 'User: arn:aws:sts::1:assumed-role/r/x is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::v/index/ab" with an explicit deny in a service control policy';
    const readOnly = refusedReadAdvice('dr', 's3:GetObject', FOR, s3Error('AccessDenied', words), { repair: false, scope: 'both' }).advice;
    expect(readOnly).not.toContain('with repair');
    expect(readOnly).toMatch(/then scrub again; until then each scrub of both vaults stops here, but the primary vault can be scrubbed alone meanwhile \(`lifeboat scrub --vault primary`\) until it finds an object damaged or missing there: naming the backups that hurts reads the dr vault too, and stops the same way$/);
    const repairing = refusedReadAdvice('primary', 's3:GetObject', FOR, s3Error('AccessDenied', 'Access Denied'), { repair: true, scope: 'both' }).advice;
    expect(repairing).toBe(`these credentials lack s3:GetObject on the primary vault's ${FOR}: scrub with repair again with credentials that have it; until then each scrub of both vaults stops here, but the dr vault can be scrubbed alone meanwhile (\`lifeboat scrub --vault dr --repair\`) until it finds an object damaged or missing there: naming the backups that hurts reads the primary vault too, and stops the same way`);
    expect(refusedReadAdvice('dr', 's3:GetObject', FOR, s3Error('AccessDenied', 'Access Denied'), { repair: false, scope: 'dr' }).advice).toBe(
      `these credentials lack s3:GetObject on the dr vault's ${FOR}: scrub again with credentials that have it`,
    );
  });
});
