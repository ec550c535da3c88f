import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type AnthropicErrorBody, anthropicError, anthropicErrorHandler } from '../anthropic-errors'
import { budgetedRoute } from '../budget-route'
import { judgeBehaviour, resetConnection } from '../judge-behaviour'
import { type MessagesAdmitResult, MessagesBudget } from '../messages-budget'
import {
  inputTokens,
  type MessagesRequestBody,
  messageAnswer,
  messageBody,
  messageId,
} from '../messages-content'
import type { ServerMetrics } from '../metrics'
import type { ResolvedServerOptions } from '../options'

/** Anthropic's request shape; unknown fields (temperature, metadata, stop_sequences...) are allowed. */
function requestSchema(options: ResolvedServerOptions) {
  const text = { type: 'string', maxLength: options.maxTextLength }
  const block = { type: 'object', required: ['type'], properties: { type: { type: 'string' }, text } }
  const content = { anyOf: [text, { type: 'array', items: block }] }
  const message = {
    type: 'object',
    required: ['role', 'content'],
    properties: { role: { type: 'string', enum: ['user', 'assistant'] }, content },
  }
  return {
    type: 'object',
    required: ['model', 'max_tokens', 'messages'],
    properties: {
      model: { type: 'string', minLength: 1, maxLength: 256 },
      max_tokens: { type: 'integer', minimum: 1, maximum: 1_000_000 },
      messages: { type: 'array', minItems: 1, maxItems: options.maxBatchSize, items: message },
      system: content,
      stream: { type: 'boolean', nullable: true },
    },
  }
}

type Refusal = Extract<MessagesAdmitResult, { ok: false }>

/** The 429 of a spent budget (with `retry-after` in seconds), or of a request larger than a window allows. */
function rateLimitAnswer(reply: FastifyReply, refusal: Refusal): FastifyReply {
  const { kind, limit, retryAfterMs, tooLarge } = refusal
  const per = `${kind.replace('-', ' ')} per minute (${limit})`
  if (tooLarge) {
    const message = `This request would exceed your organization's rate limit of ${per} on its own.`
    return reply.code(429).send(anthropicError('rate_limit_error', message))
  }
  const message = `This request would exceed your organization's rate limit of ${per}. Please retry after the reset.`
  return reply
    .code(429)
    .header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))))
    .send(anthropicError('rate_limit_error', message))
}

/** The 400 or 401 of a request without Anthropic's headers or with a stream asked for, or undefined. */
function refusalOf(request: FastifyRequest<{ Body: MessagesRequestBody }>) {
  const { headers, body } = request
  if (!headers['x-api-key'] && !headers.authorization) {
    return { status: 401, body: anthropicError('authentication_error', 'x-api-key header is required') }
  }
  if (!headers['anthropic-version']) {
    const message = 'anthropic-version: header is required'
    return { status: 400, body: anthropicError('invalid_request_error', message) }
  }
  if (body.stream === true) {
    const message = 'stream: streaming is not supported by this server: leave it out or false'
    return { status: 400, body: anthropicError('invalid_request_error', message) }
  }
  return undefined
}

/** The answer of an injected 500, or 503 given as Anthropic's overload: 529 `overloaded_error`. */
function faultAnswer(reply: FastifyReply, fault: string): FastifyReply {
  const error: [number, AnthropicErrorBody] =
    fault === '503'
      ? [529, anthropicError('overloaded_error', 'Overloaded')]
      : [500, anthropicError('api_error', 'Injected fault: internal server error')]
  return reply.code(error[0]).send(error[1])
}

/** The route's Prometheus counters. */
function messagesCounters(metrics: ServerMetrics) {
  const counter = (name: string, label: string, help: string) =>
    metrics.addCounter({ name: `boundkit_messages_${name}_total`, help, labelNames: [label] })
  return {
    requests: counter('requests', 'status', 'Messages requests answered, by status (reset: cut on purpose).'),
    rateLimited: counter('rate_limited', 'limit', 'Messages refused with 429, by budget spent.'),
    tokensUsed: counter('tokens', 'kind', 'Tokens of the messages answered 200 (input, output).'),
  }
}

/**
 * `POST /v1/messages`: an Anthropic-compatible endpoint whose answer is the judge's scores (JSON) for
 * the conversation. Order per request: the schema and Anthropic's headers, then the request, input
 * and output token budgets (429 at once), then the judge's fault and latency draws and the wait, then
 * the fault or the message; the output charge is then settled to the answer's output tokens. Every
 * answer carries the `anthropic-ratelimit-*` headers.
 */
export function registerMessagesRoute(
  app: FastifyInstance,
  options: ResolvedServerOptions,
  metrics: ServerMetrics,
): void {
  const { requests, rateLimited, tokensUsed } = messagesCounters(metrics)
  const budget = new MessagesBudget({
    requestsPerMinute: options.messagesRpm,
    inputTokensPerMinute: options.messagesItpm,
    outputTokensPerMinute: options.messagesOtpm,
    windowMs: options.chatWindowMs,
    windowMode: options.chatWindowMode,
    now: options.now,
  })
  const { nextFault, nextLatency } = judgeBehaviour(options)

  app.post<{ Body: MessagesRequestBody }>(
    '/v1/messages',
    budgetedRoute(requestSchema(options), anthropicErrorHandler, budget, requests),
    async (request, reply) => {
      const refusal = refusalOf(request)
      if (refusal !== undefined) return reply.code(refusal.status).send(refusal.body)
      const body = request.body
      const input = inputTokens(body)
      const admitted = budget.admit(input, body.max_tokens)
      if (!admitted.ok) {
        rateLimited.inc({ limit: admitted.kind })
        return rateLimitAnswer(reply, admitted)
      }
      const fault = nextFault()
      await options.sleep(nextLatency())
      if (fault === 'reset') {
        requests.inc({ status: 'reset' })
        return resetConnection(request, reply)
      }
      if (fault !== undefined) return faultAnswer(reply, fault)
      const answer = messageAnswer(body)
      budget.settle(admitted.ticket, answer.tokens)
      tokensUsed.inc({ kind: 'input' }, input)
      tokensUsed.inc({ kind: 'output' }, answer.tokens)
      const id = messageId()
      return reply.header('request-id', `req_${id.slice(4)}`).send(messageBody(id, body, input, answer))
    },
  )
}
