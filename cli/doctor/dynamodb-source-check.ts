import { DescribeTableCommand, type DynamoDBClient, ScanCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { type DynamoDbTableSourceConfig } from '../../config/lifeboat-config';
import { type CheckResult, fail, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError, errorNameOf } from './sdk-error';
import { regionUnansweredResult } from './unanswered-region';
import { describeSourceKey, keyField, type KmsClients, undeclaredKeyResult } from './source-key';

async function describeTable(dynamodb: DynamoDBClient, table: string): Promise<TableDescription | undefined> {
  try {
    return (await dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (err) {
    if (errorNameOf(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/**
 * The table's key against the source's `kmsKeyArn`: a table has one key (SSEDescription.KMSMasterKeyArn; none is the
 * AWS owned key), and the roles are granted the declared one only. The operator's Scan succeeds either way (their own
 * permissions usually include the key), so only this comparison shows it.
 */
async function tableKeyResult(ctx: DoctorContext, source: DynamoDbTableSourceConfig, table: TableDescription, kms: KmsClients | undefined): Promise<CheckResult | undefined> {
  const name = `source ${source.name}`;
  const field = keyField(ctx, source.name);
  const { primaryRegion } = ctx.environment;
  const tableKey = table.SSEDescription?.SSEType === 'KMS' ? table.SSEDescription.KMSMasterKeyArn : undefined;
  if (source.kmsKeyArn !== undefined) {
    if (tableKey === source.kmsKeyArn) return undefined;
    if (tableKey === undefined) {
      return fail(
        name,
        `table ${source.table} is encrypted with the AWS owned key (DescribeTable shows no KMS key), not with ${source.kmsKeyArn}, which ${field} declares: a restore into a new table would create it under that key`,
        `remove ${field} from ${ctx.request.configFile}, or encrypt the table with that key (aws dynamodb update-table --table-name ${source.table} --region ${primaryRegion} --sse-specification Enabled=true,SSEType=KMS,KMSMasterKeyId=${source.kmsKeyArn})`,
      );
    }
    return fail(
      name,
      `table ${source.table} is encrypted with ${tableKey}, not with ${source.kmsKeyArn}, which ${field} declares: Lifeboat's roles are granted the declared key, not the table's, and a restore into a new table would create it under the declared one`,
      `set ${field} to "${tableKey}" in ${ctx.request.configFile} (or remove it if that is the AWS managed key aws/dynamodb)`,
    );
  }
  if (tableKey === undefined || !kms) return undefined;
  return undeclaredKeyResult(ctx, source.name, `table ${source.table} is encrypted with`, tableKey, await describeSourceKey(kms(primaryRegion), primaryRegion, tableKey));
}

/**
 * Group 4, a DynamoDB source: the table is in the primary region (DescribeTable there; when it is
 * not, DescribeTable in the DR region tells a table created in the wrong region from a missing one),
 * the caller may read it (a Scan of one item, as the backup's segment scans do) and its KMS key is
 * the declared one (in AWS, `kms` given: an undeclared customer managed key fails too).
 */
export async function checkDynamoDbSource(
  dynamodb: (region: string) => DynamoDBClient,
  ctx: DoctorContext,
  source: DynamoDbTableSourceConfig,
  options: { kms?: KmsClients } = {},
): Promise<CheckResult> {
  const name = `source ${source.name}`;
  const { primaryRegion, drRegion } = ctx.environment;
  const field = `${ctx.sourceField(source.name)}.table`;
  const primary = dynamodb(primaryRegion);
  let table: TableDescription | undefined;
  try {
    table = await describeTable(primary, source.table);
    if (!table) {
      const inDr = await describeTable(dynamodb(drRegion), source.table).catch(() => undefined);
      if (inDr) {
        return fail(
          name,
          `table ${source.table} exists in ${drRegion}, not in the primary region ${primaryRegion}`,
          `the backup reads the table in ${primaryRegion}: create it there (or add a ${primaryRegion} replica to a global table), or correct ${field} in ${ctx.request.configFile}`,
        );
      }
      return fail(name, `table ${source.table} does not exist in ${primaryRegion}`, `create table ${source.table} in ${primaryRegion}, or correct ${field} in ${ctx.request.configFile}`);
    }
  } catch (err) {
    return regionUnansweredResult(name, primaryRegion, err, `cannot describe table ${source.table}`) ?? fail(name, `table ${source.table}: ${describeError(err)}`, `allow dynamodb:DescribeTable on table ${source.table} in ${primaryRegion} to the caller`);
  }
  if (table.TableStatus !== 'ACTIVE') {
    return warn(name, `table ${source.table} in ${primaryRegion} is ${table.TableStatus ?? 'in an unknown state'}`, 'wait until it is ACTIVE, then run the doctor again');
  }
  const keyProblem = await tableKeyResult(ctx, source, table, options.kms);
  if (keyProblem?.verdict === 'fail') return keyProblem;
  try {
    await primary.send(new ScanCommand({ TableName: source.table, Limit: 1 }));
  } catch (err) {
    return regionUnansweredResult(name, primaryRegion, err, `cannot scan table ${source.table}`) ?? fail(name, `table ${source.table}: the caller may not scan it (${describeError(err)})`, `allow dynamodb:Scan on table ${source.table} to the caller`);
  }
  if (keyProblem) return keyProblem;
  return ok(name, `table ${source.table} in ${primaryRegion}, ACTIVE, readable`);
}
