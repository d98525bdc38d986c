import { catalogItemDeleteCommand } from '../lambdas/catalog/catalog-item-delete-command';
import { unreadableRecordDeletes } from '../lambdas/failover/unreadable-newer-backups';
import { dataDirOption } from '../local/cloud/data-dir-option';
import { localAwsCli } from './local-aws-cli';

/**
 * For a local failover or drill refused by records it cannot read (UnreadableNewerBackupError): the function, which
 * does not know it runs in the local cloud, names `aws dynamodb delete-item …` commands that go to AWS, where they
 * delete nothing and exit 0 while the local run keeps refusing (review r62C F2). This line names the same deletes
 * against the local cloud; undefined when the message names none.
 */
export function localRecordDeletesLine(message: string | undefined, dataDir: string | undefined): string | undefined {
  const deletes = unreadableRecordDeletes(message ?? '');
  if (deletes.length === 0) return undefined;
  const localStatus = `lifeboat local status${dataDirOption(dataDir)}`;
  const commands = deletes.map((d) => catalogItemDeleteCommand(d, localAwsCli(d.region, localStatus)));
  return `This run is in the local cloud, not AWS: delete ${deletes.length === 1 ? 'the record' : 'the records'} there with ${commands.join('; ')}.`;
}
