import { z } from 'zod';
import { repairDeadline } from '../repair/repair-deadline';
import { runRepairIndexRunbook } from '../repair/repair-index-runbook';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

// Strict: a misspelt field ("read_data") is refused rather than silently repairing without it.
const inputSchema = z
  .object({
    vault: z.enum(['primary', 'dr'], {
      error: (issue) => (issue.input === undefined ? 'is required: "primary" or "dr", the one vault whose index is rebuilt' : 'must be "primary" or "dr"'),
    }),
    readData: z.boolean({ message: 'must be true or false' }).default(false),
  })
  .strict();

/** The repair-index runbook's one step: the named vault's index rebuilt from its packs (docs/RUNBOOKS.md, "Repair index"). */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'repair-index request' }, async ({ vault, readData }, runtime, invocation) => {
  const remaining = invocation?.getRemainingTimeInMillis();
  const { drVault, account } = runtime.config;
  const drVaultAccount = !(drVault instanceof Error) && drVault.account !== undefined && drVault.account !== account ? drVault.account : undefined;
  return runRepairIndexRunbook(
    { vault, readData },
    {
      openVault: (side) => runtime.openVault(side),
      target: { environment: runtime.environment, aws: !runtime.config.localEndpoints },
      ...(drVaultAccount !== undefined ? { drVaultAccount } : {}),
      ...(remaining !== undefined ? { deadline: repairDeadline(Date.now(), remaining, readData) } : {}),
    },
  );
});
