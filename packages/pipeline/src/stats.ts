import type { PipelineProgress, PipelineStats } from './types'

type Counter = Exclude<keyof PipelineProgress, 'rate' | 'elapsedMs'>

/**
 * The pipeline's counters and per-stage busy time. Busy time is integrated at every change of the
 * `fetching` and `processing` counters, so overlap (both stages busy at once) is exact, not sampled.
 */
export class StatsTracker {
  private readonly counts: Record<Counter, number> = {
    started: 0,
    fetching: 0,
    fetched: 0,
    buffered: 0,
    processing: 0,
    done: 0,
    failed: 0,
    retried: 0,
  }
  private fetchBusyMs = 0
  private processBusyMs = 0
  private overlapMs = 0
  private maxBuffered = 0
  private firstStart: number | undefined
  private lastChange = 0

  constructor(private readonly onChange?: (progress: PipelineProgress) => void) {}

  add(counter: Counter, delta: number): void {
    const now = performance.now()
    this.firstStart ??= now
    const span = now - this.lastChange
    if (this.lastChange > 0) {
      const fetching = this.counts.fetching > 0
      const processing = this.counts.processing > 0
      if (fetching) this.fetchBusyMs += span
      if (processing) this.processBusyMs += span
      if (fetching && processing) this.overlapMs += span
    }
    this.lastChange = now
    this.counts[counter] += delta
    if (counter === 'buffered') this.maxBuffered = Math.max(this.maxBuffered, this.counts.buffered)
    this.onChange?.(this.progress())
  }

  progress(): PipelineProgress {
    const elapsedMs = this.firstStart === undefined ? 0 : performance.now() - this.firstStart
    return {
      ...this.counts,
      elapsedMs,
      rate: elapsedMs > 0 ? (this.counts.done / elapsedMs) * 1000 : 0,
    }
  }

  stats(): PipelineStats {
    return {
      ...this.progress(),
      fetchBusyMs: this.fetchBusyMs,
      processBusyMs: this.processBusyMs,
      overlapMs: this.overlapMs,
      maxBuffered: this.maxBuffered,
    }
  }
}
