/** Asked by a source reader at entry boundaries: true = stop here, the shard's time is nearly up. */
export type StopCheck = () => boolean;

/**
 * One stretch of a shard, as a source reader runs it: where to pick up (a resume point from the
 * shard's cursor; absent = from the start) and when to stop. A reader asked to stop stops at an
 * entry boundary (S3: it finishes the objects it has started; DynamoDB: it drops its open page and
 * resumes before it) and returns where the next stretch resumes.
 * It always writes at least one entry before it stops, so every stretch makes progress.
 */
export type ShardRun<R> = { readonly resume?: R; readonly shouldStop?: StopCheck };
