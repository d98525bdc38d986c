import { z } from 'zod';

/**
 * What the cloud process's control endpoint (region-control-server.ts) and its client
 * (region-outage.ts) say to each other: plain JSON over HTTP on 127.0.0.1, every request carrying
 * the token from cloud.json as `Authorization: Bearer <token>` (docs/LOCAL-CLOUD.md, "Region outages").
 *
 * - `POST /regions/<region>/stop` and `POST /regions/<region>/start` → 200 `RegionChange`
 * - an unknown region → 404 `ControlError` with `regions`; a missing or wrong token → 401;
 *   a start or stop that failed → 500; a cloud shutting down → 503.
 */
export const REGION_ACTIONS = ['stop', 'start'] as const;
export type RegionAction = (typeof REGION_ACTIONS)[number];

export const regionStateSchema = z.enum(['up', 'stopped']);
export type RegionState = z.infer<typeof regionStateSchema>;

export const regionChangeSchema = z.object({
  region: z.string(),
  state: regionStateSchema,
  /** False when the region already was in that state (the request did nothing). */
  changed: z.boolean(),
});
export type RegionChange = z.infer<typeof regionChangeSchema>;

export const controlErrorSchema = z.object({
  error: z.enum(['UnknownRegion', 'Unauthorized', 'NotFound', 'RegionControlFailed', 'ShuttingDown']),
  message: z.string(),
  regions: z.array(z.string()).optional(),
});
export type ControlError = z.infer<typeof controlErrorSchema>;

export function regionActionPath(region: string, action: RegionAction): string {
  return `/regions/${encodeURIComponent(region)}/${action}`;
}
