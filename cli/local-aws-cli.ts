/**
 * The AWS CLI pointed at the local cloud's DynamoDB of `region`, with the local cloud's fixed credentials, for a printed
 * command a local run's operator pastes (the doctor's deletes, a local failover's or drill's): a plain `aws …` would go
 * to AWS, find no such item and exit 0 (review r62C F2). The endpoint is the one `localStatus` (the `lifeboat local
 * status` line of that cloud) shows: its port is chosen at `local up`.
 */
export function localAwsCli(region: string, localStatus: string): string {
  return `AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url <the dynamodb ${region} URL of ${localStatus}>`;
}
