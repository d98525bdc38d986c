import { THAW_DAYS, thawPacks } from '../../../../lambdas/thaw/pack-thaw';
import { ThawFailedError } from '../../../../lambdas/thaw/thaw-failed-error';
import { TransientError } from '../../../../lambdas/runtime/errors';
import { MemoryVaultStore } from '../../../../vault/backend/memory/memory-vault-store';
import { type StoredObjectState } from '../../../../vault/backend/vault-store';
import { packKey } from '../../../../vault/repository/vault-layout';

/** The Thaw step's pack loop over a store that reports storage classes and takes RestoreObject requests (S3's, faked). */
const id = (n: number): string => n.toString(16).padStart(2, '0').repeat(32);

function tieredStore(states: Record<string, StoredObjectState>, answer: (key: string) => Promise<'started' | 'in-progress' | 'ready'>) {
  const requests: { key: string; days: number; tier: string }[] = [];
  const heads: string[] = [];
  const store = Object.assign(new MemoryVaultStore(), {
    storageState: (key: string): Promise<StoredObjectState | null> => {
      heads.push(key);
      return Promise.resolve(states[key] ?? null);
    },
    requestThaw: (key: string, options: { days: number; tier: 'Expedited' | 'Standard' | 'Bulk' }) => {
      requests.push({ key, ...options });
      return answer(key);
    },
  });
  return { store, requests, heads };
}

const archived = (storageClass: string, thaw: StoredObjectState['thaw'] = 'none'): StoredObjectState => ({ storageClass, archived: true, thaw });
const readable = (storageClass: string): StoredObjectState => ({ storageClass, archived: false, thaw: 'none' });

describe('thawPacks', () => {
  it('asks for a thaw of archived packs only, counts the thawing and the thawed, and asks Deep Archive for Standard instead of Expedited', async () => {
    const { store, requests, heads } = tieredStore(
      {
        [packKey(id(1))]: readable('STANDARD'),
        [packKey(id(2))]: readable('GLACIER_IR'),
        [packKey(id(3))]: archived('GLACIER'),
        [packKey(id(4))]: archived('DEEP_ARCHIVE'),
        [packKey(id(5))]: archived('GLACIER', 'in-progress'),
        [packKey(id(6))]: archived('GLACIER', 'ready'),
      },
      () => Promise.resolve('started'),
    );
    expect(await thawPacks(store, [1, 2, 3, 4, 5, 6].map(id), 'Expedited')).toEqual({ archived: 4, ready: 1, pending: 3, requested: 2 });
    // One HEAD per pack, nothing more for those never archived.
    expect(heads.sort()).toEqual([1, 2, 3, 4, 5, 6].map((n) => packKey(id(n))).sort());
    expect(requests.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: packKey(id(3)), days: THAW_DAYS, tier: 'Expedited' },
      { key: packKey(id(4)), days: THAW_DAYS, tier: 'Standard' },
    ]);
  });

  it('counts a thaw S3 says is in progress or done (409, 200) without failing', async () => {
    const { store } = tieredStore({ [packKey(id(1))]: archived('GLACIER'), [packKey(id(2))]: archived('GLACIER') }, (key) =>
      Promise.resolve(key === packKey(id(1)) ? 'in-progress' : 'ready'),
    );
    expect(await thawPacks(store, [id(1), id(2)], 'Standard')).toEqual({ archived: 2, ready: 1, pending: 1, requested: 0 });
  });

  it('fails with ThawFailedError naming the pack when S3 refuses the thaw, and leaves transient errors to the retry', async () => {
    const refused = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const { store } = tieredStore({ [packKey(id(7))]: archived('GLACIER') }, () => Promise.reject(refused));
    const err = await thawPacks(store, [id(7)], 'Bulk').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThawFailedError);
    expect(err).toMatchObject({ name: 'ThawFailedError', key: packKey(id(7)) });
    expect((err as Error).message).toBe(
      `Thawing memory://vault/${packKey(id(7))} (RestoreObject, Bulk retrieval) failed: AccessDenied: Access Denied. The restore needs this archived pack; check the vault bucket's permissions and the object's storage class, then start the restore again`,
    );

    const slow = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    const { store: throttled } = tieredStore({ [packKey(id(8))]: archived('GLACIER') }, () => Promise.reject(slow));
    expect(await thawPacks(throttled, [id(8)], 'Bulk').catch((e: unknown) => e)).toBeInstanceOf(TransientError);
  });
});
