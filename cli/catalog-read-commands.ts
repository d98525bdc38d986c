/**
 * The DynamoDB commands that only read, by the name the client's middleware sees (`context.commandName`: the document
 * client's GetCommand is sent as GetItemCommand). Every other command may change the table: one that failed with a
 * fault of DynamoDB's may have been applied (review r63H F5), which a read never was.
 */
const READ_COMMANDS: ReadonlySet<string> = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
  'DescribeTableCommand',
]);

/** Whether `commandName` only reads the catalog; an unknown or missing name is taken for a write, whose failure says more. */
export function isCatalogRead(commandName: string | undefined): boolean {
  return commandName !== undefined && READ_COMMANDS.has(commandName);
}
