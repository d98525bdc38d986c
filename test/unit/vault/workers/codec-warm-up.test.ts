import type * as SealedCodec from '../../../../vault/crypto/sealed-codec';
import { WARM_UP_BLOCK_BYTES, warmUpCodec } from '../../../../vault/workers/codec-warm-up';

describe('a codec worker\'s warm-up', () => {
  it('seals, opens and hashes its made-up block through the blob codec, and says how many bytes it sealed', () => {
    expect(warmUpCodec()).toBe(3 * WARM_UP_BLOCK_BYTES);
  });

  it('fails, naming the round trip, when a sealed block opens to other bytes', () => {
    jest.isolateModules(() => {
      jest.doMock('../../../../vault/crypto/sealed-codec', () => {
        const actual = jest.requireActual<typeof SealedCodec>('../../../../vault/crypto/sealed-codec');
        return {
          ...actual,
          openSync: (...args: Parameters<typeof actual.openSync>) => {
            const plain = actual.openSync(...args);
            plain.writeUInt8((plain.at(-1) ?? 0) ^ 1, plain.length - 1);
            return plain;
          },
        };
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- isolateModules hands out modules through require only
      const fresh = require('../../../../vault/workers/codec-warm-up') as { warmUpCodec(): number };
      expect(() => fresh.warmUpCodec()).toThrow('codec warm-up: a sealed block did not open to the same bytes');
    });
  });
});
