import type { LimiterStats } from '@boundkit/limiter'

/**
 * What the live page shows, read once a second from the runner's counters and its limiter's
 * `stats()` (never from log lines): a history of samples for the charts, and the latest view for
 * the counters, the latency figures and the errors.
 */

/** One point of the charts: the run at one second. */
export interface Sample {
  /** The event id of the sample (1, 2, ...): a page that reconnects asks for those after its last. */
  id: number
  /** Seconds since the run started. */
  t: number
  done: number
  failed: number
  inFlight: number
  queued: number
  /** Items finished per second over the last 5 s. */
  rate: number
  /** Requests allowed at once now (the adaptive limit when it is on); 0 when workers make them. */
  concurrency: number
  /** Share of each rate window used (0..1), in the order of `View.windows`. */
  windowUse: number[]
  /** 429 answers so far (count). */
  rateLimited: number
  /** A Retry-After cooldown held new starts at this second. */
  coolingDown: boolean
  /** Latency percentiles of the items finished in the last 10 s, ms (null when none finished). */
  p50: number | null
  p90: number | null
  p99: number | null
}

/** The latest state, for the counters and tables. */
export interface View {
  label: string
  input: string
  out: string
  /** Epoch ms of the start. */
  startedAt: number
  elapsedMs: number
  /** Records this run has to do. */
  total: number
  done: number
  failed: number
  inFlight: number
  queued: number
  rateNow: number
  rateAverage: number
  /** ms until the end at the recent rate, or null. */
  etaMs: number | null
  concurrency: number
  windows: { label: string; used: number; limit: number }[]
  requests: number
  retries: number
  rateLimited: number
  cooldowns: number
  cooldownMs: number
  coolingDown: boolean
  /** Latency over every finished item of the run (ms). */
  latency: { p50: number | null; p90: number | null; p99: number | null }
  /** Errors by code: how many and the first message seen. */
  errors: { code: string; count: number; sample: string }[]
  finished: boolean
  interrupted: boolean
}

/** What the runner tells the monitor each second. */
export interface RunReading {
  done: number
  failed: number
  requests: number
  stats: LimiterStats
}

/** History kept for the charts: past it, older samples are thinned to every other one. */
const MAX_SAMPLES = 3600
/** Latencies kept for the run's percentiles: a reservoir sample once past it. */
const MAX_LATENCIES = 10_000
const RATE_SPAN_S = 5
const RECENT_LATENCY_MS = 10_000

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

function windowLabel(w: LimiterStats['windows'][number]): string {
  const per = w.interval === 60_000 ? 'min' : w.interval === 1000 ? 's' : `${w.interval} ms`
  return `${w.cost ?? 'requests'}/${per}`
}

export class RunMonitor {
  readonly #samples: Sample[] = []
  readonly #latencies: number[] = []
  #latencySeen = 0
  readonly #recent: { at: number; ms: number }[] = []
  readonly #errors = new Map<string, { count: number; sample: string }>()
  readonly #listeners = new Set<(sample: Sample, view: View) => void>()
  readonly #startedAt = Date.now()
  readonly #t0 = performance.now()
  #nextId = 1
  #view: View
  #timer: NodeJS.Timeout | undefined
  #finished = false

  constructor(
    readonly info: { label: string; input: string; out: string; total: number },
    readonly read: () => RunReading,
  ) {
    this.#view = this.#makeView(read(), false, false)
  }

  /** Takes a sample now and then every second until `finish`. */
  start(): void {
    this.#tick()
    this.#timer = setInterval(() => this.#tick(), 1000)
    this.#timer.unref()
  }

  /** A finished item: its latency (first start to end, ms) and, when it failed, its error code and message. */
  record(ms: number, error?: { code: string; message: string }): void {
    this.#latencySeen++
    if (this.#latencies.length < MAX_LATENCIES) this.#latencies.push(ms)
    else {
      const slot = Math.floor(Math.random() * this.#latencySeen)
      if (slot < MAX_LATENCIES) this.#latencies[slot] = ms
    }
    this.#recent.push({ at: performance.now(), ms })
    if (error !== undefined) {
      const entry = this.#errors.get(error.code)
      if (entry) entry.count++
      else this.#errors.set(error.code, { count: 1, sample: error.message.slice(0, 300) })
    }
  }

  /** Takes the last sample and stops sampling. */
  finish(interrupted: boolean): void {
    if (this.#finished) return
    clearInterval(this.#timer)
    this.#finished = true
    this.#tick(interrupted)
  }

  /** Calls `listener` with each new sample and the view beside it; returns the function that stops it. */
  subscribe(listener: (sample: Sample, view: View) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** The samples after `afterId` (all of them by default). */
  samples(afterId = 0): Sample[] {
    return afterId <= 0 ? [...this.#samples] : this.#samples.filter((s) => s.id > afterId)
  }

  view(): View {
    return this.#view
  }

  #tick(interrupted = false): void {
    const reading = this.read()
    const now = performance.now()
    // One splice of the items older than 10 s (a shift each would move the whole array each time).
    const kept = this.#recent.findIndex((r) => r.at >= now - RECENT_LATENCY_MS)
    this.#recent.splice(0, kept === -1 ? this.#recent.length : kept)
    const recent = this.#recent.map((r) => r.ms).sort((a, b) => a - b)
    const view = this.#makeView(reading, this.#finished, interrupted)
    const sample: Sample = {
      id: this.#nextId++,
      t: Math.round((now - this.#t0) / 100) / 10,
      done: view.done,
      failed: view.failed,
      inFlight: view.inFlight,
      queued: view.queued,
      rate: view.rateNow,
      concurrency: view.concurrency,
      windowUse: view.windows.map((w) => (w.limit > 0 ? w.used / w.limit : 0)),
      rateLimited: view.rateLimited,
      coolingDown: view.coolingDown,
      p50: percentile(recent, 0.5),
      p90: percentile(recent, 0.9),
      p99: percentile(recent, 0.99),
    }
    this.#samples.push(sample)
    if (this.#samples.length > MAX_SAMPLES) {
      // Thin the older half: the charts keep their whole time axis at half the resolution there.
      const half = this.#samples.length >> 1
      const older = this.#samples.splice(0, half).filter((_, i) => i % 2 === 1)
      this.#samples.unshift(...older)
    }
    this.#view = view
    for (const listener of this.#listeners) listener(sample, view)
  }

  /** Items finished per second over the last 5 samples (or since the start). */
  #rateNow(done: number, now: number): number {
    const back = this.#samples[Math.max(0, this.#samples.length - RATE_SPAN_S)]
    if (back === undefined) return now > 0 ? done / now : 0
    const span = now - back.t
    return span > 0 ? (done - back.done - back.failed) / span : 0
  }

  #makeView(reading: RunReading, finished: boolean, interrupted: boolean): View {
    const elapsedMs = performance.now() - this.#t0
    const { stats } = reading
    const finishedItems = reading.done + reading.failed
    const rateNow = Math.max(0, this.#rateNow(finishedItems, elapsedMs / 1000))
    const rateAverage = elapsedMs > 0 ? (finishedItems * 1000) / elapsedMs : 0
    const left = this.info.total - finishedItems
    const sorted = [...this.#latencies].sort((a, b) => a - b)
    return {
      ...this.info,
      startedAt: this.#startedAt,
      elapsedMs: Math.round(elapsedMs),
      done: reading.done,
      failed: reading.failed,
      inFlight: stats.running,
      queued: stats.queued + stats.waiting,
      rateNow,
      rateAverage,
      etaMs: finished || left <= 0 ? 0 : rateNow > 0 ? Math.round((left / rateNow) * 1000) : null,
      concurrency: Number.isFinite(stats.concurrency) ? stats.concurrency : 0,
      windows: stats.windows.map((w) => ({ label: windowLabel(w), used: w.used, limit: w.limit })),
      requests: reading.requests,
      retries: stats.retried,
      rateLimited: stats.rateLimited,
      cooldowns: stats.cooldowns,
      cooldownMs: Math.round(stats.cooldownMs),
      coolingDown: stats.coolingDown,
      latency: { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99) },
      errors: [...this.#errors].map(([code, e]) => ({ code, ...e })).sort((a, b) => b.count - a.count),
      finished,
      interrupted,
    }
  }
}
