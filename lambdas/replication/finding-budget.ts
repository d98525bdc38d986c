/**
 * The findings the memory the listings left still holds (scrubFindingLimit), as one scrub run spends it: each missing
 * object is a finding held to the end of the run, and the work-out of what a vault lacking some needs is bounded by what
 * they leave. The repairs' looks at what copied snapshots need get what is left once the missing objects are counted.
 */
export class FindingBudget {
  private remaining: number;

  constructor(limit: number) {
    this.remaining = limit;
  }

  /** The findings the memory still holds: Infinity without a memory size (a machine), below zero once more were counted. */
  left(): number {
    return this.remaining;
  }

  /** Counts `findings` more held to the end of the run. */
  spend(findings: number): void {
    this.remaining -= findings;
  }
}
