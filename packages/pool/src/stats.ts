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
  /** Tasks that resolved (count). */
  done: number
  /** Tasks that rejected (task errors, crashes, timeouts, aborts). */
  failed: number
  /** Workers lost to a crash (exit, uncaught error, out of memory) or stopped by a timeout or abort. */
  crashed: number
  /**
   * Share of the pool's capacity spent busy, 0..1: the busy time of every worker (ms) over `threads`
   * (the configured maximum) times the wall time (ms) since the pool handed out its first task.
   * A worker is busy with a task from when the pool hands it over until its result or failure is
   * back, running tasks included up to now. 0 until the first task; it falls while the pool idles.
   */
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

/**
 * The busy time behind `utilization`, kept by the pool itself (piscina's own figure divides a mean
 * in ms by 1000 and reads 1000 times too low). The window starts when the first task is handed to a
 * worker, so starting the workers (and their `init`) before any work is not counted as idle.
 */
export class BusyTime {
  readonly #now: () => number
  /** When the first task was handed to a worker (ms, on `now`'s scale). */
  #since: number | undefined
  /** Busy time of the tasks that have settled (ms). */
  #settled = 0
  /** The tasks on a worker now, with when each was handed over (ms). */
  readonly #running = new Map<object, number>()

  constructor(now: () => number = () => performance.now()) {
    this.#now = now
  }

  /** `task` was handed to a worker. */
  started(task: object): void {
    const now = this.#now()
    this.#since ??= now
    this.#running.set(task, now)
  }

  /** `task` settled (a task never handed to a worker is ignored). */
  settled(task: object): void {
    const start = this.#running.get(task)
    if (start === undefined) return
    this.#running.delete(task)
    this.#settled += this.#now() - start
  }

  /** Busy time over `threads` times the wall time since the first task, 0..1. */
  utilization(threads: number): number {
    if (this.#since === undefined) return 0
    const now = this.#now()
    let busy = this.#settled
    for (const start of this.#running.values()) busy += now - start
    const capacity = threads * (now - this.#since)
    return capacity > 0 ? Math.min(1, busy / capacity) : 0
  }
}
