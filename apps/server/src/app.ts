import type { IncomingMessage } from 'node:http'
import type { Pool } from '@boundkit/pool'
import Fastify, { type FastifyInstance } from 'fastify'
import { FileStore } from './batch-files'
import { errorBody } from './errors'
import { clientErrorHandler, frameworkErrors, installErrorHandlers } from './http-errors'
import { installJsonParser } from './json-body'
import type { ServerMetrics } from './metrics'
import type { ResolvedServerOptions } from './options'
import { registerBatchesRoutes } from './routes/batches'
import { registerChatCompletionsRoute } from './routes/chat-completions'
import { registerCpuFibRoute } from './routes/cpu-fib'
import { registerDashboardRoute } from './routes/dashboard'
import { registerFilesRoutes } from './routes/files'
import { registerHealthRoute } from './routes/health'
import { registerImagesRoute } from './routes/images'
import { registerJudgeRoute } from './routes/judge'
import { registerMessagesRoute } from './routes/messages'
import { registerMetricsRoute } from './routes/metrics'
import { registerThumbnailsRoute } from './routes/thumbnails'
import type { ThumbnailsPipeline } from './thumbnails-pipeline'
import { validatorCompiler } from './validation'

/** What the app is built from. */
interface AppParts {
  options: ResolvedServerOptions
  metrics: ServerMetrics
  pool: Pool
  pipeline: ThumbnailsPipeline
  /** True once close() was called. */
  closing: () => boolean
  /** Aborts when close() is called, before the HTTP server closes. */
  closeStarted: AbortSignal
  /** Fires at the shutdown deadline: work that can stop is stopped and answered. */
  shutdown: AbortSignal
  /** The public base URL, once listening. */
  origin: () => string
  /** Whether a request is one of the server's own fetches (served even while closing). */
  isOwnFetch: (request: IncomingMessage) => boolean
}

/** Builds the Fastify app with every route, unstarted. */
export function buildApp(parts: AppParts): FastifyInstance {
  const { options, metrics, closing, isOwnFetch } = parts
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
  installJsonParser(app)
  installErrorHandlers(app)
  const requests = metrics.addCounter({
    name: 'boundkit_http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'],
  })
  app.addHook('onResponse', async (request, reply) => {
    requests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    })
  })
  app.addHook('onRequest', async (request, reply) => {
    if (closing() && !isOwnFetch(request.raw)) {
      return reply.code(503).send(errorBody('ERR_UNAVAILABLE', 'Server is shutting down'))
    }
  })
  app.addHook('onSend', async (request, reply) => {
    if (closing() && !isOwnFetch(request.raw)) reply.header('connection', 'close')
  })
  registerHealthRoute(app)
  registerMetricsRoute(app, metrics)
  registerJudgeRoute(app, options, metrics)
  registerChatCompletionsRoute(app, options, metrics)
  const files = new FileStore(options.batches.storeMaxBytes)
  registerFilesRoutes(app, options, files)
  registerBatchesRoutes(app, options, files)
  registerMessagesRoute(app, options, metrics)
  registerImagesRoute(app, options, metrics, parts.pool)
  registerCpuFibRoute(app, options, parts.pool, parts.shutdown)
  registerThumbnailsRoute(app, options, parts.pipeline, parts.origin, parts.shutdown)
  if (options.dashboard) registerDashboardRoute(app, parts)
  return app
}
