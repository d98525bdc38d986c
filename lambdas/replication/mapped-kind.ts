/**
 * How an unrepaired object with no good copy is known, most severe first (an object's worst finding says): `lost`, no
 * copy reads in either vault; `archived`, its other copy is archived, not read; `refused`, an unverified copy whose read
 * was refused, before `unverified` (its other copy left unread at the repair cutoff), as no scrub reads it until the
 * permission is fixed.
 */
export const MAPPED_KINDS = ['lost', 'archived', 'refused', 'unverified'] as const;
export type MappedKind = (typeof MAPPED_KINDS)[number];
