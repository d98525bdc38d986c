import { CodecPool } from '../../vault/workers/codec-pool';

/**
 * Jest setupFilesAfterEnv of every tier. Each test file has its own module registry, hence its own
 * CodecPool.shared() of up to four worker threads; they would outlive the file in the jest worker
 * process, and one left referenced (a task without a reply) keeps the worker from exiting ("A worker
 * process has failed to exit gracefully"). So every file stops its pool when it ends.
 */
afterAll(async () => {
  await CodecPool.shutdownShared();
});
