import * as path from 'node:path';
import { type Command } from 'commander';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type EnvironmentConfig } from '../config/lifeboat-config';
import { DEFAULT_CONFIG_FILE } from '../config/load-config';
import { stackUsageIssue, targetEnvironment } from './target-environment';
import { resourceNames } from '../lib/stacks/resource-names';
import { BackupCatalog } from '../lambdas/catalog/backup-catalog';
import { admitWriter, type CatalogOfWriter } from './catalog-format-admission';
import { packageVersion } from './package-version';
import { processIo } from './cli-io';
import { MirrorLog } from '../lambdas/mirror/mirror-log';
import { ScrubLog } from '../lambdas/catalog/scrub-log';
import { PruneLog } from '../lambdas/catalog/prune-log';
import { ApprovalLog } from '../lambdas/approval/approval-log';
import { type KeyProvider } from '../vault';
import { KmsKeyProvider } from '../vault/aws';
import { loadLocalKeyFile, openBackupVault } from '../lambdas/runtime/backup-vault';
import { type Vault } from '../vault';
import { KMSClient } from '@aws-sdk/client-kms';
import { connectLocalCloud } from '../local/cloud/local-cloud';
import { localDynamoDbClient, localS3Client } from '../local/cloud/local-clients';
import { type LocalEndpoints } from '../lambdas/runtime/local-endpoints';
import { partitionOf } from '../config/aws-partition';
import { awsRequestSettings, awsTransferSettings } from './aws-client-settings';
import { CLI_CLIENT_TIMEOUTS, type ClientTimeouts, requestClientSettings, transferClientSettings } from './client-timeouts';
import { CatalogEndpointUnansweredError, isUnanswered, VaultEndpointUnansweredError } from './unanswered-endpoint';
import { CatalogEndpointFaultError } from './catalog-endpoint-fault-error';
import { VaultEndpointFaultError } from './vault-endpoint-fault-error';
import { sayVaultRequestFailures } from './vault-request-words';
import { faultAnswer, isServerFault } from './server-fault';
import { stsTroubleInstead } from './credentials-sts-unanswered';
import { credentialsThrottledInstead } from './credentials-throttled-error';
import { EndpointThrottledError } from './endpoint-throttled-error';
import { isThrottledRequest } from './throttled-request';
import { isCatalogRead } from './catalog-read-commands';

/**
 * Where the CLI's runbook commands act: the local cloud of a data directory (default) or AWS (`--aws`), on an environment
 * of the config file (`--env`) or, in AWS, on a LifeboatProtection's (`--stack`, read from its stack: target-environment.ts).
 */
export type TargetOptions = { config: string; env: string; dataDir: string; aws?: boolean; vaultKey?: string; stack?: string; stackRegion?: string; stackAccount?: string };

/**
 * `--dr-profile`: an AWS profile whose credentials reach the DR side (the DR catalog, the DR vault and its key) with
 * --aws, for a command that writes there while the DR stack is in another account (`drAccount`), whose policies
 * give the primary account's principals no such write. Without it the DR side uses the same credentials as the primary.
 */
export type DrAccountOptions = { drProfile?: string };

/**
 * The options every command that acts on an environment takes (TargetOptions, plus --json). `--stack` with `--env` or
 * `--config`, or without `--aws`, is refused before the command runs (exit 2, as commander's own usage errors).
 */
export function withTargetOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'Lifeboat config file', DEFAULT_CONFIG_FILE)
    .option('--env <name>', 'environment', 'dev')
    .option('--data-dir <dir>', 'local cloud data directory', '.lifeboat')
    .option('--aws', 'act on the deployed environment in AWS instead of the local cloud')
    .option('--stack <name>', "with --aws, instead of --env: the stack of a LifeboatProtection, whose environment is read from the stack's outputs")
    .option('--stack-region <region>', "the region of --stack's stack (default: the SDK's, from AWS_REGION or the profile)")
    .option('--stack-account <account>', "the account of --stack's stack (12 digits): in an outage of its region, whose copy of its environment to use, e.g. with credentials of its DR account")
    .option('--json', 'machine-readable output')
    .hook('preAction', (_command, action) => {
      const issue = stackUsageIssue(action.opts<Pick<TargetOptions, 'aws' | 'stack' | 'stackAccount'>>(), { env: action.getOptionValueSource('env') === 'cli', config: action.getOptionValueSource('config') === 'cli' }, action.name());
      if (issue !== undefined) action.error(`error: ${issue}`, { exitCode: 2, code: 'lifeboat.stackUsage' });
    });
}

/**
 * The catalog and vaults of an environment, as the CLI reaches them: in the local cloud through its
 * endpoints and the data directory's key file (the one the local executor gives every function), in
 * AWS through the SDK's default credentials and the vaults' KMS keys: the primary one by its alias
 * `alias/lifeboat-<env>-vault` unless --vault-key names another (ARN, id or alias), the DR one by its alias.
 * The DR side (its catalog, vault and key) takes --dr-profile's credentials when a command gives them, and
 * with `drAccount` its catalog is named by ARN, so that it is the DR account's table whoever asks.
 */
export type EnvironmentAccess = {
  environment: EnvironmentConfig;
  catalog: BackupCatalog;
  /** The catalog of either region (`<prefix>-catalog` in each; 'primary' is `catalog`): the DR one is what the DR region's runbooks read. */
  catalogIn(region: 'primary' | 'dr'): BackupCatalog;
  /** The scrub runs recorded in the same catalog table. */
  scrubLog: ScrubLog;
  /** The approvals of either region's catalog: an overwrite restore asks in its region's, a failover in the DR region's. */
  approvalsIn(region: 'primary' | 'dr'): ApprovalLog;
  /** The mirrors' last checks in a region's catalog (the mirror check runs in, and writes, the DR region's). */
  mirrorsIn(region: 'primary' | 'dr'): MirrorLog;
  /** The prune runs of a region's catalog: each vault's prune records itself in the catalog of its region. */
  pruneLogIn(region: 'primary' | 'dr'): PruneLog;
  openVault(side: 'primary' | 'dr'): Promise<Vault>;
  /**
   * The DR stack's account when it is not the environment's own (`drAccount`), else undefined: its catalog is then
   * named by ARN (`drCatalogTable`), and what the primary account may do there is only what replication needs.
   */
  drAccount: string | undefined;
  /** The DR catalog as the DR side's requests name it: its ARN when the DR stack is in another account, else its name. */
  drCatalogTable: string;
  /** A vault's bucket and an S3 client of its region (for bucket-level calls, e.g. its Object Lock configuration). */
  vaultBucket(side: 'primary' | 'dr'): { s3: S3Client; bucket: string };
  /** A DynamoDB client of a region's catalog, with the CLI's timeouts (the local cloud's endpoint locally): e.g. for the drill log. */
  catalogClientIn(region: string): DynamoDBClient;
  /** The timeouts of the clients this access builds: other clients of the same command (SFN, STS, CloudWatch…) take them too. */
  timeouts: ClientTimeouts;
};

/**
 * What a command needs of the access beyond its clients. `primaryCatalogUnanswered`: what the command can run instead
 * when the primary catalog does not answer (its region down), said after "If the primary region is down, ": a request
 * of the primary catalog then fails with CatalogEndpointUnansweredError naming the table, region and endpoint. The
 * commands that go on with the DR catalog by themselves (backups list, status, approvals) give none, and name the
 * unreadable catalog in their own words.
 */
export type AccessUse = {
  primaryCatalogUnanswered?: string;
  /**
   * What a write the primary catalog answered with a fault (which may have applied all the same) leaves the user to do,
   * said in parentheses after the fault: `running the command again is safe` where it is (hold, release). Without it
   * the note names the item written and the `aws dynamodb get-item` that reads it (review r63O F4: "read the item
   * before trying again" named neither).
   */
  primaryCatalogWriteNote?: string;
  /**
   * The catalogs the command writes or deletes through, or whose vault it writes or deletes in. When it names any,
   * the format markers of both catalogs are checked before the access is returned, and those named raised
   * (cli/catalog-format-admission.ts), so a CLI older than the environment refuses before it changes anything
   * (CatalogFormatTooNewError). Read-only commands give none.
   */
  writes?: readonly ('primary' | 'dr')[];
  /**
   * Check the format markers even when the command names no catalog in `writes`: both are then only glanced at (a
   * fault or silence skips one, with a warning), and none is raised. `lifeboat scrub` without `--repair`, which writes
   * only its run's record (review rZ3 F1: as a writer of the primary catalog it was refused by a busy or unreadable
   * primary, which a `--vault dr` scrub during an outage must not be).
   */
  checksFormat?: boolean;
  /**
   * Where a catalog not written whose format marker answered with a fault (a 5xx, a throttle, an expired token) is
   * said, skipped (default: the process's stderr; a command gives its io's, so a caller running it in-process reads it).
   */
  warn?: (line: string) => void;
  /**
   * The command only reads (status, backups list, estimate, report): with --stack in an outage, an older lifeboat's
   * copy may serve credentials whose account is not known offline, with a line naming its environment; a command that
   * acts takes it only with --stack-account (stack-environment.ts, review r62A F1).
   */
  readOnly?: boolean;
  /**
   * The environment the command already read (estimate reads it first, for its prices): not read again, for with
   * --stack in an outage each read says its line on the copy used (f62N's note).
   */
  environment?: EnvironmentConfig;
};

/** The DR side's clients of one AWS profile's credentials (`--dr-profile`), all of the DR region. */
export type ProfileClients = { dynamodb: DynamoDBClient; s3: S3Client; kms: KMSClient };

export type AccessClients = {
  dynamodb?: DynamoDBClient;
  drDynamodb?: DynamoDBClient;
  s3?: (region: string) => S3Client;
  kms?: (region: string) => KMSClient;
  /** The DR side's clients for --dr-profile (default: profileClients). */
  drProfile?: (profile: string, region: string) => ProfileClients;
  /** The timeouts of the clients built here, not of those given above (default CLI_CLIENT_TIMEOUTS; tests give short ones). */
  timeouts?: ClientTimeouts;
};

/**
 * SDK clients whose credentials are those of an AWS profile (the shared config and credentials files' profile, SSO
 * and role profiles included, as `fromIni({ profile })` reads it; the environment's AWS_ACCESS_KEY_ID does not take its
 * place), from the run's one provider of that profile, whose SSO and STS clients have the CLI's timeouts (run-credentials.ts).
 * `timeouts` bound the clients' requests, not the provider's asks (awsRequestSettings says why).
 */
export function profileClients(profile: string, region: string, timeouts: ClientTimeouts = CLI_CLIENT_TIMEOUTS): ProfileClients {
  return {
    dynamodb: new DynamoDBClient({ ...awsRequestSettings(region, timeouts, profile), profile }),
    s3: new S3Client({ ...awsTransferSettings(region, timeouts, profile), profile }),
    kms: new KMSClient({ ...awsRequestSettings(region, timeouts, profile), profile }),
  };
}

/**
 * What to do when a vault's S3 does not answer: its region may be down, and the other region's vault holds the
 * replicated backups. The commands that open a vault name it with --from (verify, restore) or --vault (catalog
 * rebuild, prune, forget, scrub).
 */
const OTHER_VAULT_HINT: Record<'primary' | 'dr', string> = {
  // catalog rebuild: `--vault dr` alone writes the primary catalog, in the region that is down; `--region dr` writes the DR one.
  primary: 'If the primary region is down, read the DR vault instead: --from dr (verify, restore), --vault dr --region dr (catalog rebuild) or --vault dr (prune, forget, scrub)',
  dr: 'If the DR region is down, the primary vault is read with --from primary or --vault primary; commands that need the DR vault can run again when its region answers',
};

/**
 * A vault's KMS key provider whose unwrap, when KMS does not answer, fails naming KMS and the key: opening a vault
 * reads from S3 and unwraps with KMS, and a bare timeout of either would otherwise be taken for S3's (review r3). When
 * the region's STS, asked for the credentials' role, is what did not answer, it says so: KMS was not asked (r63C F2).
 */
function kmsNamedWhenUnanswered(provider: KeyProvider, where: { vault: string; region: string; keyId: string; hint: string }): KeyProvider {
  return {
    kind: provider.kind,
    createVaultKey: () => provider.createVaultKey(),
    wrapVaultKey: (material) => provider.wrapVaultKey(material),
    unwrapVaultKey: (wrapped) =>
      provider.unwrapVaultKey(wrapped).catch((err: unknown) => {
        const kms = `KMS in ${where.region}`;
        const purpose = ` to unwrap its key with ${where.keyId}`;
        const throttled = credentialsThrottledInstead(err, `${where.vault} could not be opened`, kms, purpose);
        if (throttled !== undefined) throw throttled;
        // KMS's own throttle came out as its bare "Rate exceeded", read as S3's (f65K): in words that stay a throttle, so
        // the command says what the stop left and what to run (throttled-next-step.ts).
        if (isThrottledRequest(err)) throw new EndpointThrottledError(`${where.vault} could not be opened: ${kms} throttled the request${purpose} (${faultAnswer(err)}); KMS may take the request in a minute`, err);
        // A 5xx is the region's trouble as much as silence is, KMS's or STS's: the same way out (review r63O F3).
        if (isServerFault(err)) {
          const fault = stsTroubleInstead(err, kms, { purpose }) ?? `${kms}, asked${purpose}, answered with a fault of its own (${faultAnswer(err)})`;
          throw new VaultEndpointFaultError(`${where.vault} could not be opened: ${fault}. ${where.hint}`, err);
        }
        if (!isUnanswered(err)) throw err;
        const unanswered = stsTroubleInstead(err, kms, { purpose }) ?? `${kms} did not answer${purpose} (${err.message})`;
        throw new VaultEndpointUnansweredError(`${where.vault} could not be opened: ${unanswered}. ${where.hint}`, { cause: err });
      }),
  };
}

/**
 * The primary catalog's document client, whose requests fail with CatalogEndpointUnansweredError when DynamoDB does
 * not answer (after the client's own attempts), or the region's STS asked for the credentials' role does not, and
 * with CatalogEndpointFaultError when DynamoDB, or that STS, answers with a fault of its own (a 5xx). When STS is what
 * failed, the message says so: DynamoDB was not asked (review r62T F3, r63H F2). A write that DynamoDB failed with a
 * fault may have been applied all the same (review r63H F5): the message says so, where a read's does not. On a
 * stack of its own: the DynamoDB client may be another's (AccessClients.dynamodb), whose errors stay as they are.
 */
function namingUnanswered(documents: DynamoDBDocumentClient, where: { table: string; region: string; endpoint: string | undefined; instead: string; writeNote?: string | undefined }): DynamoDBDocumentClient {
  documents.middlewareStack = documents.middlewareStack.clone();
  documents.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const at = `DynamoDB in ${where.region}${where.endpoint ? ` (${where.endpoint})` : ''}`;
        const throttled = credentialsThrottledInstead(err, `the primary catalog ${where.table} could not be used`, 'DynamoDB');
        if (throttled !== undefined) throw throttled;
        // A 5xx is the region's trouble as much as silence is: it gets the same way out (review r63A F4).
        if (isServerFault(err)) {
          const sts = stsTroubleInstead(err, 'DynamoDB');
          // Not "read": hold's UpdateItem, forget's and rebuild's writes fail here too, and a write DynamoDB failed may have applied.
          const mayHaveApplied = sts === undefined && !isCatalogRead(context.commandName) ? ` (${where.writeNote ?? itemWriteNote(args.input, where)})` : '';
          const fault = sts ?? `${at} answered with a fault of its own (${faultAnswer(err)})${mayHaveApplied}`;
          throw new CatalogEndpointFaultError(`the primary catalog ${where.table} could not be used: ${fault}. If the primary region is down, ${where.instead}`, err);
        }
        if (!isUnanswered(err)) throw err;
        // The request may not have left: STS, asked for the credentials' role, is what did not answer (review r62T F3).
        const unanswered = stsTroubleInstead(err, 'DynamoDB') ?? `${at} did not answer (${err.message})`;
        throw new CatalogEndpointUnansweredError(`the primary catalog ${where.table} could not be reached: ${unanswered}. If the primary region is down, ${where.instead}`, { cause: err });
      }
    },
    { step: 'initialize', name: 'namePrimaryCatalogUnanswered' },
  );
  return documents;
}

/** The characters of a key that a single-quoted shell word with JSON around it holds as written. */
const SHELL_SAFE_KEY = /^[\w#:.@+=,/-]{1,200}$/;

/**
 * The note of a write the primary catalog failed with a fault, naming its item by the request's key (pk and sk, as the
 * document client gives them) and the line that reads it: the user checks what applied before writing again.
 */
function itemWriteNote(input: unknown, where: { table: string; region: string }): string {
  const key = (input as { Key?: Record<string, unknown> } | undefined)?.Key;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof (value as { S?: unknown } | undefined)?.S === 'string' ? (value as { S: string }).S : undefined);
  const pk = text(key?.pk);
  const sk = text(key?.sk);
  // A key a shell line cannot hold as written (a quote, a control character: a forged record's) is not spelled out.
  if (pk === undefined || sk === undefined || !SHELL_SAFE_KEY.test(pk) || !SHELL_SAFE_KEY.test(sk)) return 'the write may or may not have applied: read the item it wrote before trying again';
  const keyJson = JSON.stringify({ pk: { S: pk }, sk: { S: sk } });
  return `the write of item ${JSON.stringify(pk)} / ${JSON.stringify(sk)} may or may not have applied: read it with \`aws dynamodb get-item --region ${where.region} --table-name ${where.table} --key '${keyJson}'\` before trying again`;
}

/**
 * How the CLI names the DR region's catalog: DynamoDB resolves a bare table name in the caller's own account, so
 * with `drAccount` the DR account's table is reached by its ARN only (whoever asks: primary or DR credentials).
 */
export function drCatalogTableOf(environment: Pick<EnvironmentConfig, 'account' | 'drAccount' | 'drRegion'>, catalogTable: string): string {
  const drAccount = otherDrAccount(environment);
  return drAccount !== undefined ? `arn:${partitionOf(environment.drRegion)}:dynamodb:${environment.drRegion}:${drAccount}:table/${catalogTable}` : catalogTable;
}

/**
 * The timeouts of a glance at the format marker of a catalog a command does not write (cli/catalog-format-admission.ts):
 * one attempt, answered within 3 s (after a connection within the connection timeout), for a marker that does not
 * answer in time, or answers with a fault, is skipped and judged by the other catalog's. A live DynamoDB answers a
 * GetItem in milliseconds. A throttle or a 5xx is asked again by the admission itself, a short wait apart
 * (GLANCE_RETRY_DELAYS_MS): not here, where the SDK's backoff would also wait on silence.
 */
export function markerGlanceTimeouts(timeouts: ClientTimeouts): ClientTimeouts {
  return { ...timeouts, requestTimeoutMs: Math.min(timeouts.requestTimeoutMs, 3_000), requestMaxAttempts: 1 };
}

/** The DR stack's account when the environment puts it in another account than its own (`drAccount`). */
export function otherDrAccount(environment: Pick<EnvironmentConfig, 'account' | 'drAccount'>): string | undefined {
  return environment.drAccount !== undefined && environment.drAccount !== environment.account ? environment.drAccount : undefined;
}

export async function environmentAccess(options: TargetOptions & DrAccountOptions, clients: AccessClients = {}, use: AccessUse = {}): Promise<EnvironmentAccess> {
  const environment = use.environment ?? (await targetEnvironment(options, undefined, { readOnly: use.readOnly }));
  const names = resourceNames(environment);
  const regionOf = (side: 'primary' | 'dr') => (side === 'primary' ? environment.primaryRegion : environment.drRegion);
  const bucketOf = (side: 'primary' | 'dr') => (side === 'primary' ? names.primaryVault : names.drVault);
  const drAccount = otherDrAccount(environment);
  const drCatalogTable = drCatalogTableOf(environment, names.catalogTable);
  let endpoints: LocalEndpoints | undefined;
  if (!options.aws) endpoints = await connectLocalCloud(path.resolve(options.dataDir));
  // Every client built here gives up on an endpoint that does not answer (client-timeouts.ts): with a region down,
  // the other region's catalog is what the outage runbooks read, and waiting forever on the dead one would hide it.
  const timeouts = clients.timeouts ?? CLI_CLIENT_TIMEOUTS;
  const catalogClientIn = (region: string, clientTimeouts = timeouts): DynamoDBClient =>
    endpoints ? localDynamoDbClient(endpoints, region, requestClientSettings(clientTimeouts)) : new DynamoDBClient(awsRequestSettings(region, clientTimeouts));
  const dynamodb = clients.dynamodb ?? catalogClientIn(environment.primaryRegion);
  const builtS3 = (region: string): S3Client => (endpoints ? localS3Client(endpoints, region, transferClientSettings(timeouts)) : new S3Client(awsTransferSettings(region, timeouts)));
  // The DR side's own credentials, in AWS only (the local cloud has none): built on first use, once.
  let drProfileClients: ProfileClients | undefined;
  const profiled = (): ProfileClients | undefined => {
    if (!options.aws || options.drProfile === undefined) return undefined;
    drProfileClients ??= clients.drProfile ? clients.drProfile(options.drProfile, environment.drRegion) : profileClients(options.drProfile, environment.drRegion, timeouts);
    return drProfileClients;
  };
  // An opened vault's S3 client: once open, a prune's, scrub's or restore's reads printed S3's bare "Service Unavailable" or
  // "Please reduce your request rate." (f64W); they say the vault, S3's fault or throttle and the way out of the region
  // in the commands' own options, keeping the name, `$fault` and `$metadata` that retention and replication read. Only a
  // client built here, of this vault alone: one given (a test's, --dr-profile's, shared with other calls) stays as it is.
  const vaultS3Of = (side: 'primary' | 'dr', vault: string, saying: () => boolean): S3Client => {
    const given = (side === 'dr' ? profiled()?.s3 : undefined) ?? clients.s3?.(regionOf(side));
    if (given !== undefined) return given;
    const endpoint = endpoints?.s3[regionOf(side)];
    const s3In = (region: string) => `S3 in ${region}${endpoint && region === regionOf(side) ? ` (${endpoint})` : ''}`;
    return sayVaultRequestFailures(builtS3(regionOf(side)), bucketOf(side), s3In, { failed: `${vault} could not be used`, instead: OTHER_VAULT_HINT[side], saying });
  };
  const bucketClients: { primary?: S3Client; dr?: S3Client } = {};
  const kmsOf = (side: 'primary' | 'dr') => (side === 'dr' ? profiled()?.kms : undefined) ?? clients.kms?.(regionOf(side)) ?? new KMSClient(awsRequestSettings(regionOf(side), timeouts));
  const documents =
    use.primaryCatalogUnanswered === undefined
      ? DynamoDBDocumentClient.from(dynamodb)
      : namingUnanswered(DynamoDBDocumentClient.from(dynamodb), {
          table: names.catalogTable,
          region: environment.primaryRegion,
          endpoint: endpoints?.dynamodb[environment.primaryRegion],
          instead: use.primaryCatalogUnanswered,
          writeNote: use.primaryCatalogWriteNote,
        });
  const catalog = new BackupCatalog(documents, names.catalogTable);
  let drDocuments: DynamoDBDocumentClient | undefined;
  // Built on first use: a command that never reads the DR catalog makes no DR-region client.
  const drDocumentClient = (): DynamoDBDocumentClient => {
    drDocuments ??= DynamoDBDocumentClient.from(
      profiled()?.dynamodb ?? clients.drDynamodb ?? catalogClientIn(environment.drRegion),
    );
    return drDocuments;
  };
  let drCatalog: BackupCatalog | undefined;
  const catalogIn = (region: 'primary' | 'dr'): BackupCatalog => {
    if (region === 'primary') return catalog;
    drCatalog ??= new BackupCatalog(drDocumentClient(), drCatalogTable);
    return drCatalog;
  };
  const writes = new Set(use.writes ?? []);
  if (writes.size > 0 || use.checksFormat === true) {
    // A local cloud started without the DR region has no DR catalog to look at (nor to write: the command's own use of it says so).
    const drServed = endpoints === undefined || clients.drDynamodb !== undefined || endpoints.dynamodb[environment.drRegion] !== undefined;
    const regions = (['primary', 'dr'] as const).filter((region) => region === 'primary' || drServed);
    // A catalog the command does not write is only glanced at, on a client of its own that gives up at once
    // (markerGlanceTimeouts): a `--vault dr` run with the primary region down should not wait the catalog client's
    // two 10-s attempts on it. Clients given by the caller are used as they are.
    const glancing: DynamoDBClient[] = [];
    const glanceClientIn = (region: 'primary' | 'dr'): DynamoDBClient => {
      const given = region === 'primary' ? clients.dynamodb : profiled() !== undefined ? (clients.drProfile ? profiled()?.dynamodb : undefined) : clients.drDynamodb;
      if (given !== undefined) return given;
      const glance = markerGlanceTimeouts(timeouts);
      const client =
        region === 'dr' && options.drProfile !== undefined && options.aws
          ? profileClients(options.drProfile, environment.drRegion, glance).dynamodb
          : catalogClientIn(regionOf(region), glance);
      glancing.push(client);
      return client;
    };
    const catalogOfWriter = (region: 'primary' | 'dr'): CatalogOfWriter => {
      const written = writes.has(region);
      const catalog = written ? catalogIn(region) : new BackupCatalog(DynamoDBDocumentClient.from(glanceClientIn(region)), region === 'primary' ? names.catalogTable : drCatalogTable);
      return { catalog, region: regionOf(region), written, localDynamoDb: endpoints?.dynamodb[regionOf(region)] };
    };
    try {
      await admitWriter(regions.map(catalogOfWriter), packageVersion(), use.warn ?? processIo.err);
    } finally {
      for (const client of glancing) client.destroy();
    }
  }
  return {
    environment,
    catalog,
    catalogIn,
    approvalsIn: (region) => (region === 'primary' ? new ApprovalLog(documents, names.catalogTable) : new ApprovalLog(drDocumentClient(), drCatalogTable)),
    mirrorsIn: (region) => (region === 'primary' ? new MirrorLog(documents, names.catalogTable) : new MirrorLog(drDocumentClient(), drCatalogTable)),
    pruneLogIn: (region) => (region === 'primary' ? new PruneLog(documents, names.catalogTable) : new PruneLog(drDocumentClient(), drCatalogTable)),
    scrubLog: new ScrubLog(documents, names.catalogTable),
    async openVault(side) {
      let provider: KeyProvider;
      if (!options.aws) provider = await loadLocalKeyFile(path.join(path.resolve(options.dataDir), 'vault.key'), bucketOf(side));
      else {
        const keyId = side === 'dr' ? names.drVaultKeyAlias : options.vaultKey || names.primaryVaultKeyAlias;
        provider = kmsNamedWhenUnanswered(new KmsKeyProvider({ client: kmsOf(side), keyId, encryptionContext: { 'lifeboat:vault': bucketOf(side) } }), {
          vault: `the ${side === 'primary' ? 'primary' : 'DR'} vault ${bucketOf(side)}`,
          region: regionOf(side),
          keyId,
          hint: OTHER_VAULT_HINT[side],
        });
      }
      const endpoint = endpoints?.s3[regionOf(side)];
      const s3 = `S3 in ${regionOf(side)}${endpoint ? ` (${endpoint})` : ''}`;
      const vault = `the ${side === 'primary' ? 'primary' : 'DR'} vault ${bucketOf(side)}`;
      let opened = false;
      try {
        const opening = await openBackupVault({ s3: vaultS3Of(side, vault, () => opened), bucket: bucketOf(side), provider, create: false });
        opened = true;
        return opening;
      } catch (err) {
        const throttled = credentialsThrottledInstead(err, `${vault} could not be opened`, s3);
        if (throttled !== undefined) throw throttled;
        // A 5xx of S3, or of the STS asked for the credentials' role, printed its bare "Service Unavailable" (review r63O F3).
        // KMS's is already in words (kmsNamedWhenUnanswered), and is a fault too: not worded again as S3's.
        if (isServerFault(err) && !(err instanceof VaultEndpointFaultError)) {
          const fault = stsTroubleInstead(err, s3) ?? `${s3} answered with a fault of its own (${faultAnswer(err)})`;
          throw new VaultEndpointFaultError(`${vault} could not be opened: ${fault}. ${OTHER_VAULT_HINT[side]}`, err);
        }
        if (!isUnanswered(err) || err instanceof VaultEndpointFaultError) throw err;
        // The vault's first read may not have left: its region's STS, asked for the credentials' role, did not answer (r63C F2).
        const unanswered = stsTroubleInstead(err, s3) ?? `${s3} did not answer (${err.message})`;
        throw new VaultEndpointUnansweredError(`${vault} could not be opened: ${unanswered}. ${OTHER_VAULT_HINT[side]}`, { cause: err });
      }
    },
    // Its users (the Object Lock read behind hold and release, backups forget's snapshot arrivals) read S3's 4xx by name,
    // which pass as they are: its 5xx and throttles are said in words as an opened vault's are (review r64R F3).
    vaultBucket: (side) => {
      const vault = `the ${side === 'primary' ? 'primary' : 'DR'} vault ${bucketOf(side)}`;
      bucketClients[side] ??= vaultS3Of(side, vault, () => true);
      return { s3: bucketClients[side], bucket: bucketOf(side) };
    },
    catalogClientIn,
    timeouts,
    drAccount,
    drCatalogTable,
  };
}
