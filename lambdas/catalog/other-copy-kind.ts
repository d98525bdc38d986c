import { type OtherCopy, type OutstandingScrubObject } from './scrub-record';

/**
 * How an outstanding object's other copy is known, as advice differs: archived (a thaw), unverified (a scrub with repair
 * reads it), refused (no scrub reads it until the permission is fixed: review r63AB F2). A record written before
 * `otherCopyRefused` was kept reads unverified, as before.
 */
export type OtherCopyKind = OtherCopy | 'refused';

/** Undefined for an object with a good copy or none (lost). */
export function otherCopyKind(o: Pick<OutstandingScrubObject, 'otherCopy' | 'otherCopyRefused'>): OtherCopyKind | undefined {
  return o.otherCopy === 'unverified' && o.otherCopyRefused === true ? 'refused' : o.otherCopy;
}
