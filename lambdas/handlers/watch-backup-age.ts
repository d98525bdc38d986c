import { z } from 'zod';
import { watchBackupAges } from '../operations/backup-age-watch';
import { lifeboatHandler } from '../runtime/lifeboat-handler';

/** The scheduler sends `{}`; anything else is refused rather than ignored. */
const inputSchema = z.object({}).strict();

/** The watchdog: every plan's last committed and last replicated backup age, as metrics the RPO alarms watch. */
export const handler = lifeboatHandler({ schema: inputSchema, describes: 'backup age watch' }, async (_input, runtime) => ({
  plans: await watchBackupAges(runtime.environment, runtime.plans, { catalog: runtime.catalog }),
}));
