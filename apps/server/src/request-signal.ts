import type { FastifyReply } from 'fastify'

/**
 * The signal of one request's work: it fires when the client goes away before its answer is sent, or
 * when `shutdown` fires (the server's shutdown deadline passed).
 */
export function requestSignal(reply: FastifyReply, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController()
  const stop = () => controller.abort(shutdown.reason)
  if (shutdown.aborted) stop()
  else shutdown.addEventListener('abort', stop, { once: true })
  reply.raw.once('close', () => {
    shutdown.removeEventListener('abort', stop)
    if (!reply.raw.writableFinished) controller.abort(new Error('The client closed the connection'))
  })
  return controller.signal
}
