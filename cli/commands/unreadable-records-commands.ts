import { DOCTOR_NOT_WITH_STACK } from '../target-options-line';

/**
 * The commands a failover or drill refused by records it cannot read (UnreadableNewerBackupError) names with its target
 * options: the doctor (`doctor`, doctorCommandLine), which names more of the records than the error does, and the
 * rebuild (`rebuild`, already quoted). With --stack there is no doctor line (it refuses --stack, review r62I F1): the
 * rebuild, and where the records are named instead.
 */
export function unreadableRecordsCommands(doctor: string | undefined, rebuild: string): string {
  if (doctor !== undefined) return `\`${doctor}\` and ${rebuild}`;
  // Keys too long to name leave the error naming none (unreadable-newer-backups.ts): only the log names each then (review r62R F4).
  return `${rebuild} (${DOCTOR_NOT_WITH_STACK}: the error, or the function's log, names each record; the error gives the command that deletes each it names)`;
}
