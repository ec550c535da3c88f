import { usageOf } from '@boundkit/internal'
import { type HttpAnswer, postJson } from '../../http'
import type { OpenExecutor, Pending } from '../../run/executor'
import { routed } from '../../run/router'
import type { BuiltRequests } from './built'
import { type Endpoint, serves } from './endpoint'
import { requestUrl } from './requests'
import { limiterOptions } from './send'
import type { LlmSettings } from './settings'

/** What an answer cost (USD), undefined when its model has no price. */
export type AnswerCost = (body: unknown, model: string | undefined) => number | undefined

/**
 * How `boundkit llm --endpoints` sends its requests: each endpoint through its own limiter, at its
 * own limits, with its own key; each attempt to an endpoint serving the request's model with the
 * most room (see `run/router.ts`).
 */
export function endpointsExecutor(
  settings: LlmSettings,
  endpoints: readonly Endpoint[],
  built: BuiltRequests,
  answerCost: AnswerCost,
): OpenExecutor<HttpAnswer> {
  const counted = endpoints.some((endpoint) => endpoint.tpm !== undefined)
  return routed({
    routes: endpoints.map((endpoint) => ({
      name: endpoint.name,
      limiter: limiterOptions({ ...settings, ...endpoint }),
      weight: endpoint.weight,
    })),
    serves: (item, route) => serves(endpoints[route]!, built.model(item)),
    model: (item) => built.model(item),
    attempts: settings.maxAttempts,
    ...(counted ? { cost: (item: Pending) => ({ tokens: built.charge(item) }) } : {}),
    request: async (item, route, context) => {
      const endpoint = endpoints[route]!
      const { request, body } = built.of(item)
      const placed = requestUrl(endpoint.baseUrl, request.path)
      if ('reason' in placed) throw new Error(`Endpoint ${endpoint.name}: ${placed.reason}`)
      const answer = await postJson(placed.url, body, {
        headers: { ...settings.headers, ...endpoint.headers },
        signal: context.signal,
        maxResponseBytes: settings.maxResponseBytes,
      })
      const used = usageOf(answer.body).total
      context.report({
        headers: answer.headers,
        ...(endpoint.tpm !== undefined && used > 0 ? { cost: { tokens: used } } : {}),
      })
      return answer
    },
    spent: (item, answer) => ({
      tokens: usageOf(answer.body).total,
      costUsd: answerCost(answer.body, built.model(item)),
    }),
  })
}
