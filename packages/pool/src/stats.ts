/** Run or wait time percentiles, in milliseconds. */
export interface TimeSummary {
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
}

/** What `pool.stats()` reports. */
export interface PoolStats {
  /** Worker threads alive now. */
  threads: number
  /** Tasks waiting for a worker. */
  queued: number
  /** Tasks on a worker now. */
  running: number
  /** Tasks that resolved. */
  completed: number
  /** Tasks that rejected (task errors, crashes, timeouts, aborts). */
  failed: number
  /** Workers lost to a crash (exit, uncaught error, out of memory) or stopped by a timeout or abort. */
  crashed: number
  /** Share of the pool's capacity in use since it started, 0..1 (piscina's measure). */
  utilization: number
  /** How long tasks ran on a worker. */
  runTime: TimeSummary
  /** How long tasks waited in the queue. */
  waitTime: TimeSummary
}

interface HistogramLike {
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
}

export function timeSummary(h: HistogramLike): TimeSummary {
  const clean = (n: number) => (Number.isFinite(n) ? n : 0)
  return { mean: clean(h.mean), p50: clean(h.p50), p90: clean(h.p90), p99: clean(h.p99), max: clean(h.max) }
}
