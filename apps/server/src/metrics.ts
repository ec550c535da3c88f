import { monitorEventLoopDelay } from 'node:perf_hooks'
import { Counter, Gauge, Registry } from 'prom-client'

/** The event-loop delay sampler ticks this often; its histogram counts the tick itself, taken off. */
const LOOP_RESOLUTION_MS = 10

/** One sample of a gauge added with `addGauge`: a value and, optionally, its labels. */
export interface GaugeSample {
  value: number
  labels?: Record<string, string>
}

export interface GaugeDefinition {
  /** Prometheus name, e.g. `boundkit_pool_threads`. */
  name: string
  help: string
  labelNames?: readonly string[]
  /** Read at each scrape: one number, or one sample per label set. */
  collect: () => number | readonly GaugeSample[]
}

/**
 * The server's metrics in one prom-client registry (not the global one, so several servers can run in
 * one process). Sources added later (the pool's threads and queue, the limiter's counters) register
 * read-at-scrape gauges with `addGauge`.
 */
export class ServerMetrics {
  readonly registry = new Registry()
  readonly requests: Counter<'method' | 'route' | 'status'>
  readonly judgeRateLimited: Counter
  readonly judgeFaults: Counter<'kind'>
  readonly #loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })

  constructor() {
    const registers = [this.registry]
    this.requests = new Counter({
      name: 'boundkit_http_requests_total',
      help: 'HTTP requests answered, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    })
    this.judgeRateLimited = new Counter({
      name: 'boundkit_judge_rate_limited_total',
      help: 'Judge requests refused with 429 by the token bucket.',
      registers,
    })
    this.judgeFaults = new Counter({
      name: 'boundkit_judge_faults_total',
      help: 'Judge requests failed on purpose, by fault kind (500, 503, reset).',
      labelNames: ['kind'],
      registers,
    })
    this.#loopDelay.enable()
    const loopDelay = this.#loopDelay
    new Gauge({
      name: 'boundkit_event_loop_lag_seconds',
      help: 'Event-loop lag since the previous scrape, by statistic (mean, p50, p99, max).',
      labelNames: ['stat'],
      registers,
      collect() {
        const seconds = (ns: number) =>
          Number.isFinite(ns) ? Math.max(0, ns / 1e9 - LOOP_RESOLUTION_MS / 1000) : 0
        this.set({ stat: 'mean' }, seconds(loopDelay.mean))
        this.set({ stat: 'p50' }, seconds(loopDelay.percentile(50)))
        this.set({ stat: 'p99' }, seconds(loopDelay.percentile(99)))
        this.set({ stat: 'max' }, seconds(loopDelay.max))
        loopDelay.reset()
      },
    })
  }

  /** Adds a gauge read at each scrape (pool threads, utilization, queue size, limiter counters...). */
  addGauge(definition: GaugeDefinition): void {
    const { collect } = definition
    new Gauge({
      name: definition.name,
      help: definition.help,
      labelNames: [...(definition.labelNames ?? [])],
      registers: [this.registry],
      collect() {
        const result = collect()
        if (typeof result === 'number') {
          this.set(result)
          return
        }
        this.reset()
        for (const sample of result) this.set(sample.labels ?? {}, sample.value)
      },
    })
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }

  close(): void {
    this.#loopDelay.disable()
  }
}
