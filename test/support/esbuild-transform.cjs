// Jest transform: strips TypeScript with esbuild (type checking is `npm run typecheck`'s job).
const { transformSync } = require('esbuild');
const crypto = require('node:crypto');

module.exports = {
  process(source, filename) {
    const result = transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'node22',
      sourcemap: 'inline',
      sourcefile: filename,
    });
    return { code: result.code };
  },
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update('v1').update(filename).update(source).digest('hex');
  },
};
