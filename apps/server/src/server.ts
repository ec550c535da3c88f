import { asyncDispose } from '@boundkit/internal'
import { buildApp } from './app'
import { ServerError } from './errors'
import { addLoopLagGauge } from './loop-lag'
import { ServerMetrics } from './metrics'
import { resolveServerOptions, type ServerOptions } from './options'
import { OwnFetchListener } from './own-fetches'
import { createCpuPool } from './pool'
import { createThumbnailsPipeline } from './thumbnails-pipeline'

/** Past the shutdown deadline, how long the work that was stopped gets to send its answer, in ms. */
const ANSWER_GRACE_MS = 1000
/** The longest delay a timer can wait; a longer deadline is no deadline. */
const MAX_TIMER_MS = 2 ** 31 - 1

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string
  /** The port actually bound (useful with `port: 0`). */
  port: number
  /** The metrics registry, where later sources (pool, limiter) add their gauges. */
  metrics: ServerMetrics
  /**
   * Stops accepting connections, lets in-flight requests finish and releases everything. Past
   * `shutdownTimeoutMs`, the work that can stop is stopped and answered (thumbnail items `ERR_ABORTED`,
   * pool-mode fib `503`), and one second later the connections still open are cut. Idempotent: always
   * the same promise.
   */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** What closing the server stops and releases. */
interface Closing {
  app: ReturnType<typeof buildApp>
  resolved: ReturnType<typeof resolveServerOptions>
  ownFetches: OwnFetchListener
  pool: ReturnType<typeof createCpuPool>
  shutdown: AbortController
  closeStarted: AbortController
  release(): Promise<void>
  onClosing(): void
}

/**
 * The server's `close()`: refuse new requests, let those in flight finish within `shutdownTimeoutMs`,
 * then stop and answer what can stop, and one second later cut the connections still open.
 */
function closer({ app, resolved, ownFetches, pool, shutdown, closeStarted, release, onClosing }: Closing) {
  const stopInFlight = () => {
    shutdown.abort(
      new ServerError(
        'ERR_UNAVAILABLE',
        `The server shut down: requests still running after ${resolved.shutdownTimeoutMs} ms were stopped`,
        { status: 503 },
      ),
    )
    return setTimeout(() => {
      app.server.closeAllConnections()
      void ownFetches.close()
      void pool.destroy()
    }, ANSWER_GRACE_MS)
  }
  let closed: Promise<void> | undefined
  return (): Promise<void> => {
    onClosing()
    closeStarted.abort()
    closed ??= (async () => {
      let cut: NodeJS.Timeout | undefined
      const deadline =
        resolved.shutdownTimeoutMs <= MAX_TIMER_MS
          ? setTimeout(() => {
              cut = stopInFlight()
            }, resolved.shutdownTimeoutMs)
          : undefined
      try {
        await app.close()
        await release()
      } finally {
        clearTimeout(deadline)
        clearTimeout(cut)
      }
    })()
    return closed
  }
}

/** Starts the demo server; embedded by the CLI on an ephemeral port. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const resolved = resolveServerOptions(options)
  const metrics = new ServerMetrics()
  const stopLoopLag = addLoopLagGauge(metrics)
  const pool = createCpuPool(resolved.threads, metrics)
  const ownFetches = new OwnFetchListener()
  const pipeline = createThumbnailsPipeline(resolved, pool, metrics, () => ownFetches.url)
  const shutdown = new AbortController()
  const closeStarted = new AbortController()
  let closing = false
  let url = ''
  const app = buildApp({
    options: resolved,
    metrics,
    pool,
    pipeline,
    closing: () => closing,
    closeStarted: closeStarted.signal,
    shutdown: shutdown.signal,
    origin: () => url,
    isOwnFetch: (request) => ownFetches.has(request),
  })
  // After the HTTP server: no request is left that could still need the own fetches, the pipeline or the pool.
  const release = async () => {
    try {
      await ownFetches.close()
      await pipeline.close()
      await pool.close()
    } finally {
      stopLoopLag()
    }
  }
  try {
    url = await app.listen({ port: resolved.port, host: resolved.host })
    await ownFetches.listen((request, response) => app.routing(request, response))
  } catch (error) {
    closeStarted.abort()
    await app.close()
    await release()
    throw error
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : resolved.port

  const close = closer({
    app,
    resolved,
    ownFetches,
    pool,
    shutdown,
    release,
    closeStarted: closeStarted,
    onClosing: () => {
      closing = true
    },
  })
  return { url, port, metrics, close, [asyncDispose]: close }
}
