import { readFile } from 'node:fs/promises'
import { type Usage, usageOf } from '@boundkit/internal'
import type { LimiterOptions, RateLimit } from '@boundkit/limiter'
import { UsageError } from '../../errors'
import { answerOf, type HttpAnswer, JSON_HEADERS, postJson } from '../../http'
import { type Pending, processIo, type RunIo, runJob } from '../../run/runner'
import { printSummary } from '../../run/summary'
import { llmLine } from './output-line'
import {
  type CountTokens,
  type LlmRequest,
  llmKeys,
  loadCountTokens,
  requestsOf,
  tokenEstimate,
} from './requests'
import { type LlmCliOptions, type LlmSettings, parseLlmOptions } from './settings'
import { llmDetails, llmSummary } from './summary'

async function readTemplate(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined
  try {
    return await readFile(path, 'utf8')
  } catch {
    throw new UsageError(`Template file not found: ${path}`)
  }
}

function limiterOptions(settings: LlmSettings): LimiterOptions {
  const rate: RateLimit[] = []
  if (settings.rpm !== undefined) rate.push({ limit: settings.rpm, interval: 60_000 })
  if (settings.tpm !== undefined) rate.push({ limit: settings.tpm, interval: 60_000, cost: 'tokens' })
  return {
    concurrency: settings.concurrency,
    ...(rate.length > 0 ? { rate } : {}),
    headers: 'auto',
    timeout: settings.timeout,
    retry: settings.maxAttempts === 1 ? false : { retries: settings.maxAttempts - 1 },
  }
}

/**
 * `boundkit llm`: sends every pending request of an OpenAI Batch API request file (or plain records
 * filled into `--template`) to `--base-url`, paced by `--rpm`/`--tpm` and the answers' rate-limit
 * headers, and writes the Batch API output format, in input order. Resolves with the exit code.
 */
export async function runLlm(input: string, cli: LlmCliOptions, io: RunIo = processIo): Promise<number> {
  const settings = parseLlmOptions(input, cli)
  const requestOf = requestsOf(settings, await readTemplate(settings.template))
  const build = (item: Pending) => requestOf(item.record, item.line) as LlmRequest
  const countTokens = settings.tpm === undefined ? undefined : await loadCountTokens()
  const estimate = (body: Record<string, unknown>) => tokenEstimate(body, countTokens as CountTokens)
  const tokens: Usage = { prompt: 0, completion: 0, total: 0 }
  /** Answers whose usage held a count that is not a token count, and the first such count. */
  const insane = { answers: 0, first: '' }
  const started = performance.now()
  const { summary, scan, stats, counts, exitCode, live } = await runJob<HttpAnswer>(
    {
      label: 'llm',
      settings,
      keys: llmKeys(requestOf),
      limiter: limiterOptions(settings),
      ...(settings.tpm === undefined ? {} : { cost: (item) => ({ tokens: estimate(build(item).body) }) }),
      request: async (item, signal, context) => {
        const request = build(item)
        const answer = await postJson(request.url, JSON.stringify(request.body), {
          headers: settings.headers,
          signal,
          maxResponseBytes: settings.maxResponseBytes,
        })
        const used = usageOf(answer.body).total
        context.report({
          headers: answer.headers,
          ...(settings.tpm !== undefined && used > 0 ? { cost: { tokens: used } } : {}),
        })
        return answer
      },
      ...(settings.redis && {
        distributed: {
          redis: settings.redis,
          attempts: settings.maxAttempts,
          rate: settings.rpm === undefined ? undefined : { max: settings.rpm, duration: 60_000 },
          // No API key here: the workers add theirs (--api-key-env of `boundkit worker`).
          request: (item) => {
            const request = requestOf(item.record, item.line) as LlmRequest
            return {
              url: request.url,
              method: 'POST',
              headers: { ...JSON_HEADERS, ...settings.headers },
              body: JSON.stringify(request.body),
              maxResponseBytes: settings.maxResponseBytes,
              // --tpm for the whole cluster: the workers share one token window in Redis.
              ...(settings.tpm !== undefined && {
                tokens: {
                  estimate: Math.ceil(estimate(request.body)),
                  limit: settings.tpm,
                  interval: 60_000,
                },
              }),
            }
          },
          answer: answerOf,
        },
      }),
      line: (item, result, attempts, ms) => {
        if ('value' in result) {
          const usage = usageOf(result.value.body)
          if (usage.ignored !== undefined && insane.answers++ === 0) {
            insane.first = usage.ignored
            io.stderr.write(
              `warning: the answer to custom_id ${JSON.stringify(item.key)} gives a usage that is not a token count (${usage.ignored}): it counts as 0 tokens\n`,
            )
          }
          tokens.prompt += usage.prompt
          tokens.completion += usage.completion
          tokens.total += usage.total
        }
        return llmLine(String(item.key), result, { jsonAnswer: settings.jsonAnswer, attempts, ms })
      },
      progressDetail: (elapsed) =>
        `${elapsed > 0 ? Math.round((tokens.total * 60_000) / elapsed) : 0} tok/min`,
    },
    io,
  )
  const ms = performance.now() - started
  const fields = llmSummary(settings, tokens, counts, summary.ok + summary.failed, ms, stats, insane.answers)
  printSummary(settings, scan, { ...summary, ...fields }, io, llmDetails(fields, ms))
  await live?.stay(io.onInterrupt)
  return exitCode
}
