/**
 * The README's recipe with the real `openai` SDK (6.x) against a local OpenAI-compatible server:
 * `maxRetries: 0` (the limiter retries, not the SDK), `.withResponse()` to hand the answer's headers
 * and `usage` to `report`, and the SDK's `APIError` (`status`, `headers`) read as is by the limiter's
 * retry and cooldown.
 */
import OpenAI from 'openai'
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions'
import { afterEach, describe, expect, it } from 'vitest'
import { createLimiter, estimateTokens } from '../src/index'
import { admissionTokens, type LlmServer, type LlmServerOptions, startLlmServer } from './llm-server'

let server: LlmServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(options: LlmServerOptions): Promise<{ server: LlmServer; client: OpenAI }> {
  server = await startLlmServer(options)
  return { server, client: new OpenAI({ baseURL: server.baseURL, apiKey: 'test-key', maxRetries: 0 }) }
}

function requests(n: number): ChatCompletionCreateParamsNonStreaming[] {
  return Array.from({ length: n }, (_, i) => ({
    model: 'local-model',
    messages: [
      { role: 'system', content: 'Score the answer from 0 to 1.' },
      { role: 'user', content: `Question ${i}: ${'why is the sky blue? '.repeat(1 + (i % 5))}` },
    ],
    max_tokens: 64,
    metadata: { id: String(i) },
  }))
}

/** The recipe: one chat completion per request, the headers and the real usage reported. */
function recipe(client: OpenAI) {
  return async (
    request: ChatCompletionCreateParamsNonStreaming,
    { signal, report }: { signal: AbortSignal; report: (r: object) => void },
  ): Promise<ChatCompletion> => {
    const { data, response } = await client.chat.completions.create(request, { signal }).withResponse()
    report({ headers: response.headers, cost: { tokens: data.usage?.total_tokens ?? 0 } })
    return data
  }
}

function expectEachServedOnce(server: LlmServer, n: number): void {
  expect(server.log.served).toBe(n)
  expect([...server.log.ids.values()].every((count) => count === 1)).toBe(true)
  expect(server.log.ids.size).toBe(n)
}

describe('the openai SDK (maxRetries: 0) inside the limiter', () => {
  it('a 429 storm: the limiter retries each APIError 429 once per 429 and cools down on its retry-after', async () => {
    // 2 requests per 1 s window, 8 sent at once: the first burst alone draws 6 answers 429.
    const { server, client } = await start({ requestsPerMinute: 120, window: 1_000, latency: 5 })
    const limiter = createLimiter({ concurrency: 8, retry: { retries: 50, minDelay: 10 } })
    const n = 12
    const outcomes = await limiter.map(requests(n), recipe(client), {
      settle: true,
      cost: (request) => ({ tokens: estimateTokens(request) }),
    })
    expect(outcomes.map((o) => o.status)).toEqual(new Array(n).fill('fulfilled'))
    expectEachServedOnce(server, n)
    expect(server.log.rateLimited).toBeGreaterThan(0)
    // Every HTTP request the server saw was a limiter attempt: the SDK retried nothing on its own.
    const attempts = outcomes.reduce((sum, o) => sum + (o.attempts ?? 1), 0)
    expect(server.log.requests).toBe(attempts)
    expect(server.log.requests).toBe(n + server.log.rateLimited)
    // The limiter saw each 429 as one (read from APIError.status) and paused on its retry-after.
    const stats = limiter.stats()
    expect(stats.rateLimited).toBe(server.log.rateLimited)
    expect(stats.cooldowns).toBeGreaterThan(0)
    expect(stats.cooldownMs).toBeGreaterThan(0)
  })

  it('usage fed back through report() replaces the estimate in a token window that refunds', async () => {
    // Answers use a quarter of max_tokens, so the estimates (prompt + max_tokens) exceed the real usage.
    const { server, client } = await start({ completionTokens: (body) => (body.max_tokens ?? 0) / 4 })
    const tokenWindow = { limit: 1_000_000, interval: 60_000, cost: 'tokens', refund: true }
    const limiter = createLimiter({ concurrency: 4, rate: [{ limit: 500, interval: 60_000 }, tokenWindow] })
    const batch = requests(10)
    const estimated = batch.reduce((sum, request) => sum + estimateTokens(request), 0)
    const outcomes = await limiter.map(batch, recipe(client), {
      settle: true,
      cost: (request) => ({ tokens: estimateTokens(request) }),
    })
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true)
    expectEachServedOnce(server, batch.length)
    const real = outcomes.reduce(
      (sum, o) => sum + (o.status === 'fulfilled' ? (o.value.usage?.total_tokens ?? 0) : 0),
      0,
    )
    expect(real).toBe(server.log.tokens)
    expect(real).toBeLessThan(estimated)
    const windows = limiter.stats().windows
    expect(windows.find((w) => w.cost === 'tokens')?.used).toBe(real)
    expect(windows.find((w) => w.cost === undefined)?.used).toBe(batch.length)
  })

  it('the headers of a successful answer set the windows to what the server says remains', async () => {
    const { server, client } = await start({
      requestsPerMinute: 600,
      tokensPerMinute: 60_000,
      window: 60_000,
    })
    const limiter = createLimiter({
      concurrency: 1,
      rate: [
        { limit: 600, interval: 60_000 },
        { limit: 60_000, interval: 60_000, cost: 'tokens' },
      ],
    })
    // Another client of the same key spent part of the budget: the server knows, this limiter does not.
    const [request, ...others] = requests(4)
    for (const other of others) await client.chat.completions.create(other!)
    let seen: Headers | undefined
    await limiter.run(
      async ({ signal, report }) => {
        const { data, response } = await client.chat.completions.create(request!, { signal }).withResponse()
        seen = response.headers
        report({ headers: response.headers, cost: { tokens: data.usage?.total_tokens ?? 0 } })
      },
      { cost: { tokens: admissionTokens(request!) } },
    )
    const windows = limiter.stats().windows
    expect(windows.find((w) => w.cost === undefined)?.serverRemaining).toBe(
      Number(seen?.get('x-ratelimit-remaining-requests')),
    )
    expect(windows.find((w) => w.cost === 'tokens')?.serverRemaining).toBe(
      Number(seen?.get('x-ratelimit-remaining-tokens')),
    )
    expect(Number(seen?.get('x-ratelimit-remaining-requests'))).toBe(600 - 4)
    expect(server.log.served).toBe(4)
  })
  it('limits halved mid-run, then restored: the limiter follows the headers (at most the one 429 the change causes)', async () => {
    // 3 requests per 500 ms window, then 1, then 3 again; one request at a time.
    const { server, client } = await start({ requestsPerMinute: 360, window: 500, latency: 5 })
    const limiter = createLimiter({ concurrency: 1, rate: { limit: 360, interval: 60_000 } })
    const n = 12
    let answered = 0
    const outcomes = await limiter.map(
      requests(n),
      async (request, { signal, report }) => {
        const { data, response } = await client.chat.completions.create(request, { signal }).withResponse()
        report({ headers: response.headers })
        answered++
        if (answered === 4) server.setLimits({ requestsPerMinute: 180 })
        if (answered === 8) server.setLimits({ requestsPerMinute: 360 })
        return data
      },
      { settle: true },
    )
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true)
    expectEachServedOnce(server, n)
    // Without following the headers, every window past its third request would answer 429.
    expect(server.log.rateLimited).toBeLessThanOrEqual(1)
  })
})
