import type { FastifyInstance } from 'fastify'
import type { ServerMetrics } from '../metrics'

/** `GET /metrics`: every metric of the server in the Prometheus text format. */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics): void {
  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()))
}
