import { type MachineCeilings } from './ceilings';
import { type TreeComparison } from './compare-trees';
import { type FileKind } from './dataset';
import { type ChangeSummary } from './mutate';
import { type BenchSection, type WorkflowResults } from './workflow-report';

export type StepName = 'init' | 'full' | 'incremental' | 'restore';

export type BenchOrder = 'alternate' | 'lifeboat-first' | 'restic-first';

export type StepResult = {
  readonly seconds: number;
  readonly peakRssBytes: number;
  readonly gnuTimeMaxRssBytes?: number;
  readonly sampledTreeRssBytes: number;
  readonly userSeconds?: number;
  readonly systemSeconds?: number;
  /** CPU seconds other processes used meanwhile (see Measurement.otherCpuSeconds). */
  readonly otherCpuSeconds?: number;
  readonly argv: readonly string[];
  readonly snapshotId?: string;
  /** The tool's own statistics (Lifeboat's --json stats, restic's JSON summary). */
  readonly stats?: unknown;
  /** Why the step failed; its figures are then not reported. */
  readonly error?: string;
};

export type VaultSize = { readonly apparentBytes: number; readonly allocatedBytes: number };

/**
 * One pass of the restic section for one tool: init, full backup, (the change), incremental backup,
 * restore, each in a fresh vault and on a fresh copy of the data set.
 */
export type ToolRepetition = {
  /** 0 when this tool ran first in every phase of the repetition, 1 when it ran second. */
  readonly position: number;
  steps: Partial<Record<StepName, StepResult>>;
  vaultAfterFull?: VaultSize;
  vaultAfterIncremental?: VaultSize;
  restoreCheck?: TreeComparison;
};

export type ToolResult = {
  readonly name: string;
  version: string;
  /** Set when the tool could not be prepared or a step failed: the reason, for the report. */
  error?: string;
  /** In the order they ran (LIFEBOAT_BENCH_REPEAT of them; fewer when a step failed). */
  repetitions: ToolRepetition[];
  /** Tool-specific facts worth keeping (the Lifeboat bundle's size and start-up time). */
  details: Record<string, unknown>;
};

export type ReportRow = {
  readonly figure: string;
  readonly lifeboat?: number;
  readonly restic?: number;
  /** Lifeboat / restic: the median of the repetitions' ratios (each repetition's two figures are measured minutes apart at most). */
  readonly ratio?: number;
  /** The lowest and highest of those ratios, when there were several. */
  readonly ratioRange?: readonly [number, number];
  readonly target: string;
  /** undefined when the figure is missing. */
  readonly met?: boolean;
  /** The scale issue's (16) stricter target for the same figure, and whether it is met. */
  readonly scaleTarget?: string;
  readonly scaleMet?: boolean;
};

export type BenchResults = {
  readonly startedAt: string;
  finishedAt?: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryBytes: number;
    readonly node: string;
    readonly kernel: string;
  };
  readonly options: {
    readonly seed: string;
    readonly sizeBytes: number;
    /** LIFEBOAT_BENCH_ORDER: who runs first in each phase (`alternate`: Lifeboat in odd-numbered repetitions, restic in even ones). */
    readonly order: BenchOrder;
    /** LIFEBOAT_BENCH_REPEAT: how many times the restic section's steps ran. */
    readonly repeat: number;
    /** The sections this run measured (LIFEBOAT_BENCH_SECTIONS). */
    readonly sections: readonly BenchSection[];
    /** Sizes of the workflow sections (LIFEBOAT_BENCH_S3_MIB, LIFEBOAT_BENCH_DYNAMODB_ITEMS). */
    readonly s3Bytes: number;
    readonly dynamoDbItems: number;
  };
  dataset?: {
    readonly dir: string;
    readonly cached: boolean;
    readonly generationSeconds: number;
    readonly totalBytes: number;
    readonly files: number;
    readonly byKind: Record<FileKind, { files: number; bytes: number }>;
  };
  change?: ChangeSummary;
  ceilings?: MachineCeilings;
  readonly tools: ToolResult[];
  /** The restic table (empty when the restic section was skipped). */
  rows: ReportRow[];
  /** The second table: S3 and DynamoDB throughput against plain copies, fan-out speed-up. */
  workflow?: WorkflowResults;
  /** Everything that went wrong (a tool missing, a failed step, a restore that differs). */
  readonly problems: string[];
  /** Conditions that make the figures less trustworthy without making the run fail. */
  readonly warnings: string[];
};
