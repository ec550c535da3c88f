import type { Pool } from '@boundkit/pool'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { DashboardHandler } from '../dashboard/http'
import { RunMonitor } from '../dashboard/monitor'
import { errorBody } from '../errors'
import type { ThumbnailsPipeline } from '../thumbnails-pipeline'

const PREFIX = '/dashboard'

const isDashboard = (request: FastifyRequest) =>
  request.url === PREFIX || request.url.startsWith(`${PREFIX}/`) || request.url.startsWith(`${PREFIX}?`)

/**
 * `GET /dashboard/`: the live page of the server (read-only), sampled once a second: the requests it
 * answered (2xx/3xx done, 4xx/5xx failed, by status with a sample route each; a request whose
 * connection closed before its answer failed as `no answer`), those in flight, the
 * 429s it gave, latency, its pool (threads busy, queue, utilization) and the thumbnails pipeline
 * (fetches, buffer, resizes). The page's own requests are not counted. The SSE code loads on the
 * first visit; the event streams end when the server closes.
 */
export function registerDashboardRoute(
  app: FastifyInstance,
  parts: { pool: Pool; pipeline: ThumbnailsPipeline; closeStarted: AbortSignal },
): void {
  const counts = { done: 0, failed: 0, inFlight: 0, rateLimited: 0 }
  const monitor = new RunMonitor(
    { label: 'server', detail: 'the demo server: every request it answers', total: null },
    () => ({ ...counts, pool: parts.pool.stats(), pipeline: parts.pipeline.stats() }),
  )
  monitor.start()
  let handler: Promise<DashboardHandler> | undefined

  // Each request ends with its response's 'close': answered, or cut before its answer was sent (a
  // reset on purpose, a client gone). Fastify's onResponse misses the latter, so in flight would drift.
  // A callback hook: no promise per request on a server measured for its throughput.
  app.addHook('onRequest', (request, reply, done) => {
    done()
    if (isDashboard(request)) return
    counts.inFlight++
    reply.raw.once('close', () => {
      counts.inFlight--
      const route = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`
      if (!reply.raw.writableFinished) {
        counts.failed++
        monitor.record(reply.elapsedTime, {
          code: 'no answer',
          message: `${route}: the connection closed first`,
        })
        return
      }
      const status = reply.statusCode
      if (status === 429) counts.rateLimited++
      if (status < 400) {
        counts.done++
        monitor.record(reply.elapsedTime)
      } else {
        counts.failed++
        monitor.record(reply.elapsedTime, { code: `HTTP ${status}`, message: route })
      }
    })
  })
  // Open event streams would hold the server's close until its deadline: they end first (a handler
  // still loading ends once loaded).
  parts.closeStarted.addEventListener('abort', () => {
    monitor.finish(false)
    void handler?.then((h) => h.close())
  })

  app.get(PREFIX, (_request, reply) => reply.redirect(`${PREFIX}/`))
  app.get(`${PREFIX}/*`, async (request, reply) => {
    handler ??= import('../dashboard/http').then((m) => m.createDashboardHandler(monitor))
    const dashboard = await handler
    // The server began closing while the handler loaded: no stream would be ended any more.
    if (parts.closeStarted.aborted) {
      return reply.code(503).send(errorBody('ERR_UNAVAILABLE', 'Server is shutting down'))
    }
    reply.hijack()
    dashboard.handle(request.raw, reply.raw, (request.params as { '*': string })['*'].split('?')[0]!)
  })
}
