import { httpStatusOf } from '../../vault';

/**
 * An S3 endpoint that does not implement the call: 501 NotImplemented, or 405 MethodNotAllowed (as some emulators
 * answer bucket policies, lifecycle configuration or versioned listings). The drill's cleanup then does without it.
 */
export function isUnsupportedS3Call(err: unknown): boolean {
  const name = err instanceof Error ? err.name : '';
  return name === 'NotImplemented' || name === 'MethodNotAllowed' || httpStatusOf(err) === 501 || httpStatusOf(err) === 405;
}
