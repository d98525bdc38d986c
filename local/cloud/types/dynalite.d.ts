/** Minimal typings for dynalite 4 (the package ships none); only what the local cloud uses. */
declare module 'dynalite' {
  import { type Server } from 'node:http';

  export type DynaliteOptions = {
    /** LevelDB directory; in memory when absent. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    verbose?: boolean;
    debug?: boolean;
    ssl?: boolean;
  };

  /** Returns a plain HTTP server; its close() also closes the LevelDB store. */
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}

/** dynalite's store module: its exported itemSize is what its item-size limits call (dynamodb-item-size.ts). */
declare module 'dynalite/db' {
  type AttributeValues = Record<string, unknown>;
  const db: {
    /** Plain call (no compress/addMetaSize): the item-size limit's measure; with them, its capacity accounting. */
    itemSize(item: AttributeValues, compress?: boolean, addMetaSize?: boolean, rangeKey?: string): number;
  };
  export = db;
}
