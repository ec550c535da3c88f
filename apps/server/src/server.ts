import type { Pool } from '@boundkit/pool'
import Fastify, { type FastifyInstance } from 'fastify'
import { fibRunners, registerCpuRoute } from './cpu-route'
import { errorBody } from './errors'
import { clientErrorHandler, frameworkErrors, installErrorHandlers } from './http-errors'
import { registerImagesRoute } from './images-route'
import { registerJudgeRoute } from './judge-route'
import { ServerMetrics } from './metrics'
import { type ResolvedOptions, resolveOptions, type ServerOptions } from './options'
import { addPoolGauges, createCpuPool } from './pool'
import {
  addFetchGauges,
  createThumbnailsPipeline,
  type FetchCounters,
  registerThumbnailsRoute,
  type ThumbnailsPipeline,
} from './thumbnails-route'
import { validatorCompiler } from './validation'

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string
  /** The port actually bound (useful with `port: 0`). */
  port: number
  /** The metrics registry, where later sources (pool, limiter) add their gauges. */
  metrics: ServerMetrics
  /**
   * Stops accepting connections, lets in-flight requests finish (up to `shutdownTimeoutMs`, then cuts
   * the remaining connections) and releases everything. Safe to call more than once.
   */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** What the routes need to know about the server's life. */
export interface ServerState {
  /** Set by close(): new requests get 503, answers ask clients to drop keep-alive connections. */
  closing: boolean
  /** The base URL once listening: the only origin `POST /thumbnails` fetches from. */
  url: string
}

/** The pool and the pipeline on it; without them only inline mode and no /thumbnails. */
export interface ServerWorkers {
  pool: Pool
  pipeline: ThumbnailsPipeline
  counters: FetchCounters
}

/** Builds the Fastify app with every route, unstarted. */
export function buildApp(
  options: ResolvedOptions,
  metrics: ServerMetrics,
  state: ServerState,
  workers?: ServerWorkers,
): FastifyInstance {
  const app = Fastify({
    logger: options.logger,
    bodyLimit: options.bodyLimitBytes,
    // Keep-alive connections that are idle when close() is called are closed at once; busy ones finish.
    forceCloseConnections: 'idle',
    // Requests that still arrive on open connections while closing get our own 503 (onRequest below).
    return503OnClosing: false,
    clientErrorHandler,
    frameworkErrors,
  })
  app.setValidatorCompiler(validatorCompiler())
  // Bodies are JSON only: anything else is answered 415, not parsed as a string.
  app.removeContentTypeParser('text/plain')
  installErrorHandlers(app)
  app.addHook('onResponse', async (request, reply) => {
    metrics.requests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    })
  })
  app.addHook('onRequest', async (_request, reply) => {
    if (state.closing) {
      return reply.code(503).send(errorBody('ERR_UNAVAILABLE', 'Server is shutting down'))
    }
  })
  app.addHook('onSend', async (_request, reply) => {
    if (state.closing) reply.header('connection', 'close')
  })
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()))
  registerJudgeRoute(app, options, metrics)
  registerImagesRoute(app, options, metrics)
  registerCpuRoute(app, options, fibRunners(workers?.pool))
  if (workers) {
    registerThumbnailsRoute(app, options, {
      pipeline: workers.pipeline,
      origin: () => state.url,
      counters: workers.counters,
    })
  }
  return app
}

/** Starts the demo server; embedded by the CLI on an ephemeral port. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const resolved = resolveOptions(options)
  const metrics = new ServerMetrics()
  const state: ServerState = { closing: false, url: '' }
  const pool = createCpuPool(resolved.threads)
  const pipeline = createThumbnailsPipeline(resolved, pool)
  const counters: FetchCounters = { failed: 0 }
  addPoolGauges(metrics, pool)
  addFetchGauges(metrics, pipeline, counters)
  const app = buildApp(resolved, metrics, state, { pool, pipeline, counters })
  let url: string
  try {
    url = await app.listen({ port: resolved.port, host: resolved.host })
  } catch (error) {
    metrics.close()
    await app.close()
    await pipeline.close()
    await pool.destroy()
    throw error
  }
  state.url = url
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : resolved.port
  let closed: Promise<void> | undefined
  const close = () => {
    state.closing = true
    closed ??= (async () => {
      // Past the deadline, connections still open are cut and tasks still on the pool are stopped.
      const deadline = setTimeout(() => {
        app.server.closeAllConnections()
        void pool.destroy()
      }, resolved.shutdownTimeoutMs)
      try {
        await app.close()
        // After the HTTP server: no request is left that could still need the pipeline or the pool.
        await pipeline.close()
        await pool.close()
      } finally {
        clearTimeout(deadline)
        metrics.close()
      }
    })()
    return closed
  }
  return { url, port, metrics, close, [Symbol.asyncDispose]: close }
}
