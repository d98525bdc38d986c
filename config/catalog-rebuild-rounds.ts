/**
 * How many invocations of its Lambda (15 minutes each) one catalog-rebuild execution runs at most
 * (lib/constructs/catalog-rebuild-workflow.ts, lambdas/handlers/rebuild-catalog.ts). Each round scans the whole vault
 * again, so past this a rebuild from a machine (`lifeboat catalog rebuild` without --runbook, no time limit) is faster.
 */
export const CATALOG_REBUILD_ROUNDS = 12;
