import PQueue from 'p-queue'
import { type BenchContext, benchmark } from '../../../bench/harness.ts'
import { createLimiter, estimateTokens } from '../src/index.ts'
import {
  admissionTokens,
  type ChatBody,
  type LlmServer,
  promptTokens,
  startLlmServer,
} from '../test/llm-server.ts'
import { chat, chatBatch, completionTokens, retryAfterMs, sleep } from './llm-batch.ts'
import { cookbookProcessor } from './llm-cookbook.ts'

let server: LlmServer
let plan: ReturnType<typeof makePlan>

/**
 * The batch and the server's limits: tokens bind (the batch's real usage is 3.5 windows' worth, its
 * requests 2 windows' worth). The ideal: the windows the tokens need, the last one started at once,
 * plus one answer's latency.
 */
function makePlan(ctx: BenchContext) {
  const n = ctx.scale(200, 30)
  const window = ctx.scale(10_000, 1_000)
  const latency = ctx.scale(250, 50)
  const batch = chatBatch(n)
  const sum = (f: (body: ChatBody) => number) => batch.reduce((total, body) => total + f(body), 0)
  const tokens = sum((body) => promptTokens(body) + completionTokens(body))
  const tokensPerWindow = Math.ceil(tokens / 3.5)
  const requestsPerWindow = Math.ceil(n / 2)
  const windows = Math.ceil(Math.max(tokens / tokensPerWindow, n / requestsPerWindow))
  return {
    n,
    // A window holds about 1.5x the concurrency's worth of requests under both scales.
    concurrency: ctx.scale(32, 4),
    window,
    latency,
    batch,
    tokens,
    rpm: (requestsPerWindow * 60_000) / window,
    tpm: (tokensPerWindow * 60_000) / window,
    /** What a request is charged at admission, on average (prompt + max_tokens). */
    meanEstimate: sum(admissionTokens) / n,
    idealMs: (windows - 1) * window + latency,
  }
}

/** Runs one case on a fresh server window; checks that no item was served twice. */
async function measured(run: () => Promise<unknown>) {
  while (server.log.inFlight > 0) await sleep(10)
  server.resetLog()
  const start = performance.now()
  await run()
  const ms = performance.now() - start
  const { log } = server
  if ([...log.ids.values()].some((count) => count > 1)) throw new Error('an item was served twice')
  return {
    items: plan.n,
    metrics: {
      'x ideal': ms / plan.idealMs,
      '429s': log.rateLimited,
      '429 % of requests': (100 * log.rateLimited) / log.requests,
      'not served': plan.n - log.ids.size,
    },
  }
}

const definition = benchmark({
  title: 'LLM batch: chat requests against per-minute request and token limits enforced over 10 s windows',
  baseline: 'boundkit: token window + headers',
  runs: 2,
  quickRuns: 1,
  warmup: 0,
  setup: async (ctx) => {
    plan = makePlan(ctx)
    server = await startLlmServer({
      requestsPerMinute: plan.rpm,
      tokensPerMinute: plan.tpm,
      window: plan.window,
      latency: plan.latency,
      completionTokens,
    })
    definition.description =
      `${plan.n} chat requests (prompts of 100-600 tokens, max_tokens 400, answers of 100-380 tokens: ` +
      `${plan.tokens.toLocaleString('en-US')} tokens used in all) against a local OpenAI-compatible server ` +
      `allowing ${plan.rpm} requests and ${plan.tpm.toLocaleString('en-US')} tokens per minute, enforced as ` +
      `1/${60_000 / plan.window} of each per ${plan.window / 1000} s window, answers after ${plan.latency} ms; ` +
      `tokens bind. "x ideal": wall time / the ${(plan.idealMs / 1000).toFixed(2)} s the limits allow (every ` +
      `window filled, the last one started at its start). Target: boundkit within 1.10x, at most 1% 429s. ` +
      `Concurrency ${plan.concurrency} where a client has one. "request windows only" is today's limiter with the ` +
      `request limit and the token limit turned into requests (tokens / mean estimate) per minute; p-queue runs ` +
      `that many per ${plan.window / 1000} s interval and waits out retry-after-ms before re-adding a 429; the ` +
      `cookbook's processor is its algorithm (continuous buckets, 15 s pause after a 429) written for the ` +
      `benchmark. Every client estimates a request's tokens the way this server charges them (prompt + ` +
      `max_tokens; boundkit: \`estimateTokens(body, { tokenizer: false })\`), as a real tokenizer does against the real API. Each case starts at the start of a server window.`
  },
  teardown: () => server?.close(),
  cases: {
    'boundkit: token window + headers': () =>
      measured(() =>
        createLimiter({
          concurrency: plan.concurrency,
          rate: [
            { limit: plan.rpm, interval: 60_000 },
            { limit: plan.tpm, interval: 60_000, cost: 'tokens' },
          ],
          retry: { retries: 20 },
        }).map(
          plan.batch,
          async (body, { signal, report }) => {
            const { data, response } = await chat(server.baseURL, body, signal)
            report({ headers: response.headers, cost: { tokens: data.usage.total_tokens } })
            return data
          },
          { settle: true, cost: (body) => ({ tokens: estimateTokens(body, { tokenizer: false }) }) },
        ),
      ),
    'boundkit: request windows only': () =>
      measured(() =>
        createLimiter({
          concurrency: plan.concurrency,
          rate: [
            { limit: plan.rpm, interval: 60_000 },
            { limit: Math.floor(plan.tpm / plan.meanEstimate), interval: 60_000 },
          ],
          headers: false,
          retry: { retries: 20 },
        }).map(plan.batch, async (body, { signal }) => (await chat(server.baseURL, body, signal)).data, {
          settle: true,
        }),
      ),
    'openai-cookbook parallel processor': () =>
      measured(() =>
        cookbookProcessor(plan.batch, {
          maxRequestsPerMinute: plan.rpm,
          maxTokensPerMinute: plan.tpm,
          tokens: admissionTokens,
          call: async (body) => (await chat(server.baseURL, body)).data,
          // 15 s at the real 10 s windows; scaled with the windows under --quick.
          pauseAfterRateLimit: (15_000 * plan.window) / 10_000,
        }),
      ),
    'p-queue intervalCap': () =>
      measured(async () => {
        const queue = new PQueue({
          concurrency: plan.concurrency,
          intervalCap: Math.floor((Math.min(plan.rpm, plan.tpm / plan.meanEstimate) * plan.window) / 60_000),
          interval: plan.window,
        })
        const send = async (body: ChatBody): Promise<unknown> => {
          try {
            return await queue.add(async () => (await chat(server.baseURL, body)).data)
          } catch (error) {
            if ((error as { status?: number }).status !== 429) throw error
            await sleep(retryAfterMs(error))
            return send(body)
          }
        }
        await Promise.all(plan.batch.map(send))
      }),
  },
})

export default definition
