import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { Counter } from 'prom-client'

/**
 * The route options the two LLM routes share (chat completions, messages): their body's schema, the
 * error handler that answers in their API's shape, the budget's rate-limit headers on every answer
 * (429s and errors too, as the APIs send them), and each answer counted by its status.
 */
export function budgetedRoute(
  schema: object,
  errorHandler: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => unknown,
  budget: { headers(): Record<string, string> },
  requests: Counter<'status'>,
) {
  return {
    schema: { body: schema },
    errorHandler,
    onSend: async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      reply.headers(budget.headers())
      return payload
    },
    onResponse: async (_request: FastifyRequest, reply: FastifyReply) => {
      requests.inc({ status: String(reply.statusCode) })
    },
  }
}
