import { usageOf } from '@boundkit/internal'
import type { LimiterOptions, RateLimit } from '@boundkit/limiter'
import { answerOf, type HttpAnswer, JSON_HEADERS, postJson } from '../../http'
import { distributed } from '../../run/distributed'
import type { OpenExecutor, Pending } from '../../run/executor'
import { local } from '../../run/local'
import { answerCost, startCost, tokenWindows } from './anthropic'
import type { BuiltRequests } from './built'
import type { LlmSettings } from './settings'

export function limiterOptions(settings: LlmSettings): LimiterOptions {
  const rate: RateLimit[] = []
  if (settings.rpm !== undefined) rate.push({ limit: settings.rpm, interval: 60_000 })
  if (settings.tpm !== undefined) rate.push({ limit: settings.tpm, interval: 60_000, cost: 'tokens' })
  rate.push(...tokenWindows(settings.itpm, settings.otpm))
  return {
    concurrency: settings.concurrency,
    ...(rate.length > 0 ? { rate } : {}),
    headers: 'auto',
    timeout: settings.timeout,
    retry: settings.maxAttempts === 1 ? false : { retries: settings.maxAttempts - 1 },
  }
}

/**
 * How `boundkit llm` sends its requests: from this process through a limiter paced by `--rpm`, `--tpm`
 * and the answers' rate-limit headers, or with `--redis` as jobs that the workers send with their own
 * API key (the workers share one token window in Redis).
 */
export function llmExecutor(settings: LlmSettings, built: BuiltRequests): OpenExecutor<HttpAnswer> {
  const build = (item: Pending) => built.of(item)
  const tpm = settings.tpm
  // What the server keeps of a start once answered: its prompt and the completion reserved.
  const tokenCharge = (item: Pending, tpm: number) => {
    const completion = built.tokens(item).completion
    return {
      estimate: Math.ceil(built.charge(item)),
      limit: tpm,
      interval: 60_000,
      ...(completion !== undefined && { completion: Math.ceil(completion) }),
    }
  }
  if (settings.redis) {
    return distributed({
      redis: settings.redis,
      resume: settings.resume,
      attempts: settings.maxAttempts,
      rate: settings.rpm === undefined ? undefined : { max: settings.rpm, duration: 60_000 },
      // No API key here: the workers add theirs (--api-key-env of `boundkit worker`).
      request: (item) => {
        const entry = build(item)
        return {
          url: entry.request.url,
          method: 'POST',
          headers: { ...JSON_HEADERS, ...settings.headers },
          body: entry.body,
          maxResponseBytes: settings.maxResponseBytes,
          ...(tpm !== undefined && { tokens: tokenCharge(item, tpm) }),
        }
      },
      answer: answerOf,
    })
  }
  // Anthropic's input and output tokens are their own windows (--itpm, --otpm), beside --tpm's.
  const split = settings.itpm !== undefined || settings.otpm !== undefined
  const cost = (item: Pending) => ({
    ...(tpm === undefined ? {} : { tokens: built.charge(item) }),
    ...(split ? startCost(built.tokens(item)) : {}),
  })
  return local({
    limiter: limiterOptions(settings),
    ...(tpm === undefined && !split ? {} : { cost }),
    request: async (item, signal, context) => {
      const entry = build(item)
      const answer = await postJson(entry.request.url, entry.body, {
        headers: settings.headers,
        signal,
        maxResponseBytes: settings.maxResponseBytes,
      })
      const used = usageOf(answer.body).total
      const real = {
        ...(tpm !== undefined && used > 0 ? { tokens: used } : {}),
        ...(split ? answerCost(answer.body) : {}),
      }
      context.report({ headers: answer.headers, ...(Object.keys(real).length > 0 ? { cost: real } : {}) })
      return answer
    },
  })
}
