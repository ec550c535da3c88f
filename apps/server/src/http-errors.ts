import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errorBody, ServerError, type ServerErrorCode } from './errors'

/** Fastify's own error codes, mapped to ours. */
const FASTIFY_CODES: Record<string, [ServerErrorCode, number]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['ERR_BODY_TOO_LARGE', 413],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['ERR_BAD_REQUEST', 400],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['ERR_UNSUPPORTED_MEDIA_TYPE', 415],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['ERR_MALFORMED_JSON', 400],
  FST_ERR_CTP_INVALID_JSON_BODY: ['ERR_MALFORMED_JSON', 400],
  FST_ERR_BAD_URL: ['ERR_BAD_REQUEST', 400],
  FST_ERR_MAX_PARAM_LENGTH: ['ERR_NOT_FOUND', 404],
}

/** The status, code and message to answer an error with; 5xx messages never leak internals. */
export function classifyError(error: FastifyError | ServerError | Error): {
  status: number
  code: ServerErrorCode
  message: string
} {
  if (error instanceof ServerError) return { status: error.status, code: error.code, message: error.message }
  const fastifyError = error as FastifyError
  if (fastifyError.validation) return { status: 400, code: 'ERR_VALIDATION', message: error.message }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined
  if (known) return { status: known[1], code: known[0], message: error.message }
  if (error instanceof SyntaxError) return { status: 400, code: 'ERR_MALFORMED_JSON', message: error.message }
  const status = fastifyError.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, code: status === 404 ? 'ERR_NOT_FOUND' : 'ERR_BAD_REQUEST', message: error.message }
  }
  return { status: 500, code: 'ERR_INTERNAL', message: 'Internal server error' }
}

function send(reply: FastifyReply, error: Error) {
  const { status, code, message } = classifyError(error)
  if (status >= 500) reply.log.error({ err: error }, 'request failed')
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(code, message))
}

/** Installs the `{ error: { code, message } }` answers for errors and unknown routes. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, _request, reply) => send(reply, error))
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody('ERR_NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`)),
  )
}

/** Fastify's `frameworkErrors`: a bad URL or an overlong parameter, answered in our shape. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  return send(reply, error)
}

/** Fastify's `clientErrorHandler`: requests Node's HTTP parser refused, answered in our shape. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
  const body = JSON.stringify(
    errorBody('ERR_BAD_REQUEST', `Malformed HTTP request (${error.code ?? 'error'})`),
  )
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}
