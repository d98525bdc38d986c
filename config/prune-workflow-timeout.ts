/**
 * How long a prune execution may run (lib/constructs/prune-workflow.ts): a few invocations of at most 15 minutes each,
 * stopped well after that. `lifeboat status` reads a run still cut by its deadline past it as one nothing continues.
 */
export const PRUNE_WORKFLOW_TIMEOUT_SECONDS = 6 * 3600;
