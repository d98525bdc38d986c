import { teardownCliBundle } from './cli-bundle';

/** Jest globalTeardown of the unit tier: removes the bundled CLI its setup made. */
export default function teardown(): void {
  teardownCliBundle();
}
