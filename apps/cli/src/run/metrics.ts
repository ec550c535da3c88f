/**
 * `--metrics <port>`: Prometheus' `/metrics` of a run or a worker, on a small HTTP server of its own.
 * Each metric is read at each scrape from what the run or the worker counts (no second bookkeeping);
 * prom-client loads only when `--metrics` is given.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { UsageError } from '../errors'
import type { MetricsSettings } from '../flags/metrics'
import type { OutputStream } from '../terminal'

/** One sample of a metric: its value, and its labels beside the registry's. */
export interface MetricSample {
  value: number
  labels?: Record<string, string>
}

/** A metric read at each scrape: a counter (named `..._total`) or a gauge, in base units (seconds, not ms). */
export interface MetricSpec<R> {
  name: string
  help: string
  type: 'counter' | 'gauge'
  labelNames?: readonly string[]
  /** Its value now, or one sample per label set; undefined: none now. */
  read(reading: R): number | readonly MetricSample[] | undefined
}

/** A gauge: a value that goes up and down. */
export function gauge<R>(name: string, help: string, read: MetricSpec<R>['read']): MetricSpec<R> {
  return { name, help, type: 'gauge', read }
}

/** A counter: a total that only grows (its name ends in `_total`). */
export function counter<R>(name: string, help: string, read: MetricSpec<R>['read']): MetricSpec<R> {
  return { name, help, type: 'counter', read }
}

/** A registry of `specs`, each read from `read()` at each scrape, with `labels` on every metric (and Node's process metrics). */
export async function metricsRegistry<R>(
  specs: readonly MetricSpec<R>[],
  read: () => R,
  labels: Record<string, string>,
): Promise<Registry> {
  const { Counter, Gauge, Registry, collectDefaultMetrics } = await import('prom-client')
  const registry = new Registry()
  registry.setDefaultLabels(labels)
  collectDefaultMetrics({ register: registry })
  for (const spec of specs) {
    const samples = (): readonly MetricSample[] => {
      const value = spec.read(read())
      return value === undefined ? [] : typeof value === 'number' ? [{ value }] : value
    }
    const options = { name: spec.name, help: spec.help, labelNames: [...(spec.labelNames ?? [])] }
    if (spec.type === 'counter') {
      new Counter({
        ...options,
        registers: [registry],
        collect() {
          this.reset()
          for (const s of samples()) this.inc(s.labels ?? {}, Math.max(0, s.value))
        },
      })
    } else {
      new Gauge({
        ...options,
        registers: [registry],
        collect() {
          this.reset()
          for (const s of samples()) this.set(s.labels ?? {}, s.value)
        },
      })
    }
  }
  return registry
}

/** A `/metrics` server; `close()` ends it. */
export interface MetricsServer {
  url: string
  close(): Promise<void>
}

/** Serves `registry` at `/metrics` (its address on stderr); a port it cannot take is a usage error. */
export async function serveMetrics(
  settings: NonNullable<MetricsSettings>,
  registry: Registry,
  stderr: OutputStream,
): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('Not found: the metrics are at /metrics\n')
      return
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500).end(String(error)),
    )
  })
  server.listen(settings.port, settings.host)
  try {
    await once(server, 'listening')
  } catch (error) {
    throw new UsageError(
      `--metrics could not listen on ${settings.host}:${settings.port}: ${(error as Error).message}`,
    )
  }
  const { port } = server.address() as AddressInfo
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  const url = `http://${host}:${port}/metrics`
  stderr.write(`Metrics: ${url}\n`)
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
