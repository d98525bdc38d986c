import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { type Construct } from 'constructs';

export type VaultDistributedMapProps = {
  /** What the console shows beside the state. */
  readonly comment: string;
  /** The vault bucket: the items are a JSON Lines object in it, and the map run's results are written to it. */
  readonly vault: s3.IBucket;
  /** The vault's KMS key: the objects are SSE-KMS encrypted. */
  readonly vaultKey: kms.IKey;
  /** JSONPath of the items object's key in the state input (e.g. `$.backup.shardManifestKey`). */
  readonly itemsKeyPath: string;
  /** Vault keys the items object may have (IAM resources, e.g. `plans/*`): the state machine reads nothing else. */
  readonly itemsKeyPattern: string;
  /** Prefix of the map runs' result files in the vault, without a trailing slash (`<prefix>/<map run id>/manifest.json`…). */
  readonly resultPrefix: string;
  /** Fields added to every batch (`BatchInput`), as a payload template (`"field.$": "$.path"`). */
  readonly batchInput: Record<string, unknown>;
  /** JSONPath of the batch size (items per child execution) in the state input. */
  readonly itemsPerBatchPath: string;
  /** JSONPath of the run's concurrency bound in the state input. */
  readonly maxConcurrencyPath: string;
  readonly resultPath?: string;
};

/**
 * A Distributed Map whose items are a JSON Lines object in the vault and whose results go back to the
 * vault: the item list never travels in the state payload (256 KiB), however many items there are, and
 * every child runs as a Standard execution of its own (a shard may loop past one Lambda run).
 *
 * The reader and the writer are rendered here rather than with CDK's S3JsonLItemReader/ResultWriterV2:
 * those grant the state machine s3:GetObject / s3:PutObject on every object of the bucket, and
 * ResultWriterV2 renders only behind an app-wide feature flag, which a construct library must not set
 * on its users' apps. Here the state machine may read only `itemsKeyPattern` and write only under
 * `resultPrefix`, and use the vault key for exactly that.
 */
export class VaultDistributedMap extends sfn.DistributedMap {
  private readonly vaultBucket: s3.IBucket;
  private readonly resultPrefix: string;

  constructor(scope: Construct, id: string, props: VaultDistributedMapProps) {
    super(scope, id, {
      comment: props.comment,
      itemReader: new VaultJsonLinesReader(props.vault, props.itemsKeyPath, props.itemsKeyPattern),
      itemBatcher: new sfn.ItemBatcher({ maxItemsPerBatchPath: props.itemsPerBatchPath, batchInput: props.batchInput }),
      maxConcurrencyPath: props.maxConcurrencyPath,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      ...(props.resultPath !== undefined ? { resultPath: props.resultPath } : {}),
    });
    this.vaultBucket = props.vault;
    this.resultPrefix = props.resultPrefix;
  }

  override toStateJson(queryLanguage?: sfn.QueryLanguage): object {
    return {
      ...super.toStateJson(queryLanguage),
      ResultWriter: { Resource: `arn:${Aws.PARTITION}:states:::s3:putObject`, Parameters: { Bucket: this.vaultBucket.bucketName, Prefix: this.resultPrefix } },
    };
  }

  /** What the state machine's role needs for this map: read the items, write the results, with the vault key. */
  grantVaultAccess(role: iam.IGrantable, vaultKey: kms.IKey): void {
    iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:PutObject'], resourceArns: [this.vaultBucket.arnForObjects(`${this.resultPrefix}/*`)] });
    // Decrypt reads the SSE-KMS items object; GenerateDataKey encrypts the result files.
    iam.Grant.addToPrincipal({ grantee: role, actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resourceArns: [vaultKey.keyArn] });
  }
}

/** ItemReader of a JSON Lines object of the vault, its key read from the state input, with a read grant on the vault keys it may have. */
class VaultJsonLinesReader implements sfn.IItemReader {
  readonly resource = `arn:${Aws.PARTITION}:states:::s3:getObject`;

  constructor(
    readonly bucket: s3.IBucket,
    private readonly keyPath: string,
    private readonly keyPattern: string,
  ) {}

  render(): object {
    return { Resource: this.resource, ReaderConfig: { InputType: 'JSONL' }, Parameters: { Bucket: this.bucket.bucketName, 'Key.$': this.keyPath } };
  }

  providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(this.keyPattern)] })];
  }

  validateItemReader(): string[] {
    return [];
  }
}
