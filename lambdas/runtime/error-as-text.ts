/**
 * A thrown value as a person reads it in a message: an Error's name leads its message because for
 * SDK errors the name is the service's code (AccessDenied, NoSuchKey…), which the message often
 * leaves out. Anything else thrown has no name to give and is shown as it is.
 */
export function errorAsText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
