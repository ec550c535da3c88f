import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { budgetedRoute } from '../budget-route'
import { type AdmitResult, ChatBudget, goDuration } from '../chat-budget'
import { type ChatMessage, judgedCompletion, promptTokens } from '../chat-content'
import { judgeBehaviour, resetConnection } from '../judge-behaviour'
import type { ServerMetrics } from '../metrics'
import { type OpenAIErrorBody, openAIError, openAIErrorHandler } from '../openai-errors'
import type { ResolvedServerOptions } from '../options'

/** The fields of an OpenAI chat completion request the server reads; others are accepted and ignored. */
export interface ChatCompletionRequestBody {
  model: string
  messages: ChatMessage[]
  max_tokens?: number | null
  max_completion_tokens?: number | null
  n?: number | null
  temperature?: number | null
  stream?: boolean | null
  response_format?: { type: string }
}

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function']

/** OpenAI's request shape; unknown fields are allowed, as OpenAI allows them. */
function requestSchema(options: ResolvedServerOptions) {
  const text = { type: 'string', maxLength: options.maxTextLength }
  const count = (maximum: number) => ({ type: 'integer', minimum: 1, maximum, nullable: true })
  const part = { type: 'object', required: ['type'], properties: { type: { type: 'string' }, text } }
  const content = { anyOf: [text, { type: 'array', items: part }, { type: 'null' }] }
  const message = {
    type: 'object',
    required: ['role'],
    properties: { role: { type: 'string', enum: ROLES }, content },
  }
  return {
    type: 'object',
    required: ['model', 'messages'],
    properties: {
      model: { type: 'string', minLength: 1, maxLength: 256 },
      messages: { type: 'array', minItems: 1, maxItems: options.maxBatchSize, items: message },
      max_tokens: count(1_000_000),
      max_completion_tokens: count(1_000_000),
      n: count(128),
      temperature: { type: 'number', minimum: 0, maximum: 2, nullable: true },
      stream: { type: 'boolean', nullable: true },
      response_format: {
        type: 'object',
        required: ['type'],
        properties: { type: { type: 'string', enum: ['text', 'json_object', 'json_schema'] } },
      },
    },
  }
}

type Refusal = Extract<AdmitResult, { ok: false }>

/** The 429 of a spent budget (with when to retry), or of a request larger than a whole window allows. */
function rateLimitAnswer(reply: FastifyReply, refusal: Refusal): FastifyReply {
  const { kind, limit, retryAfterMs, tooLarge } = refusal
  const per = `${kind} per min: Limit ${limit}`
  if (tooLarge) {
    const message = `Request too large for ${per}. The input or max tokens must be reduced in order to run successfully.`
    return reply.code(429).send(openAIError(message, kind, 'rate_limit_exceeded'))
  }
  const message = `Rate limit reached for ${per}. Please try again in ${goDuration(retryAfterMs)}.`
  return reply
    .code(429)
    .header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))))
    .header('retry-after-ms', String(Math.ceil(retryAfterMs)))
    .send(openAIError(message, kind, 'rate_limit_exceeded'))
}

const unsupported = (param: string, message: string): OpenAIErrorBody =>
  openAIError(message, 'invalid_request_error', 'unsupported_value', param)

/** The completion's content and token count, cut at `maxTokens` as a real model stops. */
export function completionOf(body: ChatCompletionRequestBody, maxTokens: number | undefined) {
  const { content, tokens, cut } = judgedCompletion(body.messages, maxTokens)
  return { content, tokens, finish: cut ? 'length' : 'stop' }
}

/** The route's Prometheus counters. */
function chatCounters(metrics: ServerMetrics) {
  const counter = (name: string, label: string, help: string) =>
    metrics.addCounter({ name: `boundkit_chat_${name}_total`, help, labelNames: [label] })
  return {
    requests: counter(
      'requests',
      'status',
      'Chat completion requests answered, by status (reset: cut on purpose).',
    ),
    rateLimited: counter('rate_limited', 'limit', 'Chat completions refused with 429, by budget spent.'),
    tokensUsed: counter(
      'tokens',
      'kind',
      'Tokens of the chat completions answered 200 (prompt, completion).',
    ),
    faults: counter('faults', 'kind', 'Chat completions failed on purpose, by fault kind (500, 503, reset).'),
  }
}

/** The 400 of a request this server does not serve (streaming, several choices), or undefined. */
function unsupportedIn(body: ChatCompletionRequestBody): OpenAIErrorBody | undefined {
  if (body.stream === true) {
    return unsupported('stream', 'Streaming is not supported by this server: leave `stream` out or false.')
  }
  if ((body.n ?? 1) !== 1) {
    return unsupported('n', `This server answers one choice per request: \`n\` must be 1, got ${body.n}.`)
  }
  return undefined
}

/** The answer of an injected 500 or 503 (with Retry-After). */
function faultAnswer(reply: FastifyReply, fault: string): FastifyReply {
  if (fault === '503') {
    const message = 'Injected fault: the server is overloaded, retry later'
    return reply
      .code(503)
      .header('retry-after', '1')
      .send(openAIError(message, 'server_error', 'unavailable'))
  }
  return reply.code(500).send(openAIError('Injected fault: internal error', 'server_error', 'fault_injected'))
}

/** A chat completion, as OpenAI answers one. */
export function completionBody(
  id: string,
  model: string,
  prompt: number,
  completion: { content: string; tokens: number; finish: string },
) {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: completion.content, refusal: null },
        logprobs: null,
        finish_reason: completion.finish,
      },
    ],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion.tokens,
      total_tokens: prompt + completion.tokens,
    },
  }
}

/**
 * `POST /v1/chat/completions`: an OpenAI-compatible endpoint whose answer is the judge's scores (JSON)
 * for the conversation. Order per request: the schema, then the request and token budgets (429 at
 * once), then the judge's fault and latency draws and the wait, then the fault or the answer; the token
 * charge is then settled to the real usage. Every answer carries the `x-ratelimit-*` headers.
 */
export function registerChatCompletionsRoute(
  app: FastifyInstance,
  options: ResolvedServerOptions,
  metrics: ServerMetrics,
): void {
  const { requests, rateLimited, tokensUsed, faults } = chatCounters(metrics)
  const budget = new ChatBudget({
    requestsPerMinute: options.chatRpm,
    tokensPerMinute: options.chatTpm,
    windowMs: options.chatWindowMs,
    windowMode: options.chatWindowMode,
    accounting: options.chatAccounting,
    now: options.now,
  })
  const { nextFault, nextLatency } = judgeBehaviour(options)

  app.post<{ Body: ChatCompletionRequestBody }>(
    '/v1/chat/completions',
    budgetedRoute(requestSchema(options), openAIErrorHandler, budget, requests),
    async (request, reply) => {
      const body = request.body
      const refusal = unsupportedIn(body)
      if (refusal !== undefined) return reply.code(400).send(refusal)
      const prompt = promptTokens(body.messages)
      const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined
      const admitted = budget.admit(prompt + (maxTokens ?? 0))
      if (!admitted.ok) {
        rateLimited.inc({ limit: admitted.kind })
        return rateLimitAnswer(reply, admitted)
      }
      const fault = nextFault()
      const latencyMs = nextLatency()
      await options.sleep(latencyMs)
      if (fault) faults.inc({ kind: fault })
      if (fault === 'reset') {
        requests.inc({ status: 'reset' })
        return resetConnection(request, reply)
      }
      if (fault !== undefined) return faultAnswer(reply, fault)
      const completion = completionOf(body, maxTokens)
      budget.settle(admitted.ticket, prompt + completion.tokens)
      tokensUsed.inc({ kind: 'prompt' }, prompt)
      tokensUsed.inc({ kind: 'completion' }, completion.tokens)
      const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`
      return reply
        .header('x-request-id', id)
        .header('openai-processing-ms', String(Math.round(latencyMs)))
        .send(completionBody(id, body.model, prompt, completion))
    },
  )
}
