/**
 * The error a failed Lambda reports reaches Step Functions as the JSON `{errorType, errorMessage, trace}`
 * in the execution's cause: its message is what a person reads. The trace's paths are those of the
 * bundle's sources, which exist only where it was built. Any other cause is returned as it is.
 */
export function causeMessage(cause: string | undefined): string | undefined {
  if (cause === undefined) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}
