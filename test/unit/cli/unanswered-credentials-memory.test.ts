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

it("forgets a shared failure when another region's provider gets new credentials from an ask begun after it", async () => {
  // Review r62Q F3: the portal back, a provider that refreshed through it forgot its own failure only, and the other
  // regions' providers were still thrown the portal's silence, unasked, for the rest of the minute.
  let clock = 0;
  let portalUp = false;
  const shared = new RememberedUnanswered();
  const portal = (): Promise<{ accessKeyId: string; expiration: Date }> =>
    portalUp ? Promise.resolve({ accessKeyId: 'ASIA', expiration: new Date(clock + 3_600_000) }) : Promise.reject(Object.assign(new Error('TimeoutError: socket hang up'), { name: 'CredentialsProviderError' }));
  // The primary region's provider holds credentials, so it still asks (the SDK refreshes them through the portal).
  portalUp = true;
  const primary = rememberingUnanswered(portal, () => clock, shared);
  await primary();
  portalUp = false;
  await expect(rememberingUnanswered(portal, () => clock, shared)()).rejects.toThrow(/socket hang up/);
  clock = 10_000;
  portalUp = true;
  await expect(primary()).resolves.toMatchObject({ accessKeyId: 'ASIA' });
  let drAsks = 0;
  const dr = rememberingUnanswered(() => ((drAsks += 1), portal()), () => clock, shared);
  await expect(dr()).resolves.toMatchObject({ accessKeyId: 'ASIA' });
  expect(drAsks).toBe(1);
});

it('keeps a shared failure when the provider that succeeds only served the credentials it held', async () => {
  // The SDK serves held credentials without asking the portal: that says nothing of the portal.
  const shared = new RememberedUnanswered();
  const held = { accessKeyId: 'ASIA', expiration: new Date(3_600_000) };
  const holding = rememberingUnanswered(() => Promise.resolve(held), () => 0, shared);
  await holding();
  const silence = await rememberingUnanswered(failing('TimeoutError: socket hang up').provider, () => 0, shared)().catch((err: unknown) => err);
  await expect(holding()).resolves.toBe(held);
  const other = failing('TimeoutError: socket hang up');
  await expect(rememberingUnanswered(other.provider, () => 0, shared)()).rejects.toBe(silence);
  expect(other.asks()).toBe(0);
});

it("remembers a role's STS silence in its own region's provider only, and throws the same error, not the credentials'", async () => {
  // Review r62T F4: unremembered, every client of the primary region asked its silent STS again (2 × requestTimeout).
  // Review r62Q F1: it stays STS's own TimeoutError, which the commands read as the region's silence.
  const shared = new RememberedUnanswered();
  let primaryAsks = 0;
  const stsSilence = Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' });
  const primary = rememberingUnanswered(() => ((primaryAsks += 1), Promise.reject(stsSilence)), () => 0, shared);
  await expect(primary()).rejects.toBe(stsSilence);
  await expect(primary()).rejects.toBe(stsSilence);
  expect(primaryAsks).toBe(1);
  expect(shared.recalled(0)).toBeUndefined();
  let drAsks = 0;
  const dr = rememberingUnanswered(() => ((drAsks += 1), Promise.resolve('credentials')), () => 0, shared);
  await expect(dr()).resolves.toBe('credentials');
  expect(drAsks).toBe(1);
});
