import { type DrillAccess, type DrillSide, reportKeyInPeriod } from '../../cli/drills/drill-access';
import { type DrillRecord } from '../../lambdas/catalog/drill-record';
import { findEnvironment, loadLifeboatConfig } from '../../config/load-config';
import { SAMPLE_CONFIG_FILE } from './repo-root';

/**
 * DrillAccess over maps, for the CLI's unit tests: each side's catalog (filtered like DrillLog.list:
 * ids at or after `since`, then plan) and each side's vault objects (listed like S3: the period's report keys, sorted). A side in `down` throws on
 * every read, as a stopped region does. `localDynamoDb`: the endpoints of the local cloud it stands for, by region, as
 * drillAccess gives them when it reads the local cloud (none: an access of AWS).
 */
export function inMemoryDrillAccess() {
  const catalogs: Record<DrillSide, DrillRecord[]> = { primary: [], dr: [] };
  const objects: Record<DrillSide, Map<string, Uint8Array>> = { primary: new Map(), dr: new Map() };
  const down = new Set<DrillSide>();
  const localDynamoDb: Record<string, string> = {};
  const environment = findEnvironment(loadLifeboatConfig(SAMPLE_CONFIG_FILE), 'dev');
  const refuse = (side: DrillSide) => {
    if (down.has(side)) throw new Error(`connect ECONNREFUSED 127.0.0.1 (${side} region stopped)`);
  };
  const idOf = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const access: DrillAccess = {
    environment,
    regionOf: (side) => (side === 'primary' ? environment.primaryRegion : environment.drRegion),
    drillLog: (side) => ({
      get: async (id) => (refuse(side), catalogs[side].find((r) => r.drillId === id)),
      list: async (options = {}) => {
        refuse(side);
        const since = options.since ? idOf(options.since) : '';
        return catalogs[side].filter((r) => r.drillId >= since && (options.plan === undefined || r.plan === options.plan)).sort((a, b) => a.drillId.localeCompare(b.drillId));
      },
    }),
    readReportObject: async (side, key) => (refuse(side), objects[side].get(key)),
    listReportKeys: async (side, period) => (refuse(side), [...objects[side].keys()].filter((k) => reportKeyInPeriod(k, period)).sort()),
    localDynamoDbOf: (region) => localDynamoDb[region],
  };
  return { access, catalogs, objects, down, localDynamoDb };
}
