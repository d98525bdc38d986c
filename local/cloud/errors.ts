/** Errors of the local cloud. Names end in `Error`; the `cause` is kept where there is one. */
import { dataDirOption } from './data-dir-option';

/** The local cloud process did not become ready; `log` holds the tail of its output. */
export class LocalCloudStartError extends Error {
  override readonly name = 'LocalCloudStartError';
  constructor(
    message: string,
    readonly log: string,
    options?: { cause?: unknown },
  ) {
    super(log ? `${message}\n--- local cloud output ---\n${log}` : message, options);
  }
}

/** A local cloud already runs on this data directory (its LevelDB and buckets cannot be shared). */
export class LocalCloudAlreadyRunningError extends Error {
  override readonly name = 'LocalCloudAlreadyRunningError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`A local cloud already runs on ${dataDir} (pid ${pid}); stop it with \`lifeboat local down${dataDirOption(dataDir)}\` first.`);
  }
}

/** No local cloud runs on this data directory. */
export class LocalCloudNotRunningError extends Error {
  override readonly name = 'LocalCloudNotRunningError';
  constructor(readonly dataDir: string) {
    super(`No local cloud is running on ${dataDir}; start it with \`lifeboat local up${dataDirOption(dataDir)}\`.`);
  }
}

/**
 * <dataDir>/cloud.json exists but is no cloud's state (not JSON, not the schema, not readable), so
 * whether a cloud runs on the data directory, and which process it is, cannot be told. Nothing is
 * started or signalled: the message says how to find and stop a cloud that may still run there.
 */
export class LocalCloudStateDamagedError extends Error {
  override readonly name = 'LocalCloudStateDamagedError';
  constructor(
    readonly dataDir: string,
    readonly stateFile: string,
    readonly problem: string,
  ) {
    super(
      `${stateFile} is damaged (${problem}), so whether a local cloud still runs on ${dataDir} cannot be told; no cloud was started or signalled. ` +
        `Find a cloud that may still run there with \`pgrep -af 'cloud-process.*${dataDir}'\` (its ports: \`ss -ltnp\`), stop it with \`kill <pid>\`, then remove ${stateFile}.`,
    );
  }
}

/** The local cloud process did not exit in time after SIGTERM (it was then killed). */
export class LocalCloudStopError extends Error {
  override readonly name = 'LocalCloudStopError';
}

/**
 * A template value could not be resolved to a literal (an intrinsic function or reference the
 * provisioner does not evaluate). Names the stack, the resource and the property.
 */
export class UnresolvableTemplateValueError extends Error {
  override readonly name = 'UnresolvableTemplateValueError';
  constructor(
    readonly stackName: string,
    readonly logicalId: string,
    readonly propertyPath: string,
    reason: string,
  ) {
    super(`Cannot provision ${stackName}/${logicalId}: ${propertyPath} ${reason}`);
  }
}

/** A template declares a resource the local cloud cannot create as declared. */
export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
  constructor(
    readonly stackName: string,
    readonly logicalId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot provision ${stackName}/${logicalId}: ${message}`, options);
  }
}

/** A region the running local cloud does not serve; `regions` lists the ones it does. */
export class UnknownRegionError extends Error {
  override readonly name = 'UnknownRegionError';
  constructor(
    readonly region: string,
    readonly regions: readonly string[],
  ) {
    super(`The local cloud serves no region ${region}; its regions are ${regions.join(', ')}.`);
  }
}

/** A region could not be stopped or started, or the cloud's control endpoint did not answer as expected. */
export class RegionControlError extends Error {
  override readonly name = 'RegionControlError';
}
