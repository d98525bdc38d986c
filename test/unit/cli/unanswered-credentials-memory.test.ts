import { expect, it } from '@jest/globals';
import { RememberedUnanswered, rememberingUnanswered, UNANSWERED_REMEMBERED_MS } from '../../../cli/unanswered-credentials-memory';

/** Review r62G F2: a provider's silence is remembered for a while, its other failures are not. */
function failing(message: string): { provider: () => Promise<string>; asks: () => number } {
  let asks = 0;
  const provider = (): Promise<string> => {
    asks += 1;
    return Promise.reject(Object.assign(new Error(message), { name: 'CredentialsProviderError' }));
  };
  return { provider, asks: () => asks };
}

it('throws an unanswered failure again without asking within the window, and asks again after it', async () => {
  let clock = 1_000_000;
  const silent = failing('TimeoutError: Connection timed out after 10000 ms (requestTimeout)');
  const remembering = rememberingUnanswered(silent.provider, () => clock);
  const first = await remembering().catch((err: unknown) => err);
  clock += UNANSWERED_REMEMBERED_MS - 1;
  await expect(remembering()).rejects.toBe(first);
  expect(silent.asks()).toBe(1);
  clock += 1;
  await expect(remembering()).rejects.toThrow(/requestTimeout/);
  expect(silent.asks()).toBe(2);
});

it('asks again at once after a failure that was an answer (access denied, an expired token)', async () => {
  const refused = failing('AccessDeniedException: No access');
  const remembering = rememberingUnanswered(refused.provider, () => 0);
  await expect(remembering()).rejects.toThrow(/No access/);
  await expect(remembering()).rejects.toThrow(/No access/);
  expect(refused.asks()).toBe(2);
});

it('forgets the silence once the provider answers', async () => {
  let clock = 0;
  let answer = false;
  const remembering = rememberingUnanswered(
    () => (answer ? Promise.resolve('credentials') : Promise.reject(Object.assign(new Error('TimeoutError: socket hang up'), { name: 'CredentialsProviderError' }))),
    () => clock,
  );
  await expect(remembering()).rejects.toThrow(/socket hang up/);
  clock += UNANSWERED_REMEMBERED_MS;
  answer = true;
  await expect(remembering()).resolves.toBe('credentials');
  answer = false;
  await expect(remembering()).rejects.toThrow(/socket hang up/);
});

it("throws a shared failure to another region's provider without asking it, but not to one that holds valid credentials", async () => {
  // Review r62N F2: the SSO portal's silence is the same whichever region's provider asks it.
  const shared = new RememberedUnanswered();
  const credentials = { accessKeyId: 'ASIA', secretAccessKey: 's', expiration: new Date(3_600_000) };
  let served = 0;
  const holding = rememberingUnanswered(() => ((served += 1), Promise.resolve(credentials)), () => 0, shared);
  await holding();
  const silent = failing('TimeoutError: Connection timed out after 10000 ms (requestTimeout)');
  const portalSilence = await rememberingUnanswered(silent.provider, () => 0, shared)().catch((err: unknown) => err);
  const other = failing('TimeoutError: socket hang up');
  await expect(rememberingUnanswered(other.provider, () => 0, shared)()).rejects.toBe(portalSilence);
  expect(other.asks()).toBe(0);
  // The provider that got credentials valid for an hour is still asked: the SDK serves them without the portal.
  await expect(holding()).resolves.toBe(credentials);
  expect(served).toBe(2);
});
