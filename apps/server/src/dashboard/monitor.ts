import type { LimiterStats } from '@boundkit/limiter'
import type { PipelineStats } from '@boundkit/pipeline'
import type { PoolStats } from '@boundkit/pool'

/**
 * What the live page shows, read once a second from the run's counters and its packages' `stats()`
 * (a limiter's, a pool's, a pipeline's; never from log lines): a history of samples for the charts,
 * and the latest view for the counters, the panels, the latency figures and the errors.
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
  /** Tokens the answers counted in the last 60 s, with `tokens` in the reading. */
  tokensPerMinute?: number
  /** Pool work: threads running a task now, tasks waiting, and threads alive (counts). */
  pool?: { busy: number; queued: number; threads: number }
  /** A pipeline: fetches in flight, payloads waiting between the stages, items being processed (counts). */
  stages?: { fetching: number; buffered: number; processing: number }
}

/** A pool's panel: its state now, and its totals. */
export interface PoolPanel {
  threads: number
  busy: number
  queued: number
  /** Share of the pool's capacity spent busy since its first task, 0..1 (`PoolStats.utilization`). */
  utilization: number
  done: number
  failed: number
  crashed: number
  /** How long tasks ran on a worker, ms. */
  runP50: number
  runP99: number
}

/** A pipeline's panel: each stage now, and its totals. */
export interface PipelinePanel {
  fetching: number
  buffered: number
  processing: number
  fetched: number
  fetchFailed: number
  done: number
  failed: number
  /** ms during which both stages were busy at once. */
  overlapMs: number
  maxBuffered: number
}

/** What a worker of a distributed run says of itself now (sampled through Redis once a second). */
export interface WorkerLive {
  /** Jobs it runs now, and at most at once (counts). */
  inFlight: number
  concurrency: number
  /** 429 answers it got since it started (count). */
  rateLimited: number
  /** Its local limiter: requests allowed at once, in flight, waiting, and whether a cooldown holds them. */
  limiter: { concurrency: number; running: number; queued: number; coolingDown: boolean }
}

/** One worker of a distributed run: the outcomes of the jobs it ran, its share of them, and its state now. */
export interface WorkerShare {
  name: string
  done: number
  failed: number
  /** Its outcomes over all the outcomes with a known worker, 0..1. */
  share: number
  /** What it says of itself now; absent when it no longer says (stopped, killed) or never did. */
  live?: WorkerLive
}

/** The latest state, for the counters and tables. */
export interface View {
  label: string
  /** One line under the title: what runs (files, a server's address). */
  detail: string
  /** The command line, its secrets redacted; empty when the run has none. */
  command: string
  /** The limits the run was given, as one line; empty when none. */
  limits: string
  /** What runs now, when the run has parts (the demo's scenarios). */
  phase: string
  /** Epoch ms of the start. */
  startedAt: number
  elapsedMs: number
  /** Items this run has to do; null when it has no end (a server). */
  total: number | null
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
  /**
   * Errors by code: the items that failed for good (`count`), the failed attempts that were retried
   * (`retried`), and the first message seen.
   */
  errors: { code: string; count: number; retried: number; sample: string }[]
  /** Retried attempts by reason: `429`, `5xx`, `timeout`, `connection`, `other`. */
  retryReasons: Record<string, number>
  /** Answers received and waiting for an earlier record's before they are written (on disk in a journal). */
  unwritten: number
  /** Tokens in the last 60 s against the per-minute limit, when the run counts tokens. */
  tokens?: { perMinute: number; limitPerMinute: number | null }
  /** What the answers cost so far against `--max-cost`, when the run counts cost. */
  cost?: { usd: number | null; maxUsd: number | null }
  pool?: PoolPanel
  pipeline?: PipelinePanel
  /** A distributed run: each worker's share of the outcomes so far. */
  workers?: WorkerShare[]
  /** A run over several endpoints: each one's figures. */
  endpoints?: EndpointReading[]
  finished: boolean
  interrupted: boolean
}

/**
 * One endpoint of a run over several: what it was sent and answered, whether it is drained now, and
 * what its 401, 403 and 404 answers took it out of for the rest of the run.
 */
export interface EndpointReading {
  name: string
  requests: number
  tokens: number
  rateLimited: number
  costUsd: number | null
  drains: number
  drained: boolean
  /** Its 401, 403 and 404 answers (count). */
  refused: number
  /** What they took it out of: a model (403, 404), or every model (`model: null`, a 401). */
  takenOut: { status: number; model: string | null }[]
}

/** What the run tells the monitor each second: its counts and the `stats()` of what it runs on. */
export interface RunReading {
  /** Items finished ok / failed so far (counts). */
  done: number
  failed: number
  /** Requests made so far (count), when the run makes them. */
  requests?: number
  /**
   * Counts the run keeps itself, over those read from its stats: items in flight and waiting, 429
   * answers, and the Retry-After pauses and their time (ms) of a run without a limiter of its own.
   */
  inFlight?: number
  queued?: number
  rateLimited?: number
  cooldowns?: number
  cooldownMs?: number
  /** What runs now, when the run has parts. */
  phase?: string
  limiter?: LimiterStats
  pool?: PoolStats
  pipeline?: PipelineStats
  /** A distributed run: the outcomes by the worker that ran each job, and each worker's state now. */
  workers?: { name: string; done: number; failed: number; live?: WorkerLive }[]
  /** A run over several endpoints (`--endpoints`): each one's requests, tokens, 429s, cost, drains and refusals. */
  endpoints?: EndpointReading[]
  /** Answers received and waiting for an earlier record's before they are written. */
  unwritten?: number
  /** The least time (ms) the items left can take at the run's limits: the ETA is never below it. */
  etaFloorMs?: number
  /** Retried attempts by reason, and by code with the first message. */
  retryReasons?: Record<string, number>
  retryErrors?: { code: string; count: number; sample: string }[]
  /** Tokens in the last 60 s, and the per-minute limit. */
  tokens?: { perMinute: number; limitPerMinute: number | null }
  /** USD the answers cost so far (null: no price), and `--max-cost`. */
  cost?: { usd: number | null; maxUsd: number | null }
}

/** What the monitor is told once: the run's name, a line about it, and how many items it has to do (null: no end). */
export interface RunInfo {
  label: string
  detail: string
  total: number | null
  /** The command line, its secrets redacted. */
  command?: string
  /** The limits the run was given, as one line. */
  limits?: string
}

/** History kept for the charts: past it, older samples are thinned to every other one. */
const MAX_SAMPLES = 3600
/** Latencies kept for the run's percentiles: a reservoir sample once past it. */
const MAX_LATENCIES = 10_000
/** Latencies kept for each second of the recent percentiles (a busy server finishes thousands a second). */
const MAX_RECENT_PER_SECOND = 1000
const RATE_SPAN_S = 5
const RECENT_SECONDS = 10

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

function windowLabel(w: LimiterStats['windows'][number]): string {
  const per = w.interval === 60_000 ? 'min' : w.interval === 1000 ? 's' : `${w.interval} ms`
  return `${w.cost ?? 'requests'}/${per}`
}

/** A uniform sample of at most `size` of the values offered to it (reservoir sampling). */
class Reservoir {
  readonly values: number[] = []
  #seen = 0
  constructor(readonly size: number) {}

  offer(value: number): void {
    this.#seen++
    if (this.values.length < this.size) this.values.push(value)
    else {
      const slot = Math.floor(Math.random() * this.#seen)
      if (slot < this.size) this.values[slot] = value
    }
  }
}

function poolPanel(stats: PoolStats): PoolPanel {
  return {
    threads: stats.threads,
    busy: stats.running,
    queued: stats.queued,
    utilization: stats.utilization,
    done: stats.done,
    failed: stats.failed,
    crashed: stats.crashed,
    runP50: stats.runTime.p50,
    runP99: stats.runTime.p99,
  }
}

function pipelinePanel(stats: PipelineStats): PipelinePanel {
  const { fetching, buffered, processing, fetched, fetchFailed, done, failed, overlapMs, maxBuffered } = stats
  return { fetching, buffered, processing, fetched, fetchFailed, done, failed, overlapMs, maxBuffered }
}

/** The errors table: failures for good by code, beside the retried attempts by code. */
function errorRows(
  failed: ReadonlyMap<string, { count: number; sample: string }>,
  retried: readonly { code: string; count: number; sample: string }[],
): View['errors'] {
  const rows = new Map<string, View['errors'][number]>()
  for (const [code, e] of failed) rows.set(code, { code, count: e.count, retried: 0, sample: e.sample })
  for (const r of retried) {
    const row = rows.get(r.code)
    if (row) row.retried = r.count
    else rows.set(r.code, { code: r.code, count: 0, retried: r.count, sample: r.sample })
  }
  return [...rows.values()].sort((a, b) => b.count + b.retried - (a.count + a.retried))
}

function shares(workers: NonNullable<RunReading['workers']>): WorkerShare[] {
  const all = workers.reduce((n, w) => n + w.done + w.failed, 0)
  return workers
    .map((w) => ({ ...w, share: all > 0 ? (w.done + w.failed) / all : 0 }))
    .sort((a, b) => b.share - a.share || a.name.localeCompare(b.name))
}

export class RunMonitor {
  readonly #samples: Sample[] = []
  readonly #latencies = new Reservoir(MAX_LATENCIES)
  /** The latencies of the last seconds, one reservoir a second (the newest last). */
  readonly #recent: { second: number; latencies: Reservoir }[] = []
  readonly #errors = new Map<string, { count: number; sample: string }>()
  readonly #listeners = new Set<(sample: Sample, view: View) => void>()
  readonly #startedAt = Date.now()
  readonly #t0 = performance.now()
  #nextId = 1
  #view: View
  #timer: NodeJS.Timeout | undefined
  #finished = false

  constructor(
    readonly info: RunInfo,
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
    this.#latencies.offer(ms)
    const second = Math.floor((performance.now() - this.#t0) / 1000)
    let bucket = this.#recent.at(-1)
    if (bucket?.second !== second) {
      bucket = { second, latencies: new Reservoir(MAX_RECENT_PER_SECOND) }
      this.#recent.push(bucket)
      if (this.#recent.length > RECENT_SECONDS + 1) this.#recent.shift()
    }
    bucket.latencies.offer(ms)
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
    const since = Math.floor((now - this.#t0) / 1000) - RECENT_SECONDS
    const recent = this.#recent
      .filter((b) => b.second >= since)
      .flatMap((b) => b.latencies.values)
      .sort((a, b) => a - b)
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
      ...(view.tokens && { tokensPerMinute: view.tokens.perMinute }),
      p50: percentile(recent, 0.5),
      p90: percentile(recent, 0.9),
      p99: percentile(recent, 0.99),
      ...(view.pool && {
        pool: { busy: view.pool.busy, queued: view.pool.queued, threads: view.pool.threads },
      }),
      ...(view.pipeline && {
        stages: {
          fetching: view.pipeline.fetching,
          buffered: view.pipeline.buffered,
          processing: view.pipeline.processing,
        },
      }),
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
  #rateNow(finished: number, now: number): number {
    const back = this.#samples[Math.max(0, this.#samples.length - RATE_SPAN_S)]
    if (back === undefined) return now > 0 ? finished / now : 0
    const span = now - back.t
    return span > 0 ? (finished - back.done - back.failed) / span : 0
  }

  #makeView(reading: RunReading, finished: boolean, interrupted: boolean): View {
    const elapsedMs = performance.now() - this.#t0
    const { limiter, pool, pipeline } = reading
    const finishedItems = reading.done + reading.failed
    // Once the run ended nothing more finishes: the rate now reads 0, not the last seconds'.
    const rateNow = finished ? 0 : Math.max(0, this.#rateNow(finishedItems, elapsedMs / 1000))
    const rateAverage = elapsedMs > 0 ? (finishedItems * 1000) / elapsedMs : 0
    const { total } = this.info
    const left = total === null ? null : total - finishedItems
    const etaMs =
      left === null
        ? null
        : finished || left <= 0
          ? 0
          : rateNow > 0
            ? Math.round(Math.max((left / rateNow) * 1000, reading.etaFloorMs ?? 0))
            : (reading.etaFloorMs ?? null)
    // In flight and queued: the limiter's when there is one, else the pipeline's, else the pool's.
    const inFlight =
      reading.inFlight ??
      limiter?.running ??
      (pipeline ? pipeline.fetching + pipeline.processing : (pool?.running ?? 0))
    const queued =
      reading.queued ??
      (limiter ? limiter.queued + limiter.waiting : pipeline ? pipeline.buffered : (pool?.queued ?? 0))
    const sorted = [...this.#latencies.values].sort((a, b) => a - b)
    return {
      label: this.info.label,
      detail: this.info.detail,
      command: this.info.command ?? '',
      limits: this.info.limits ?? '',
      phase: reading.phase ?? '',
      total,
      startedAt: this.#startedAt,
      elapsedMs: Math.round(elapsedMs),
      done: reading.done,
      failed: reading.failed,
      inFlight,
      queued,
      rateNow,
      rateAverage,
      etaMs,
      concurrency: limiter && Number.isFinite(limiter.concurrency) ? limiter.concurrency : 0,
      windows: (limiter?.windows ?? []).map((w) => ({ label: windowLabel(w), used: w.used, limit: w.limit })),
      requests: reading.requests ?? 0,
      retries: limiter?.retried ?? pipeline?.retried ?? 0,
      rateLimited: reading.rateLimited ?? limiter?.rateLimited ?? 0,
      cooldowns: reading.cooldowns ?? limiter?.cooldowns ?? 0,
      cooldownMs: Math.round(reading.cooldownMs ?? limiter?.cooldownMs ?? 0),
      coolingDown: limiter?.coolingDown ?? false,
      latency: { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99) },
      errors: errorRows(this.#errors, reading.retryErrors ?? []),
      retryReasons: reading.retryReasons ?? {},
      unwritten: reading.unwritten ?? 0,
      ...(reading.tokens && { tokens: reading.tokens }),
      ...(reading.cost && { cost: reading.cost }),
      ...(pool && { pool: poolPanel(pool) }),
      ...(pipeline && { pipeline: pipelinePanel(pipeline) }),
      ...(reading.workers && { workers: shares(reading.workers) }),
      ...(reading.endpoints && { endpoints: reading.endpoints }),
      finished,
      interrupted,
    }
  }
}
