import { type EnvironmentConfig } from '../../config/lifeboat-config';
import { InvalidPriceTableError, type PriceTable } from './price-table';

/**
 * A price table for other regions than the environment's: its DR prices and labels would be another
 * region's (us-east-1 → sa-east-1 priced and labelled us-west-2), so the estimate refuses it rather
 * than print figures for regions the environment does not run in.
 */
export class PriceTableRegionMismatchError extends InvalidPriceTableError {
  constructor(file: string, prices: Pick<PriceTable, 'region' | 'drRegion'>, environment: Pick<EnvironmentConfig, 'name' | 'primaryRegion' | 'drRegion'>) {
    const wanted = `${environment.primaryRegion} → ${environment.drRegion}`;
    super(
      `the price table ${file} is for ${prices.region} → ${prices.drRegion}, but environment ${environment.name} runs in ${wanted}: ` +
        `give --prices <a table for ${wanted}> (a copy of a config/prices file with region ${environment.primaryRegion}, drRegion ${environment.drRegion} and those regions' prices)`,
    );
  }
}

/** Throws PriceTableRegionMismatchError unless the table's primary and DR regions are the environment's. */
export function assertPriceTableRegions(file: string, prices: Pick<PriceTable, 'region' | 'drRegion'>, environment: Pick<EnvironmentConfig, 'name' | 'primaryRegion' | 'drRegion'>): void {
  if (prices.region !== environment.primaryRegion || prices.drRegion !== environment.drRegion) throw new PriceTableRegionMismatchError(file, prices, environment);
}
