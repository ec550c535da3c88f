import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { classifyError } from './http-errors'

/** Anthropic's error types, by the status it answers them with. */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'

/** Anthropic's error body, which `@anthropic-ai/sdk` reads (`error.error.type`). */
export interface AnthropicErrorBody {
  type: 'error'
  error: { type: AnthropicErrorType; message: string }
}

export function anthropicError(type: AnthropicErrorType, message: string): AnthropicErrorBody {
  return { type: 'error', error: { type, message } }
}

/** The type Anthropic gives an error of `status`. */
function typeOfStatus(status: number): AnthropicErrorType {
  if (status >= 500) return 'api_error'
  if (status === 401) return 'authentication_error'
  if (status === 404) return 'not_found_error'
  if (status === 413) return 'request_too_large'
  return 'invalid_request_error'
}

/** One Ajv error, as Fastify hands them over in `error.validation`. */
interface SchemaError {
  instancePath: string
  keyword: string
  params: Record<string, unknown>
  message?: string
}

/** `/messages/0/content` + `role` -> `messages.0.content.role`, as Anthropic names a field. */
function fieldName(error: SchemaError): string {
  const segments = error.instancePath.split('/').slice(1)
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty))
  return segments.join('.')
}

/**
 * The error handler of `POST /v1/messages`: every error answered in Anthropic's shape with the status
 * it would have anyway (400 for a schema refusal or bad JSON, 413, 415, 500).
 */
export function anthropicErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  if (error.validation && error.validationContext === 'body') {
    const first = error.validation[0] as SchemaError
    const message = first.keyword === 'required' ? 'Field required' : (first.message ?? 'invalid value')
    return reply.code(400).send(anthropicError('invalid_request_error', `${fieldName(first)}: ${message}`))
  }
  const { status, message } = classifyError(error)
  if (status >= 500) reply.log.error({ err: error }, 'request failed')
  return reply.code(status).send(anthropicError(typeOfStatus(status), message))
}
