import { DeleteObjectCommand, GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type AwsClientStub } from 'aws-sdk-client-mock';

/**
 * Makes a mocked S3 client a store of the vault's restore-plans/ objects in `stored` (key → body):
 * PutObject keeps, GetObject serves or answers NoSuchKey as S3 does, DeleteObject removes. The
 * restore steps keep their plan, piece records and check records there.
 */
export function servePlanObjects(mock: AwsClientStub<S3Client>, stored: Map<string, string>): void {
  mock.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
    stored.set(input.Key, input.Body);
    return {};
  });
  mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = stored.get(input.Key);
    if (body === undefined) throw Object.assign(new Error(`no ${input.Key}`), { name: 'NoSuchKey' });
    return { Body: { transformToString: () => Promise.resolve(body) } as unknown as GetObjectCommandOutput['Body'] };
  });
  mock.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
    stored.delete(input.Key);
    return {};
  });
}
