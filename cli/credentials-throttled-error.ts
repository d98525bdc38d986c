import { credentialsStsTroubleKind, stsTroubleInstead } from './credentials-sts-unanswered';

/**
 * A request that was not sent because the role's STS throttled the ask for its credentials (markIfStsTrouble), in
 * words: `<what failed>: STS in <region> throttled the request for the credentials' role (…), so <service> was not
 * asked; STS may take the request in a minute`. STS's bare `Throttling: Rate exceeded` read as DynamoDB's or S3's own
 * (review r63O F2). It does not say to run the command again: a read of the vault or the catalog throttled after the
 * command changed something (a forget done and its prune throttled, a restore that wrote part of its target) is not run
 * again as it was, and the command says what to run (f64W, as review r64E F1 found for S3's own throttle). It keeps STS's error name and answer (`$metadata`), so what tells a throttle (isThrottledRequest:
 * the format admission's glance, the runner's follow) reads it as before; the region is not down, so no other
 * region's way out is given.
 */
export class CredentialsThrottledError extends Error {
  readonly $metadata: { httpStatusCode?: number };

  constructor(message: string, cause: Error) {
    super(message, { cause });
    this.name = cause.name;
    const status = (cause as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
    this.$metadata = typeof status === 'number' ? { httpStatusCode: status } : {};
  }
}

/**
 * CredentialsThrottledError in place of `err` when it is STS's throttle of the credentials' role (`failed`: what could
 * not be done, `the primary catalog <table> could not be used`; `asked`: the service not asked, `S3 in us-east-1`;
 * `purpose`: what for, ` to unwrap its key with …`); undefined for any other error.
 */
export function credentialsThrottledInstead(err: unknown, failed: string, asked: string, purpose?: string): CredentialsThrottledError | undefined {
  if (!(err instanceof Error) || credentialsStsTroubleKind(err) !== 'throttled') return undefined;
  const sts = stsTroubleInstead(err, asked, purpose !== undefined ? { purpose } : {});
  return new CredentialsThrottledError(`${failed}: ${sts ?? err.message}; STS may take the request in a minute`, err);
}
