import { platformCallsUnavailableReason } from '../platform/posix-calls';

/**
 * What a restore without the platform calls says of an entry that records extended attributes: none can be set (Node
 * has no call for them; docs/ARCHITECTURE.md, "Platform calls"). One text for the restorer, which says it once for
 * every name it struck (NotRestoredLog.addPlatformLoss), and for the workflow's entry check, which finds it again name
 * by name and must know the restorer's line for it to say it once (lambdas/restore/restored-entry-check.ts).
 */
export function xattrsPlatformLoss(): string {
  return `extended attributes not restored: ${platformCallsUnavailableReason()}`;
}
