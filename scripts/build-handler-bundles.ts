import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { bundleHandlers, handlerNames } from '../lib/constructs/handler-bundle';

/**
 * Bundles every Lambda handler of lambdas/handlers into `<outdir>/<handler>/` (index.js, its source
 * map and codec-worker.js), replacing what was there: the layout LifeboatFunction takes prebuilt
 * code from (dist/handlers in the package, or LIFEBOAT_HANDLER_BUNDLES). Returns the handler names.
 */
export function buildHandlerBundles(outdir: string): string[] {
  const handlers = handlerNames();
  for (const handler of handlers) rmSync(path.join(outdir, handler), { recursive: true, force: true });
  bundleHandlers(handlers, outdir);
  return handlers;
}

// `tsx scripts/build-handler-bundles.ts <outdir>`: for a shell that sets LIFEBOAT_HANDLER_BUNDLES itself.
if (require.main === module) {
  const outdir = process.argv[2];
  if (!outdir) {
    process.stderr.write('usage: tsx scripts/build-handler-bundles.ts <outdir>\n');
    process.exit(2);
  }
  const built = buildHandlerBundles(path.resolve(outdir));
  process.stdout.write(`Bundled ${built.length} handlers into ${path.resolve(outdir)}: ${built.join(', ')}\n`);
}
