import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo } from 'node:net';
import { answerCustomResource } from '../../../../lambdas/runtime/custom-resource-protocol';

/** A loopback stand-in for CloudFormation's pre-signed ResponseURL: collects the answers PUT to it. */
async function responseUrl(status = 200) {
  const answers: { method: string | undefined; body: Record<string, unknown> }[] = [];
  const read = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const server = createServer((req, res) => {
    void read(req).then((body) => {
      answers.push({ method: req.method, body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
  return { url, answers, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const request = (url: string) => ({
  RequestType: 'Create',
  ResponseURL: url,
  StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/Lifeboat-dev-Primary/guid',
  RequestId: 'req-1',
  LogicalResourceId: 'DrKeyArnsVaultKey',
  ResourceType: 'Custom::LifeboatKeyArn',
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:…' },
});

it('answers SUCCESS with the physical id and the data Fn::GetAtt reads', async () => {
  const cfn = await responseUrl();
  try {
    await answerCustomResource(request(cfn.url), async () => ({ physicalId: 'stack/key', data: { Arn: 'arn:aws:kms:us-west-2:111122223333:key/k' } }));
    expect(cfn.answers).toEqual([
      {
        method: 'PUT',
        body: { Status: 'SUCCESS', Reason: 'OK', PhysicalResourceId: 'stack/key', StackId: request(cfn.url).StackId, RequestId: 'req-1', LogicalResourceId: 'DrKeyArnsVaultKey', Data: { Arn: 'arn:aws:kms:us-west-2:111122223333:key/k' } },
      },
    ]);
  } finally {
    await cfn.close();
  }
});

it('answers FAILED with the error\'s name and message, so that the stack\'s events say what went wrong', async () => {
  const cfn = await responseUrl();
  try {
    class StackKeyNotFoundError extends Error {
      override readonly name = 'StackKeyNotFoundError';
    }
    await answerCustomResource(request(cfn.url), () => Promise.reject(new StackKeyNotFoundError('deploy the DR stack before this one')));
    expect(cfn.answers.map((a) => a.body)).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: 'StackKeyNotFoundError: deploy the DR stack before this one', PhysicalResourceId: 'DrKeyArnsVaultKey' })]);
    expect(cfn.answers[0]?.body.Data).toBeUndefined();
  } finally {
    await cfn.close();
  }
});

it('throws when CloudFormation does not take the answer, and refuses an event without a ResponseURL', async () => {
  const cfn = await responseUrl(403);
  try {
    await expect(answerCustomResource(request(cfn.url), async () => ({ physicalId: 'x' }))).rejects.toThrow('CloudFormation did not take the answer: HTTP 403');
  } finally {
    await cfn.close();
  }
  const { ResponseURL: _dropped, ...withoutUrl } = request('http://127.0.0.1:1/');
  await expect(answerCustomResource(withoutUrl, async () => ({ physicalId: 'x' }))).rejects.toThrow(/ResponseURL/);
});
