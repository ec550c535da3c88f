/**
 * The window a server enforces a per-interval limit over, as its reset headers show it: the limiter's
 * learned window (one process) and the queue's shared token window (a cluster) learn it alike.
 */

/** The window assumed before any reset header: a server may enforce a minute's limit per second (ms). */
export const FIRST_WINDOW_MS = 1000

/** A window's width from its longest reset: up to 100, 200, 250, 500 ms or 1 s, else whole seconds. */
export function windowSpanOf(resetMs: number): number {
  for (const step of [100, 200, 250, 500, 1000]) if (resetMs <= step) return step
  return Math.ceil(resetMs / 1000) * 1000
}
