import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runLocalExecution } from '../../local/executor/run-local-execution';
import { FANOUT_STATE_MACHINE, synthesizeFanoutApp } from './fanout-app';

export type FanoutMeasurement = { shards: number; rounds: number; seconds: Record<string, number>; speedup: number };

/**
 * N CPU-bound shards through a Map, run by the local executor with 1 and with 2 Lambda workers.
 * Each configuration runs twice and keeps the faster (the first run also warms the page cache).
 */
export async function measureFanout(options: { shards?: number; rounds?: number; out?: (line: string) => void } = {}): Promise<FanoutMeasurement> {
  const shards = options.shards ?? 8;
  const rounds = options.rounds ?? 12_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeboat-fanout-'));
  try {
    const stack = synthesizeFanoutApp(path.join(dir, 'cdk.out'));
    const seconds: Record<string, number> = {};
    for (const workers of [1, 2]) {
      let best = Number.POSITIVE_INFINITY;
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await runLocalExecution({
          stack,
          stateMachine: FANOUT_STATE_MACHINE,
          input: { shards: Array.from({ length: shards }, (_, shard) => ({ shard, rounds })) },
          endpoints: { s3: {}, dynamodb: {} },
          dataDir: dir,
          workers,
        });
        if (result.status !== 'SUCCEEDED') throw new Error(`fan-out run failed: ${result.error ?? ''} ${result.cause ?? ''}`);
        best = Math.min(best, (Date.parse(result.stoppedAt) - Date.parse(result.startedAt)) / 1000);
      }
      seconds[`${workers}`] = best;
      options.out?.(`fan-out: ${shards} CPU-bound shards with ${workers} worker(s): ${best.toFixed(2)} s`);
    }
    const one = seconds['1'] ?? Number.NaN;
    const two = seconds['2'] ?? Number.NaN;
    return { shards, rounds, seconds, speedup: one / two };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  measureFanout({ out: (line) => process.stdout.write(`${line}\n`) })
    .then((m) => process.stdout.write(`speed-up with 2 workers: ${m.speedup.toFixed(2)}x\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
