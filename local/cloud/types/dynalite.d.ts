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
