import { joinObjectPieces, MissingObjectPieceError } from '../../../../lambdas/backup/joined-object-pieces';
import { type StoredObjectPiece } from '../../../../lambdas/sources/stored-object-piece';

/** Commit's join of split objects (docs/ARCHITECTURE.md, "Objects split by byte ranges"). */

const BACKUP_ID = '20261201T100000Z-0a1b2c3d';
const blob = (n: number): string => n.toString(16).padStart(64, '0');
const meta = { key: 'big', etag: '"abc"', size: 30, metadata: { a: '1' }, tags: { t: 'x' }, lastModified: '2026-12-01T10:00:00.000Z' };

function piece(n: number, extra: Partial<StoredObjectPiece> = {}): StoredObjectPiece {
  return { path: 'big', key: 'big', piece: n, pieces: 3, outcome: 'stored', size: 10, content: [blob(n * 2 + 1), blob(n * 2 + 2)], ...(n === 0 ? { meta, changeToken: '"abc":30' } : {}), ...extra };
}

describe('joinObjectPieces', () => {
  it('joins the pieces in piece order, whatever order the shards listed them in: one entry, meta and token from piece 0', () => {
    const joined = joinObjectPieces(BACKUP_ID, [piece(2), piece(0), piece(1)]);
    expect(joined).toEqual({
      entries: [{ path: 'big', kind: 'object', meta, size: 30, content: [1, 2, 3, 4, 5, 6].map(blob), changeToken: '"abc":30' }],
      vanished: [],
    });
  });

  it('refuses a missing piece, naming the object', () => {
    const attempt = (): unknown => joinObjectPieces(BACKUP_ID, [piece(0), piece(2)]);
    expect(attempt).toThrow(MissingObjectPieceError);
    expect(attempt).toThrow(`Backup ${BACKUP_ID}: object "big" was backed up in byte ranges, but piece 1 of 3 is missing; its entry cannot be joined. Run the backup again.`);
    expect(() => joinObjectPieces(BACKUP_ID, [piece(0), piece(1)])).toThrow('piece 2 of 3 is missing');
    expect(() => joinObjectPieces(BACKUP_ID, [piece(0), piece(1), piece(1), piece(2)])).toThrow('piece 2 of 3 is there twice');
  });

  it('refuses pieces that do not add up to the size piece 0 recorded', () => {
    expect(() => joinObjectPieces(BACKUP_ID, [piece(0), piece(1, { size: 9 }), piece(2)])).toThrow('its pieces hold 29 bytes where piece 0 recorded 30');
  });

  it('an object piece 0 reused from the parent is in its runs already: nothing to join; a deleted one is left out and reported', () => {
    const reused = [0, 1, 2].map((n) => piece(n, { outcome: 'reused', size: 0, content: [] }));
    expect(joinObjectPieces(BACKUP_ID, reused)).toEqual({ entries: [], vanished: [] });
    expect(joinObjectPieces(BACKUP_ID, [piece(0), piece(1, { outcome: 'vanished', size: 0, content: [] }), piece(2)])).toEqual({ entries: [], vanished: ['big'] });
    // Piece 0 read the object but another piece reused the parent's: the object would miss that piece's bytes.
    expect(() => joinObjectPieces(BACKUP_ID, [piece(0), piece(1, { outcome: 'reused', size: 0, content: [] }), piece(2)])).toThrow("piece 1 reused the parent's entry while piece 0 read the object");
  });
});
