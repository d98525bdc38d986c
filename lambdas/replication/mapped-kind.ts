/**
 * How an unrepaired object with no good copy is known, most severe first (an object's worst finding says): `lost`, no
 * copy reads in either vault; `archived`, its other copy is archived, not read; `refused`, an unverified copy whose read
 * was refused, before `unopened` (its other vault could not be opened, so its copy was not read) and `unverified` (its
 * other copy left unread at the repair cutoff), as no scrub reads it until the permission is fixed. `unopened` is told
 * apart from the cutoff's: said as the cutoff's, a run with the DR vault down named the wrong cause (review r64T F2).
 */
export const MAPPED_KINDS = ['lost', 'archived', 'refused', 'unopened', 'unverified'] as const;
export type MappedKind = (typeof MAPPED_KINDS)[number];
