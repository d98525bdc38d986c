import { isUnanswered, mentionsUnanswered } from '../../../cli/unanswered-endpoint';

/** One list of "the endpoint did not answer", for an error object (isUnanswered) and for an error told as text (mentionsUnanswered). */
describe('an endpoint that did not answer', () => {
  it('is told by the error code Node gives a refused, dropped or unresolvable connection, and by the SDK timeout', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']) {
      expect(isUnanswered(Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code }))).toBe(true);
      expect(mentionsUnanswered(`TransientError {"errorMessage":"Error: connect ${code} 10.0.0.1:443"}`)).toBe(true);
    }
    expect(isUnanswered(Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' }))).toBe(true);
    expect(mentionsUnanswered('TimeoutError: Connection timed out after 10000 ms')).toBe(true);
    expect(mentionsUnanswered('Error: socket hang up')).toBe(true);
    expect(mentionsUnanswered('Could not connect to the endpoint URL')).toBe(true);
  });

  it('is not an endpoint that answered with an error', () => {
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(isUnanswered(denied)).toBe(false);
    expect(isUnanswered('ECONNREFUSED')).toBe(false);
    expect(mentionsUnanswered('AccessDenied: Access Denied')).toBe(false);
    expect(mentionsUnanswered('UnknownBackupError: no backup b-1 in the catalog')).toBe(false);
    // A code inside a word is not the code: the default CodePipeline artifact bucket holds "epipe".
    expect(mentionsUnanswered('BucketOwnerMismatchError: bucket codepipeline-us-east-1-123456789012: S3 answered PutObjectCommand with 403 AccessDenied')).toBe(false);
    expect(mentionsUnanswered('Error: write EPIPE')).toBe(true);
  });
});
