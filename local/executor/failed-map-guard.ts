import { setImmediate as afterPendingEvents } from 'node:timers/promises';
import { LambdaFunctionError } from './lambda-worker-pool';
import { isDistributedMap } from './distributed-map';
import { type AslDefinition } from './state-machine-definition';

/**
 * Stops the queued iterations of an inline Map that has failed. In AWS a failed iteration fails the
 * Map and stops every other iteration. aws-local-stepfunctions aborts the iterations that are
 * running, but the ones still queued behind MaxConcurrency start later all the same: their Tasks
 * would run after the Map's Catch has moved on (a drill's cleanup deleting scratch targets, then a
 * late restore writing into one again). The executor watches the history: once an iteration of a
 * Map fails, a Task nested in that Map does not run its function until the Map is entered again.
 */
export class FailedMapGuard {
  private readonly ancestors = new Map<string, readonly string[]>();
  private readonly failed = new Set<string>();
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(definition: AslDefinition) {
    this.collect(definition, []);
  }

  /**
   * Follows the execution's events (MapIterationFailed marks a Map failed; entering the Map again clears it, and so does
   * a retry of the Map: a Retry on a Map re-runs the whole Map, which the library does without entering it again).
   */
  observe(event: { type: string; state?: { name?: string }; parentState?: { name?: string } }): void {
    if (event.type === 'MapIterationFailed' && event.parentState?.name) {
      this.failed.add(event.parentState.name);
      for (const listener of this.listeners.get(event.parentState.name) ?? []) listener();
    } else if ((event.type === 'StateEntered' || event.type === 'StateRetried') && event.state?.name) this.failed.delete(event.state.name);
  }

  /** Throws instead of letting `stateName` run when a Map it is nested in has failed. */
  async check(stateName: string): Promise<void> {
    const maps = this.ancestors.get(stateName);
    if (!maps?.length) return;
    // The iteration that failed and the queued one that starts next settle in the same turn; its event must be seen first.
    await afterPendingEvents();
    const failedMap = maps.find((m) => this.failed.has(m));
    if (failedMap) throw new LambdaFunctionError('States.Aborted', `"${stateName}" did not run: an iteration of map "${failedMap}" failed, which stops the map's other iterations.`);
  }

  /**
   * Calls `listener` when a Map that `stateName` is nested in fails (a nested execution's Task stops its
   * child then, as Step Functions stops the children of the iterations it stops); returns the unsubscribe.
   */
  onFailure(stateName: string, listener: () => void): () => void {
    const maps = this.ancestors.get(stateName) ?? [];
    for (const map of maps) {
      let set = this.listeners.get(map);
      if (!set) this.listeners.set(map, (set = new Set()));
      set.add(listener);
    }
    return () => {
      for (const map of maps) this.listeners.get(map)?.delete(listener);
    };
  }

  private collect(definition: AslDefinition, maps: readonly string[]): void {
    for (const [name, state] of Object.entries(definition.States)) {
      this.ancestors.set(name, maps);
      const inner = state.Type === 'Map' && !isDistributedMap(state) ? [...maps, name] : maps;
      for (const child of [state.ItemProcessor, state.Iterator]) if (child) this.collect(child, inner);
      for (const branch of state.Branches ?? []) this.collect(branch, maps);
    }
  }
}
