import { type AslDefinition, type AslState } from '../../executor/state-machine-definition';

/** A state of a definition with the path that leads to it, e.g. `States["Snapshot shards"].ItemProcessor.States["Snapshot shard"]`. */
export type LocatedState = { readonly name: string; readonly path: string; readonly state: AslState };

/** Every state of the definition, those of Map item processors and Parallel branches included. */
export function* statesWithPaths(definition: AslDefinition, at = ''): Generator<LocatedState> {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    const path = `${at}States[${JSON.stringify(name)}]`;
    yield { name, path, state };
    for (const [field, child] of [
      ['ItemProcessor', state.ItemProcessor],
      ['Iterator', state.Iterator],
    ] as const) {
      if (child) yield* statesWithPaths(child, `${path}.${field}.`);
    }
    for (const [index, branch] of (state.Branches ?? []).entries()) yield* statesWithPaths(branch, `${path}.Branches[${index}].`);
  }
}
