import { type STSClient } from '@aws-sdk/client-sts';
import { checkCredentials } from '../../../cli/doctor/access-checks';
import { type DoctorContext } from '../../../cli/doctor/doctor-context';
import { credentialsUnansweredWords, CredentialsUnansweredError } from '../../../cli/credentials-unanswered';

/**
 * The doctor's credentials check when the credentials' provider did not answer (an SSO profile's portal down): its
 * detail said to use other credentials, such as break-glass keys, and its fix `aws sso login`, which asks the portal
 * that is down (review r62J F5). The fix now names other credentials as the detail does.
 */

const ACCOUNT = '000000000000';
// checkCredentials reads the environment's account, regions and name, and the config file a fix names.
const ctx = { environment: { name: 'dev', account: ACCOUNT, primaryRegion: 'us-east-1', drRegion: 'us-west-2' }, request: { configFile: 'lifeboat.config.json' } } as unknown as DoctorContext;

/** STS of every region failing with `err`, as a client whose credentials could not be had fails every request. */
function stsFailing(err: Error): (region: string) => STSClient {
  return () => ({ send: () => Promise.reject(err) }) as unknown as STSClient;
}

/** The SDK's error of an SSO provider whose portal timed out, as fromSSO gives it. */
function providerTimedOut(): Error {
  const err = new Error('TimeoutError: Connection timed out after 1000 ms');
  err.name = 'CredentialsProviderError';
  return err;
}

const OTHER_CREDENTIALS = `use other credentials of account ${ACCOUNT}, such as break-glass keys (AWS_PROFILE=<a profile with an access key of the account>, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY with AWS_PROFILE unset: the SDK takes AWS_PROFILE over them): not \`aws sso login\`, which asks the provider that did not answer (an SSO profile's portal)`;

it('a provider that did not answer, in the run credentials\' words: the fix names other credentials, not `aws sso login`', async () => {
  const cause = providerTimedOut();
  const err = new CredentialsUnansweredError(credentialsUnansweredWords(cause, { who: 'profile-sso-prod', account: ACCOUNT }), { cause });
  const result = await checkCredentials(stsFailing(err), ctx);
  expect(result).toMatchObject({ name: 'credentials', verdict: 'fail', detail: expect.stringContaining('such as break-glass keys') as unknown, fix: OTHER_CREDENTIALS });
});

it("a provider that did not answer, as the SDK's own error: the same fix", async () => {
  expect(await checkCredentials(stsFailing(providerTimedOut()), ctx)).toMatchObject({ verdict: 'fail', fix: OTHER_CREDENTIALS });
});

it('credentials that do not work: the fix still says how to configure them', async () => {
  const err = new Error('Could not load credentials from any providers');
  err.name = 'CredentialsProviderError';
  expect(await checkCredentials(stsFailing(err), ctx)).toMatchObject({
    verdict: 'fail',
    detail: expect.stringContaining('no working AWS credentials') as unknown,
    fix: `configure credentials of account ${ACCOUNT} (\`aws configure\`, \`aws sso login\`, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)`,
  });
});
