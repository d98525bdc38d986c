import { SnapshotWriter, type SnapshotWriterContext, type SnapshotWriterOptions } from '../archiver/snapshot-writer';
import { type ManifestPart } from '../manifest/manifest-format';
import { type PruneStateSeen } from '../prune/prune-state';

/**
 * A snapshot writer that knows what it saw of prune's state before it loaded its index
 * (PruneStateSeen), and hands its part to `onFinished` with it: Vault.commitSnapshot then holds the
 * snapshot only to the prunes its writers did not see (docs/FORMAT.md §11, "What a backup does").
 */
export class PruneStateSeenWriter extends SnapshotWriter {
  constructor(
    ctx: SnapshotWriterContext,
    options: SnapshotWriterOptions,
    /** The policy and batches there were when this writer started: a workflow carries it to its commit (CommitInput.pruneStateSeen). */
    readonly pruneStateSeen: PruneStateSeen,
    private readonly onFinished: (part: ManifestPart, seen: PruneStateSeen) => void,
  ) {
    super(ctx, options);
  }

  override async finish(): Promise<ManifestPart> {
    const part = await super.finish();
    this.onFinished(part, this.pruneStateSeen);
    return part;
  }
}
