import { DescribeTableCommand, type DynamoDBClient, ScanCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { type DynamoDbTableSourceConfig } from '../../config/lifeboat-config';
import { type CheckResult, fail, ok, warn } from './check-result';
import { type DoctorContext } from './doctor-context';
import { describeError, errorNameOf } from './sdk-error';

async function describeTable(dynamodb: DynamoDBClient, table: string): Promise<TableDescription | undefined> {
  try {
    return (await dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (err) {
    if (errorNameOf(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/**
 * Group 4, a DynamoDB source: the table is in the primary region (DescribeTable there; when it is
 * not, DescribeTable in the DR region tells a table created in the wrong region from a missing one)
 * and the caller may read it (a Scan of one item, as the backup's segment scans do).
 */
export async function checkDynamoDbSource(dynamodb: (region: string) => DynamoDBClient, ctx: DoctorContext, source: DynamoDbTableSourceConfig): Promise<CheckResult> {
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
    return fail(name, `table ${source.table}: ${describeError(err)}`, `allow dynamodb:DescribeTable on table ${source.table} in ${primaryRegion} to the caller`);
  }
  if (table.TableStatus !== 'ACTIVE') {
    return warn(name, `table ${source.table} in ${primaryRegion} is ${table.TableStatus ?? 'in an unknown state'}`, 'wait until it is ACTIVE, then run the doctor again');
  }
  try {
    await primary.send(new ScanCommand({ TableName: source.table, Limit: 1 }));
  } catch (err) {
    return fail(name, `table ${source.table}: the caller may not scan it (${describeError(err)})`, `allow dynamodb:Scan on table ${source.table} to the caller`);
  }
  return ok(name, `table ${source.table} in ${primaryRegion}, ACTIVE, readable`);
}
