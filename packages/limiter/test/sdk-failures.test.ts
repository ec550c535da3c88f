/**
 * The official openai (6.x) and @anthropic-ai/sdk clients inside the limiter, their own retries off
 * (`maxRetries: 0`), against a local server that resets connections, answers 429 with Retry-After,
 * 500, 503 and (Anthropic) 529, or never answers: the limiter's default `retryOn` must recognise
 * every one of their errors, and its cooldown must hold the Retry-After their `headers` carry.
 */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { createLimiter, type Limiter, systemClock } from '../src/index'
import { type Fault, type SdkServer, type SdkServerOptions, startSdkServer } from './sdk-server'

let server: SdkServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

/** One chat request for item `id`, answered with the text the server wrote for it. */
type Call = (id: string, signal: AbortSignal) => Promise<string>

interface Sdk {
  name: string
  /** A client of `url` with the SDK's own retries off; `timeout` in ms (the SDKs' default: 10 minutes). */
  client: (url: string, timeout?: number) => Call
  /** The 5xx statuses its API answers. */
  statuses: readonly Fault[]
}

const openai: Sdk = {
  name: 'openai',
  statuses: [500, 503],
  client: (url, timeout) => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'test-key', maxRetries: 0, timeout })
    return async (id, signal) => {
      const completion = await client.chat.completions.create(
        { model: 'local-model', messages: [{ role: 'user', content: `item ${id}` }], metadata: { id } },
        { signal },
      )
      return completion.choices[0]?.message.content ?? ''
    }
  },
}

const anthropic: Sdk = {
  name: '@anthropic-ai/sdk',
  statuses: [500, 503, 529],
  client: (url, timeout) => {
    const client = new Anthropic({ baseURL: url, apiKey: 'test-key', maxRetries: 0, timeout })
    return async (id, signal) => {
      const message = await client.messages.create(
        {
          model: 'local-model',
          max_tokens: 16,
          messages: [{ role: 'user', content: `item ${id}` }],
          metadata: { user_id: id },
        },
        { signal },
      )
      const first = message.content[0]
      return first?.type === 'text' ? first.text : ''
    }
  },
}

async function start(options: SdkServerOptions): Promise<SdkServer> {
  server = await startSdkServer(options)
  return server
}

/** Runs items `0..n-1` through `limiter`, each one call; the outcomes and each item's first start. */
async function runAll(limiter: Limiter, call: Call, n: number) {
  const firstStart = new Map<string, number>()
  const outcomes = await limiter.map(
    Array.from({ length: n }, (_, i) => String(i)),
    (id, { signal }) => {
      // On the limiter's clock, read as the limiter admits the start (it calls the task at once).
      if (!firstStart.has(id)) firstStart.set(id, systemClock.now())
      return call(id, signal)
    },
    { settle: true },
  )
  return { outcomes, firstStart }
}

/** Every item fulfilled with its own answer, served once, and every request a limiter attempt. */
function expectAllServedOnce(
  server: SdkServer,
  outcomes: Awaited<ReturnType<typeof runAll>>['outcomes'],
): void {
  expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.error))).toEqual(
    outcomes.map((_, i) => `ok ${i}`),
  )
  expect([...server.served.values()].every((count) => count === 1)).toBe(true)
  expect(server.served.size).toBe(outcomes.length)
  // The SDK retried nothing on its own: the server saw exactly the limiter's attempts.
  expect(server.arrivals.length).toBe(outcomes.reduce((sum, o) => sum + (o.attempts ?? 1), 0))
}

/** A server arrival (`performance.now()`) on the limiter's clock (`performance.timeOrigin + performance.now()`). */
const onClock = (arrival: number) => performance.timeOrigin + arrival

describe.each([openai, anthropic])('the $name client (maxRetries: 0) inside the limiter', (sdk) => {
  it('a reset connection and every 5xx its API answers are retried until each item is answered', async () => {
    // Item i fails first with fault i (some twice), then is answered.
    const faults: Fault[][] = [['reset'], ...sdk.statuses.map((s) => [s]), ['reset', sdk.statuses[0]!]]
    const server = await start({ plan: (id) => [...(faults[Number(id)] ?? []), 'ok'] })
    const limiter = createLimiter({ concurrency: 4, retry: { retries: 3, minDelay: 1, maxDelay: 5 } })
    const n = faults.length + 4
    const { outcomes } = await runAll(limiter, sdk.client(server.url), n)
    expectAllServedOnce(server, outcomes)
    expect(outcomes.map((o) => o.attempts ?? 1)).toEqual(
      Array.from({ length: n }, (_, i) => 1 + (faults[i]?.length ?? 0)),
    )
    await limiter.close()
  })

  it("the client's timeout is retried", async () => {
    // Items 0 and 1 get no answer the first time: the client gives up after its timeout.
    const server = await start({ plan: (id) => (Number(id) < 2 ? ['hang', 'ok'] : ['ok']) })
    // A generous timeout: an answer slower than it on a loaded machine is one more retry, no failure.
    const limiter = createLimiter({ concurrency: 4, retry: { retries: 5, minDelay: 1, maxDelay: 5 } })
    const { outcomes } = await runAll(limiter, sdk.client(server.url, 500), 6)
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.error))).toEqual(
      outcomes.map((_, i) => `ok ${i}`),
    )
    for (const id of ['0', '1']) {
      expect(server.arrivals.filter((a) => a.id === id).map((a) => a.fault)).toContain('hang')
      expect(outcomes[Number(id)]?.attempts).toBeGreaterThanOrEqual(2)
    }
  })

  it('a 429 with Retry-After: the item is retried, and no start is admitted before the wait is over', async () => {
    // OpenAI's answer says retry-after-ms: 700 (read first) and retry-after: 1; Anthropic's, retry-after: 1.
    const expectedWait = sdk === openai ? 700 : 1000
    const server = await start({ plan: (id) => (id === '1' ? [429, 'ok'] : ['ok']), retryAfterMs: 700 })
    const limiter = createLimiter({ concurrency: 2, retry: { minDelay: 1 }, cooldown: { jitter: 0 } })
    // The cooldown begins at the limiter's reading of the clock (`until - delay`), not when this
    // listener runs: a loaded machine can pause the thread between the two.
    const cooldowns: { at: number; until: number; delay: number }[] = []
    limiter.on('cooldown', (e) => cooldowns.push({ at: e.until - e.delay, until: e.until, delay: e.delay }))
    const { outcomes, firstStart } = await runAll(limiter, sdk.client(server.url), 10)
    expectAllServedOnce(server, outcomes)
    expect(outcomes[1]?.attempts).toBe(2)
    expect(limiter.stats().rateLimited).toBe(1)
    expect(cooldowns).toHaveLength(1)
    const { at, until, delay } = cooldowns[0]!
    expect(delay).toBeCloseTo(expectedWait, 0)
    // Server side: the 429'd item came back once the wait was over (1 ms for the float sums).
    const retried = server.arrivals.filter((a) => a.id === '1')
    expect(retried.map((a) => a.fault)).toEqual([429, 'ok'])
    expect(onClock(retried[1]!.at)).toBeGreaterThanOrEqual(until - 1)
    // What arrived while the cooldown held had started before it (in flight when the 429 came back,
    // however long its way to the server took on a loaded machine).
    const during = server.arrivals.filter((a) => onClock(a.at) >= at && onClock(a.at) < until)
    expect(during.filter((a) => firstStart.get(a.id)! > at)).toEqual([])
    await limiter.close()
  })
})
