import type S3rver from 's3rver';

/**
 * Lets s3rver's router take every object key. Its object routes are `/:bucket/:key+`, and a route
 * segment cannot be empty, so a key with an empty segment (`a//d`, `/lead`, `a//`) matched no route
 * and got Koa's plain 404. Such a request's path is rewritten with the key's `/` percent-encoded
 * (`/bucket/a%2F%2Fd`): the router takes the key as one segment and decodes it to the key it was,
 * and every middleware reading the path (s3RequestPath) reads the same bucket and key from either form.
 *
 * Nothing between the client and the store resolves `.` or `..` segments: the SDK sends them as
 * they are (it percent-encodes a key but for `/`, and `.` needs no encoding), and neither Node's
 * HTTP server, Koa nor @koa/router normalises a path. They reach the store as part of the key, which
 * is where confined-object-keys.ts keeps them from becoming a path of their own.
 */
export function keyRoutingMiddleware(): S3rver.Middleware {
  return async (ctx, next) => {
    const path = ctx.path;
    const keyStart = path.indexOf('/', 1) + 1;
    // A single trailing `/` (`a/`) is routed already: the router adds it back to the key.
    const key = keyStart > 1 ? path.slice(keyStart) : '';
    if (key.startsWith('/') || key.includes('//')) ctx.path = path.slice(0, keyStart) + key.replace(/\//g, '%2F');
    await next();
  };
}
