/**
 * A pipeline's counters since it was created, over all its runs. Counts are items; `fetching`,
 * `buffered` and `processing` are "now", the others only grow. At every `'progress'` event,
 * `started = fetching + fetched + fetchFailed` and `done <= started`.
 */
export interface PipelineStats {
  /** Count of items taken from the input. */
  started: number
  /** Count of fetches in flight now. */
  fetching: number
  /** Count of items whose fetch succeeded. */
  fetched: number
  /** Count of items whose fetch stage failed (after its retries) or was cancelled. */
  fetchFailed: number
  /** Count of fetched payloads waiting for the process stage now. */
  buffered: number
  /** Count of items in the process stage now. */
  processing: number
  /** Count of items with an outcome. */
  done: number
  /** Count of items whose outcome is a rejection (either stage). */
  failed: number
  /** Count of fetch retries (attempts after an item's first). */
  retried: number
  /** Outcomes per second (items/s) since the first item started. */
  rate: number
  /** ms since the first item started (0 before). */
  elapsedMs: number
  /** ms during which at least one fetch was in flight. */
  fetchBusyMs: number
  /** ms during which at least one item was being processed. */
  processBusyMs: number
  /** ms during which both stages were busy at once. */
  overlapMs: number
  /** The most fetched payloads (count) that waited between the stages at once; never above `buffer`. */
  maxBuffered: number
}

type Counter = Exclude<
  keyof PipelineStats,
  'rate' | 'elapsedMs' | 'fetchBusyMs' | 'processBusyMs' | 'overlapMs' | 'maxBuffered'
>

/** One change of state: the counters it moves, all at once. */
export type StatsChange = Partial<Record<Counter, number>>

/**
 * The pipeline's counters and per-stage busy time. Busy time is integrated at every change of the
 * `fetching` and `processing` counters, so overlap (both stages busy at once) is exact, not sampled.
 * Every change moves all its counters before `'progress'` is emitted, once: a listener never sees
 * an item counted in two places or in none.
 */
export class StatsTracker {
  readonly #counts: Record<Counter, number> = {
    started: 0,
    fetching: 0,
    fetched: 0,
    fetchFailed: 0,
    buffered: 0,
    processing: 0,
    done: 0,
    failed: 0,
    retried: 0,
  }
  /** Called after each change with a way to build the stats, only when someone listens. */
  readonly #onChange: (stats: () => PipelineStats) => void
  #fetchBusyMs = 0
  #processBusyMs = 0
  #overlapMs = 0
  #maxBuffered = 0
  #firstStart: number | undefined
  #lastChange: number | undefined

  constructor(onChange: (stats: () => PipelineStats) => void) {
    this.#onChange = onChange
  }

  change(change: StatsChange): void {
    const now = performance.now()
    this.#firstStart ??= now
    if (this.#lastChange !== undefined) {
      const span = now - this.#lastChange
      const fetching = this.#counts.fetching > 0
      const processing = this.#counts.processing > 0
      if (fetching) this.#fetchBusyMs += span
      if (processing) this.#processBusyMs += span
      if (fetching && processing) this.#overlapMs += span
    }
    this.#lastChange = now
    for (const counter of Object.keys(change) as Counter[]) this.#counts[counter] += change[counter] ?? 0
    this.#maxBuffered = Math.max(this.#maxBuffered, this.#counts.buffered)
    this.#onChange(() => this.stats())
  }

  stats(): PipelineStats {
    const elapsedMs = this.#firstStart === undefined ? 0 : performance.now() - this.#firstStart
    return {
      ...this.#counts,
      rate: elapsedMs > 0 ? (this.#counts.done / elapsedMs) * 1000 : 0,
      elapsedMs,
      fetchBusyMs: this.#fetchBusyMs,
      processBusyMs: this.#processBusyMs,
      overlapMs: this.#overlapMs,
      maxBuffered: this.#maxBuffered,
    }
  }
}
