import { type ReplicaPruneRunning } from '../replication/replica-prune-wait';
import { type VaultSide } from '../runtime/runtime-config';
import { type RepairTarget, scrubRepairCommandLine } from './scrub-repair-command-line';

/** How far a repair got when its time ran out (deadline-vault-store.ts counts it). */
export type RepairIndexProgress = {
  /** Packs under `data/` when the repair listed them (undefined: it had not listed them yet). */
  readonly packsListed: number | undefined;
  /** Packs it had begun to read (a condemned pack may be read twice, and counts once). */
  readonly packsRead: number;
  readonly indexesWritten: number;
  readonly indexesRemoved: number;
  /** Set while the repair weighs the packs a pending prune condemns (the snapshots read, then those packs): the cut came there. */
  readonly weighingCondemned?: { readonly packs: number; readonly packsRead: number; readonly batches: readonly string[] };
};

/**
 * The repair-index runbook's one invocation ran out of time before the repair finished. Not retried
 * (the same repair would run out again): the message says how far it got, that the vault is no worse
 * for it, and what to do instead.
 */
export class RepairIndexOutOfTimeError extends Error {
  override readonly name = 'RepairIndexOutOfTimeError';
  constructor(
    readonly vault: VaultSide,
    readonly readData: boolean,
    readonly progress: RepairIndexProgress,
    options?: { cause?: unknown; target?: RepairTarget },
  ) {
    const { packsListed, packsRead, indexesWritten, indexesRemoved, weighingCondemned: weighing } = progress;
    const got =
      packsListed === undefined
        ? 'it was still reading the old index objects'
        : `it had read ${packsRead} of the ${packsListed} pack(s)${readData ? ' whole' : "' headers"}, written ${indexesWritten} new index object(s) and removed ${indexesRemoved} old one(s)`;
    // A pending batch sits there for its grace (a day by default) after every prune, and prune does not sweep it while
    // an index object is missing: a repair cut there meets the same packs when run again, so "too many packs" misleads.
    const condemned =
      weighing === undefined
        ? ''
        : `It was weighing the ${weighing.packs} pack(s) the pending prune batch(es) ${weighing.batches.join(', ')} condemn (${weighing.packsRead} of them read), ` +
          'for blobs a snapshot needs that no other pack holds; a prune does not sweep that batch while an index object is missing, so a repair run again meets those packs again. ';
    const scrub = `\`${scrubRepairCommandLine(vault, options?.target)}\``;
    const instead = readData
      ? `With readData every pack is read whole: run it without readData ({"vault": "${vault}"}), which reads only the packs' headers; damaged blobs are then left to ${scrub}, which heals the packs from the other vault`
      : `${weighing === undefined ? 'The vault has more packs than one invocation reads (docs/RUNBOOKS.md, "Repair index", the time bound): heal' : 'Heal'} it from the other vault instead with ${scrub}, ` +
        'which reads every object, so that a damaged index object is found in this run (at the default fraction, 1/7, only in the run whose slice holds it), ' +
        'and copies missing and damaged index objects there from their verified copies (run it twice for a pass from the first object: docs/RUNBOOKS.md, "Scrub", "The cycle")';
    super(
      `The repair of the ${vault} vault's index did not finish within one Lambda invocation (15 minutes): ${got}. ${condemned}` +
        'The vault is no worse for it: old index objects are removed only after the new ones are written, and a new one beside an old one lists the same blobs twice, which readers accept. ' +
        instead,
      { cause: options?.cause },
    );
  }
}

/** The deadline of a repair passed: thrown by the vault store (deadline-vault-store.ts) at the repair's next request, so that it stops there. */
export class RepairDeadlinePassedError extends Error {
  override readonly name = 'RepairDeadlinePassedError';
  constructor() {
    super('the repair\'s deadline passed');
  }
}

/**
 * The DR vault is in another account, whose bucket policy allows this account's roles no delete (docs/SECURITY.md,
 * "DR vault in another account"): a repair would write the new index objects and then fail to remove the old ones.
 * Refused before anything is written.
 */
export class RepairIndexOtherAccountError extends Error {
  override readonly name = 'RepairIndexOtherAccountError';
  constructor(
    readonly drAccount: string,
    target?: RepairTarget,
  ) {
    super(
      `The DR vault is in account ${drAccount}, whose bucket policy allows the primary account's roles to add objects but never to delete one, ` +
        `so this runbook cannot replace its index objects. Heal its lost or damaged index objects from the primary vault with \`${scrubRepairCommandLine('dr', target)}\` ` +
        '(the same name holds the same bytes in both vaults), or have the DR account repair it',
    );
  }
}

/**
 * A prune of the vault holds its lease (docs/FORMAT.md §11, "One prune at a time"). The repair takes no lease, and
 * is safe beside a prune with a grace but not beside one with grace 0 (`lifeboat prune --grace 0`, the prune
 * runbook's `graceHours: 0`), which deletes what it condemns at once; a lease does not say its prune's grace, so the
 * runbook refuses beside any prune. Refused before anything is written.
 */
export class RepairIndexPruneRunningError extends Error {
  override readonly name = 'RepairIndexPruneRunningError';
  constructor(
    readonly vault: VaultSide,
    readonly running: ReplicaPruneRunning,
  ) {
    // No expiresAt: a lease this version cannot read (PruneLeaseUnreadableError), which never ends by itself as far as
    // this version can tell, so "when it ends" would leave the operator waiting for ever. The runbook's role may only
    // read prune/running/* (docs/RUNBOOKS.md, "Repair index"), so the delete is someone else's to do.
    const advice =
      running.expiresAt === undefined
        ? `This version cannot read that lease (a newer Lifeboat's?), so it cannot tell whether that prune still runs or when its lease ends: ` +
          `run the repair with the newer Lifeboat, or, if no prune of the ${vault} vault runs now, have an operator with delete rights on prune/running/* ` +
          `in the ${vault} vault's bucket delete the object ${running.leaseKey} there, and run the repair again`
        : `Run the repair when it ends; if it died, its lease ends by itself at ${running.expiresAt} (plus a minute for the clocks)`;
    super(
      `A prune is running on the ${vault} vault (${running.holder}, lease ${running.leaseKey}): nothing was changed. ` +
        `A prune with grace 0 deletes what it condemns at once, which the repair cannot run beside. ${advice}`,
    );
  }
}
