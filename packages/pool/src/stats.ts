import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'

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
  /** Tasks waiting for a worker: in the queue, or sent ahead to a busy worker that has not started them. */
  queued: number
  /** Tasks a worker is running now. */
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
   * A worker is busy with a task from when the pool hands it over (a task sent ahead: from when the
   * one before it is back) until its result or failure is back, running tasks included up to now.
   * 0 until the first task; it falls while the pool idles.
   */
  utilization: number
  /** How long tasks ran on a worker, over the same span as `utilization` counts them busy. */
  runTime: TimeSummary
  /** How long tasks waited for a worker to start them (in the queue, or sent ahead to a busy one). */
  waitTime: TimeSummary
}

/** Histograms hold integers: times are recorded in microseconds. */
const US_PER_MS = 1000

function record(histogram: RecordableHistogram, ms: number): void {
  histogram.record(Math.max(1, Math.round(ms * US_PER_MS)))
}

function timeSummary(h: RecordableHistogram): TimeSummary {
  if (h.count === 0) return { mean: 0, p50: 0, p90: 0, p99: 0, max: 0 }
  const ms = (us: number) => us / US_PER_MS
  return {
    mean: ms(h.mean),
    p50: ms(h.percentile(50)),
    p90: ms(h.percentile(90)),
    p99: ms(h.percentile(99)),
    max: ms(h.max),
  }
}

/**
 * The busy time behind `utilization`, and the run and wait times, kept by the pool itself (piscina's
 * own utilization divides a mean in ms by 1000 and reads 1000 times too low, and its run time counts
 * from when a task is posted, so a task sent ahead would count its wait as run time). The window starts
 * when the first task is handed to a worker, so starting the workers (and their `init`) before any work
 * is not counted as idle.
 */
export class BusyTime {
  readonly #now: () => number
  /** When the first task was handed to a worker (ms, on `now`'s scale). */
  #since: number | undefined
  /** Busy time of the tasks that have settled (ms). */
  #settled = 0
  /** The tasks on a worker now, with when each was handed over (ms). */
  readonly #running = new Map<object, number>()
  readonly #runTime = createHistogram()
  readonly #waitTime = createHistogram()

  constructor(now: () => number = () => performance.now()) {
    this.#now = now
  }

  /** `task` was handed to a worker; `queuedAt`: when it was given to the pool (ms, on `now`'s scale). */
  started(task: object, queuedAt?: number): void {
    const now = this.#now()
    this.#since ??= now
    this.#running.set(task, now)
    if (queuedAt !== undefined) record(this.#waitTime, now - queuedAt)
  }

  /** `task` settled (a task never handed to a worker is ignored). */
  settled(task: object): void {
    const start = this.#running.get(task)
    if (start === undefined) return
    this.#running.delete(task)
    const ran = this.#now() - start
    this.#settled += ran
    record(this.#runTime, ran)
  }

  runTime(): TimeSummary {
    return timeSummary(this.#runTime)
  }

  waitTime(): TimeSummary {
    return timeSummary(this.#waitTime)
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
