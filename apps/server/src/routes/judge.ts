import type { FastifyInstance } from 'fastify'
import { errorBody } from '../errors'
import { judgeBehaviour, resetConnection } from '../judge-behaviour'
import { type JudgeScores, type JudgeVerdict, scoreAnswer, verdictOf } from '../judge-scores'
import type { ServerMetrics } from '../metrics'
import type { ResolvedServerOptions } from '../options'
import { TokenBucket } from '../token-bucket'

export interface JudgeRequestBody {
  id: string
  question: string
  contexts: string[]
  answer: string
}

export interface JudgeResponseBody {
  id: string
  scores: JudgeScores
  verdict: JudgeVerdict
}

/**
 * `POST /v1/judge`: the stand-in for a paid LLM API. Order per request: the token bucket (429 with
 * Retry-After, at once), then a latency draw and the wait, then either the injected fault or the answer.
 */
export function registerJudgeRoute(
  app: FastifyInstance,
  options: ResolvedServerOptions,
  metrics: ServerMetrics,
): void {
  const { judge, sleep } = options
  const rateLimited = metrics.addCounter({
    name: 'boundkit_judge_rate_limited_total',
    help: 'Judge requests refused with 429 by the token bucket.',
  })
  const faults = metrics.addCounter({
    name: 'boundkit_judge_faults_total',
    help: 'Judge requests failed on purpose, by fault kind (500, 503, reset).',
    labelNames: ['kind'],
  })
  const bucket = new TokenBucket({ ratePerSecond: judge.ratePerSecond, burst: judge.burst, now: options.now })
  const { nextFault, nextLatency } = judgeBehaviour(options)
  const text = { type: 'string', maxLength: options.maxTextLength }

  app.post<{ Body: JudgeRequestBody }>(
    '/v1/judge',
    {
      schema: {
        body: {
          type: 'object',
          required: ['id', 'question', 'contexts', 'answer'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', minLength: 1, maxLength: 200 },
            question: text,
            contexts: { type: 'array', maxItems: options.maxBatchSize, items: text },
            answer: text,
          },
        },
      },
    },
    async (request, reply) => {
      const taken = bucket.take()
      if (!taken.ok) {
        rateLimited.inc()
        const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000))
        return reply
          .code(429)
          .header('retry-after', String(seconds))
          .send(errorBody('ERR_RATE_LIMITED', `Rate limit exceeded; retry after ${seconds} s`))
      }
      const fault = nextFault()
      const latencyMs = nextLatency()
      await sleep(latencyMs)
      if (fault) faults.inc({ kind: fault })
      if (fault === 'reset') return resetConnection(request, reply)
      if (fault === '500') {
        return reply.code(500).send(errorBody('ERR_FAULT_INJECTED', 'Injected fault: internal error'))
      }
      if (fault === '503') {
        return reply
          .code(503)
          .header('retry-after', '1')
          .send(errorBody('ERR_UNAVAILABLE', 'Injected fault: service unavailable'))
      }
      const { id, question, contexts, answer } = request.body
      const scores = scoreAnswer({ question, contexts, answer })
      const body: JudgeResponseBody = { id, scores, verdict: verdictOf(scores) }
      return reply.header('x-judge-latency-ms', latencyMs.toFixed(1)).send(body)
    },
  )
}
