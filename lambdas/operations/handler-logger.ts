import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured logger of a handler bundle (Powertools Logger: JSON lines on stdout, which
 * Lambda sends to the function's log group and the local executor to the execution's log file).
 * `service` is lifeboat and `handler` the function's purpose (LIFEBOAT_HANDLER); the per-invocation
 * keys are appended by lifeboatHandler.
 */
export const handlerLogger = new Logger({
  serviceName: 'lifeboat',
  ...(process.env.LIFEBOAT_HANDLER ? { persistentKeys: { handler: process.env.LIFEBOAT_HANDLER } } : {}),
});
