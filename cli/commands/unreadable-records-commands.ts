import { DOCTOR_NOT_WITH_STACK } from '../target-options-line';

/**
 * The commands a failover or drill refused by records it cannot read (UnreadableNewerBackupError) names with its target
 * options: the doctor (`doctor`, doctorCommandLine), which names more of the records than the error does, and the
 * rebuild (`rebuild`, already quoted). With --stack there is no doctor line (it refuses --stack, review r62I F1): the
 * rebuild, and where the records are named instead.
 */
export function unreadableRecordsCommands(doctor: string | undefined, rebuild: string): string {
  if (doctor !== undefined) return `\`${doctor}\` and ${rebuild}`;
  return `${rebuild} (${DOCTOR_NOT_WITH_STACK}: the error names the first records with the command that deletes each, the function's log every one)`;
}
