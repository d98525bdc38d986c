import { setupCliBundle } from './cli-bundle';

/** Jest globalSetup of the unit tier: the bundled CLI for the tests that run `lifeboat vault` as a process. */
export default function setup(): void {
  setupCliBundle();
}
