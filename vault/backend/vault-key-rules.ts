/**
 * Why `key` is not a plain relative vault key, or undefined when it is: the rules the S3 and memory
 * stores share (one `/`-separated path, no empty, `.` or `..` segment, no backslash, no control
 * character — those cannot be returned in ListObjectsV2's XML 1.0 and mean a bug upstream).
 */
export function vaultKeyProblem(key: string): string | undefined {
  if (key === '') return 'it is empty';
  if (key.startsWith('/')) return "it starts with '/'";
  if (key.includes('\\')) return "it contains '\\' (keys are separated by '/' on every platform)";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'it contains a control character';
  for (const segment of key.split('/')) {
    if (segment === '..' || segment === '.') return `it contains a '${segment}' segment`;
    if (segment === '') return "it contains an empty segment ('//' or a trailing '/')";
  }
  return undefined;
}
