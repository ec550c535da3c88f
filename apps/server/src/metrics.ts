import { Counter, Gauge, Registry } from 'prom-client'

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

export interface CounterDefinition<Label extends string> {
  /** Prometheus name, ending in `_total`. */
  name: string
  help: string
  labelNames?: readonly Label[]
}

/**
 * The server's metrics in one prom-client registry (not the global one, so several servers can run in
 * one process). Each source registers its own metrics beside the code it measures: counters that it
 * increments, and gauges read at each scrape.
 */
export class ServerMetrics {
  readonly #registry = new Registry()

  /** Adds a counter that its source increments. */
  addCounter<Label extends string = never>(definition: CounterDefinition<Label>): Counter<Label> {
    return new Counter({
      name: definition.name,
      help: definition.help,
      labelNames: [...(definition.labelNames ?? [])],
      registers: [this.#registry],
    })
  }

  /** Adds a gauge read at each scrape (pool threads, utilization, queue size, limiter counters...). */
  addGauge(definition: GaugeDefinition): void {
    const { collect } = definition
    new Gauge({
      name: definition.name,
      help: definition.help,
      labelNames: [...(definition.labelNames ?? [])],
      registers: [this.#registry],
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
    return this.#registry.metrics()
  }

  get contentType(): string {
    return this.#registry.contentType
  }
}
