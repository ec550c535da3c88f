import type { FastifyInstance } from 'fastify'

/** `GET /healthz`: `{ status: 'ok' }`, answered by the event loop (what CPU work on it delays). */
export function registerHealthRoute(app: FastifyInstance): void {
  app.get(
    '/healthz',
    { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } },
    async () => ({ status: 'ok' }),
  )
}
