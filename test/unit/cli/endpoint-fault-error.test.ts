import { CatalogEndpointFaultError } from '../../../cli/catalog-endpoint-fault-error';
import { isPassingAwsFailure } from '../../../cli/passing-aws-failure';
import { faultAnswer, isServerFault } from '../../../cli/server-fault';
import { VaultEndpointFaultError } from '../../../cli/vault-endpoint-fault-error';

/** An SDK error as the client throws it after its attempts: a name, `$fault` and the answer's `$metadata`. */
function sdkFault(status: unknown): Error {
  return Object.assign(new Error('We encountered an internal error. Please try again.'), {
    name: 'ServiceUnavailable',
    $fault: 'server',
    $metadata: { httpStatusCode: status },
  });
}

// The format admission's glance asks a catalog again on a status of 500 and above (catalog-format-admission.ts isBusy),
// and faultAnswer quotes the status: the CLI's words must keep the answer's status, not only `$fault` (review r64A F3:
// no test held it when 4dff61ac moved the constructor into EndpointFaultError).
describe.each([
  ['CatalogEndpointFaultError', (m: string, c: Error) => new CatalogEndpointFaultError(m, c)],
  ['VaultEndpointFaultError', (m: string, c: Error) => new VaultEndpointFaultError(m, c)],
])('%s', (name, make) => {
  it("keeps the answer's HTTP status, its server fault and its cause beside the CLI's words", () => {
    const cause = sdkFault(503);
    const err = make('the catalog table t in us-east-1 could not be used', cause);
    expect(err.name).toBe(name);
    expect(err.message).toBe('the catalog table t in us-east-1 could not be used');
    expect(err.cause).toBe(cause);
    expect(err.$fault).toBe('server');
    expect(err.$metadata).toEqual({ httpStatusCode: 503 });
    expect(faultAnswer(err)).toBe(`${name} (HTTP 503): the catalog table t in us-east-1 could not be used`);
    expect(isServerFault(err)).toBe(true);
    expect(isPassingAwsFailure(err)).toBe(true);
  });

  it('keeps no status when the answer had none a number says', () => {
    expect(make('m', sdkFault(undefined)).$metadata).toEqual({});
    expect(make('m', sdkFault('503')).$metadata).toEqual({});
    expect(make('m', new Error('socket hang up')).$metadata).toEqual({});
  });
});

// f65G: faultAnswer put the service's (or a proxy's) message raw into the CLI's message: a newline forged a line of it
// and an ESC coloured the terminal, and a pasted page flooded it.
describe('faultAnswer', () => {
  it("shows the answer's name and message escaped and cut, as the other answers' words are", () => {
    const err = Object.assign(new Error('down\nlifeboat: all good \u001b[32mOK'), { name: 'Internal\u001bError', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    const said = faultAnswer(err);
    expect(said).toBe('Internal\\u001bError (HTTP 500): down\\u000alifeboat: all good \\u001b[32mOK');
    expect(said.includes('\n') || said.includes('\u001b')).toBe(false);
    const long = Object.assign(new Error('x'.repeat(2000)), { name: 'InternalError', $fault: 'server' });
    expect(faultAnswer(long)).toBe(`InternalError: ${'x'.repeat(500)}… (cut from 2000 characters)`);
  });
});
