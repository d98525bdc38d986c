import { zstdCompressSync, constants as zc } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { zstdFrameContentSize } from '../../../../vault/crypto/sealed-codec';

// The decompression buffer is sized from the frame's declared content size (sealed objects have no
// expected length; sizing it to the 512 MiB limit made every manifest page read allocate that much).
describe('zstdFrameContentSize', () => {
  it.each([0, 1, 255, 256, 65_791, 65_792, 1_000_000])('reads the size a frame of %i bytes declares, whichever field width zstd chose', (size) => {
    const data = Buffer.alloc(size, 'abc');
    const frame = zstdCompressSync(data, { pledgedSrcSize: size, params: { [zc.ZSTD_c_compressionLevel]: 3, [zc.ZSTD_c_checksumFlag]: 0 } });
    expect(zstdFrameContentSize(frame)).toBe(size);
  });

  it('says nothing for a frame without the field, a truncated header or something that is not zstd', () => {
    // A streamed frame without a pledged size has no content size field (descriptor bits 7-6 = 0, not single segment).
    expect(zstdFrameContentSize(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0, 0]))).toBeUndefined();
    expect(zstdFrameContentSize(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xc0]))).toBeUndefined();
    expect(zstdFrameContentSize(Buffer.from('{"not":"zstd"}'))).toBeUndefined();
  });
});
