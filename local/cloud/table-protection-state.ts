import { isObjectRecord, readRecordFile, writeRecordFile } from './json-state-files';

/**
 * What the local cloud's DynamoDB remembers of a table's protection, which dynalite lacks (it accepts
 * CreateTable's SSESpecification and DeletionProtectionEnabled and drops them): its KMS key (absent:
 * the AWS owned key), deletion protection, and point-in-time recovery with its recovery period.
 * Kept per region in `<data-dir>/dynamodb/<region>-table-protection.json`, beside dynalite's LevelDB
 * directory; this process is its only writer.
 */
export type LocalTableProtection = {
  readonly kmsKeyArn?: string;
  readonly deletionProtection: boolean;
  readonly pointInTimeRecovery?: { readonly recoveryPeriodInDays: number; readonly enabledAt: string };
};

export const UNPROTECTED_TABLE: LocalTableProtection = { deletionProtection: false };

export class TableProtectionState {
  private readonly tables: Map<string, LocalTableProtection>;

  constructor(private readonly file: string) {
    this.tables = new Map(Object.entries(readRecordFile<LocalTableProtection>(file, isObjectRecord)));
  }

  /** A table never given any protection reads as UNPROTECTED_TABLE (the AWS owned key, nothing on). */
  of(table: string): LocalTableProtection {
    return this.tables.get(table) ?? UNPROTECTED_TABLE;
  }

  set(table: string, protection: LocalTableProtection): void {
    this.tables.set(table, protection);
    this.save();
  }

  update(table: string, change: (current: LocalTableProtection) => LocalTableProtection): LocalTableProtection {
    const next = change(this.of(table));
    this.set(table, next);
    return next;
  }

  /** The table was deleted (a new table of that name starts unprotected). */
  forget(table: string): void {
    if (this.tables.delete(table)) this.save();
  }

  private save(): void {
    writeRecordFile(this.file, this.tables);
  }
}
