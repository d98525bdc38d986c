import { type VaultSide } from '../runtime/runtime-config';
import { type ScrubFinding } from './scrub-vaults';

/** An object a run left damaged or missing: the vaults it is bad in, and its first finding's reason. */
export type LeftObject = { readonly sides: VaultSide[]; readonly reason: string | undefined };

/**
 * What a scrub left damaged or missing, by object (an object bad in both vaults is one finding per vault, one object
 * here), in the three kinds whose advice differs: `lost` with no good copy in either vault, `stopped` with a good copy
 * that something stood in the way of copying (goodCopy: each reason says what to do), and `repairable` not repaired for
 * want of repair. The scrub runbook's failure message (scrub-runbook.ts) and `lifeboat scrub`'s verdict both count these.
 */
export type ObjectsLeft = { readonly lost: ReadonlyMap<string, LeftObject>; readonly stopped: ReadonlyMap<string, LeftObject>; readonly repairable: ReadonlyMap<string, LeftObject> };

export function objectsLeft(findings: readonly ScrubFinding[]): ObjectsLeft {
  const group = (kind: readonly ScrubFinding[]): Map<string, LeftObject> => {
    const byKey = new Map<string, LeftObject>();
    for (const f of kind) {
      const seen = byKey.get(f.key);
      if (seen) seen.sides.push(f.vault);
      else byKey.set(f.key, { sides: [f.vault], reason: f.reason });
    }
    return byKey;
  };
  return {
    lost: group(findings.filter((f) => f.outcome === 'unrepaired' && f.goodCopy !== true)),
    stopped: group(findings.filter((f) => f.outcome === 'unrepaired' && f.goodCopy === true)),
    repairable: group(findings.filter((f) => f.outcome === 'repairable')),
  };
}
