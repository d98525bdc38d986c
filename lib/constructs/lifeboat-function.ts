import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { type Construct } from 'constructs';

export type LifeboatFunctionProps = {
  /** Handler file name under lambdas/handlers, without extension (e.g. 'snapshot-shard'). */
  readonly handler: string;
  readonly environment?: Record<string, string>;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default 15 minutes — snapshot shards stream whole objects */
  readonly timeout?: Duration;
};

/** Root of the repository, from which handler entries are resolved. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Every Lifeboat Lambda: Node.js 24 (nodejs24.x) on arm64, bundled by the local esbuild (never Docker), source maps
 * on, X-Ray tracing, its own log group with a retention. The handler file name doubles as the
 * function's purpose tag, which the local executor uses to report which handler ran.
 */
export class LifeboatFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: LifeboatFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Lifeboat ${props.handler} function`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      entry: path.join(PROJECT_ROOT, 'lambdas', 'handlers', `${props.handler}.ts`),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(15),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        LIFEBOAT_HANDLER: props.handler,
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        sourceMap: true,
        target: 'node24',
        // The nodejs24.x runtime ships AWS SDK v3; bundling it would only grow cold starts.
        externalModules: ['@aws-sdk/*'],
        // Bundle sizes on every synth only drown the output of `lifeboat demo`; warnings still show.
        logLevel: LogLevel.WARNING,
      },
    });
  }
}
