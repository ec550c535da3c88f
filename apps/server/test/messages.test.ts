import Anthropic from '@anthropic-ai/sdk'
import { afterEach, describe, expect, it } from 'vitest'
import { type RunningServer, type ServerOptions, startServer } from '../src/index'
import { judgeBody } from './http'

const instant = { latencyDistribution: 'fixed', latencyMs: 0 } as const
let server: RunningServer | undefined

/** A server whose clock stands still (windows never roll unless `clock.now` moves), and an SDK client. */
async function start(options: ServerOptions = {}) {
  const clock = { now: 1_000 }
  server = await startServer({ judge: instant, now: () => clock.now, ...options })
  const client = new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0 })
  return { client, clock, url: server.url }
}

afterEach(async () => {
  await server?.close()
  server = undefined
})

const judgeMessage = (body: object = judgeBody()) => ({
  role: 'user' as const,
  content: JSON.stringify(body),
})

/** The SDK's error of a failing call (the test fails if the call succeeds). */
async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Anthropic.APIError)
  return error as InstanceType<typeof Anthropic.APIError>
}

/** Seconds from now until an RFC 3339 reset header, rounded. */
const secondsUntil = (reset: string | null | undefined) =>
  Math.round((Date.parse(reset ?? '') - Date.now()) / 1000)

describe('POST /v1/messages with the @anthropic-ai/sdk client', () => {
  it('answers a message whose text is the judge answer, with usage and a request id', async () => {
    const { client } = await start()
    const { data: message, response } = await client.messages
      .create({
        model: 'claude-judge',
        max_tokens: 100,
        system: 'You are a judge.',
        messages: [judgeMessage()],
      })
      .withResponse()
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-judge',
      stop_reason: 'end_turn',
      stop_sequence: null,
    })
    expect(message.id).toMatch(/^msg_/)
    expect(response.headers.get('request-id')).toMatch(/^req_/)
    expect(message.content).toHaveLength(1)
    const block = message.content[0]!
    expect(block.type).toBe('text')
    const text = (block as Anthropic.TextBlock).text
    expect(JSON.parse(text)).toEqual({
      id: 'q1',
      scores: { relevance: 1, faithfulness: 1, completeness: 1 },
      verdict: 'pass',
    })
    // The chat estimate: 2 + per message (the system prompt one) 4 + ceil(characters / 4).
    const input =
      2 + (4 + Math.ceil('You are a judge.'.length / 4)) + (4 + Math.ceil(judgeMessage().content.length / 4))
    expect(message.usage).toMatchObject({ input_tokens: input, output_tokens: Math.ceil(text.length / 4) })
  })

  it('cuts the text at max_tokens with stop_reason max_tokens', async () => {
    const { client } = await start()
    const message = await client.messages.create({ model: 'm', max_tokens: 3, messages: [judgeMessage()] })
    expect(message.stop_reason).toBe('max_tokens')
    expect(message.usage.output_tokens).toBe(3)
    expect((message.content[0] as Anthropic.TextBlock).text).toHaveLength(12)
  })

  it('sends anthropic-ratelimit-* headers: input tokens final, output tokens settled to the answer', async () => {
    const { client } = await start({ messagesRpm: 60, messagesItpm: 6_000, messagesOtpm: 6_000 })
    const seen: { requests: number; input: number; output: number; inputUsed: number; outputUsed: number }[] =
      []
    for (let i = 0; i < 2; i++) {
      const { data, response } = await client.messages
        .create({ model: 'm', max_tokens: 500, messages: [judgeMessage()] })
        .withResponse()
      const header = (name: string) => response.headers.get(`anthropic-ratelimit-${name}`)
      expect(header('requests-limit')).toBe('60')
      expect(header('input-tokens-limit')).toBe('6000')
      expect(header('output-tokens-limit')).toBe('6000')
      // The clock stands still at the start of the first 10 s window.
      for (const kind of ['requests', 'input-tokens', 'output-tokens']) {
        expect(secondsUntil(header(`${kind}-reset`))).toBe(10)
      }
      expect(data.usage.output_tokens).toBeLessThan(500)
      seen.push({
        requests: Number(header('requests-remaining')),
        input: Number(header('input-tokens-remaining')),
        output: Number(header('output-tokens-remaining')),
        inputUsed: data.usage.input_tokens,
        outputUsed: data.usage.output_tokens,
      })
    }
    // 60/min and 6,000 tokens/min over 10 s windows: 10 requests, 1,000 input and 1,000 output tokens.
    expect(seen.map((s) => s.requests)).toEqual([9, 8])
    expect(seen[1]!.input).toBe(1_000 - seen[0]!.inputUsed - seen[1]!.inputUsed)
    // max_tokens (500) was charged at admission; the answer's output tokens are what stays charged.
    expect(seen[1]!.output).toBe(1_000 - seen[0]!.outputUsed - seen[1]!.outputUsed)
  })

  it('refuses with a RateLimitError and retry-after when the output budget is spent', async () => {
    // 600 output tokens/min over 10 s windows: 100 a window; max_tokens is charged at admission.
    const { client, clock } = await start({ messagesOtpm: 600 })
    const create = (max_tokens: number) =>
      client.messages.create({ model: 'm', max_tokens, messages: [judgeMessage()] })
    const first = await create(60).withResponse()
    const used = first.data.usage.output_tokens
    expect(first.response.headers.get('anthropic-ratelimit-output-tokens-remaining')).toBe(String(100 - used))
    clock.now = 5_000 // 4 s into the first window: 6 s left
    const error = await apiError(create(100 - used + 1))
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    expect(error.status).toBe(429)
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    expect(error.message).toMatch(/output tokens per minute \(600\)/)
    expect(error.headers?.get('retry-after')).toBe('6')
    expect(secondsUntil(error.headers?.get('anthropic-ratelimit-output-tokens-reset'))).toBe(6)
    clock.now = 11_000 // the next window
    expect((await create(100)).type).toBe('message')
  })

  it('refuses with an input-tokens RateLimitError when the input budget is spent, and requests when they are', async () => {
    // 420 input tokens and 12 requests a minute over 10 s windows: 70 tokens and 2 requests a window.
    const { client } = await start({ messagesItpm: 420, messagesRpm: 12 })
    const create = (content: string) =>
      client.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content }] })
    const long = 'x'.repeat(200) // 2 + 4 + 50 = 56 input tokens
    expect((await create(long)).usage.input_tokens).toBe(56)
    const error = await apiError(create(long))
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    expect(error.message).toMatch(/input tokens per minute \(420\)/)
    expect(error.headers?.get('retry-after')).toBe('10')
    expect(error.headers?.get('anthropic-ratelimit-input-tokens-remaining')).toBe('14')
    await create('Hi') // 7 tokens: the window's second request
    const requests = await apiError(create('Hi'))
    expect(requests.message).toMatch(/requests per minute \(12\)/)
    expect(requests.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0')
  })

  it('says a request larger than a whole window allows is too large, without a retry-after', async () => {
    const { client } = await start({ messagesOtpm: 600 })
    const error = await apiError(
      client.messages.create({ model: 'm', max_tokens: 101, messages: [judgeMessage()] }),
    )
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    expect(error.message).toMatch(/on its own/)
    expect(error.headers?.has('retry-after')).toBe(false)
  })

  it('answers an injected overload 529 overloaded_error and a 500 api_error: the SDK classes', async () => {
    const overloaded = await start({ judge: { ...instant, faultRate: 1, faultKinds: ['503'] } })
    const error = await apiError(
      overloaded.client.messages.create({ model: 'm', max_tokens: 10, messages: [judgeMessage()] }),
    )
    expect(error.status).toBe(529)
    expect(error.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
    expect(error).toBeInstanceOf(Anthropic.OverloadedError)
    expect(error.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('99') // it still counts
    await server?.close()
    const failing = await start({ judge: { ...instant, faultRate: 1, faultKinds: ['500'] } })
    const internal = await apiError(
      failing.client.messages.create({ model: 'm', max_tokens: 10, messages: [judgeMessage()] }),
    )
    expect(internal).toBeInstanceOf(Anthropic.InternalServerError)
    expect(internal.error).toMatchObject({ error: { type: 'api_error' } })
  })

  it('injects connection resets: the SDK sees a connection error', async () => {
    const { client } = await start({ judge: { ...instant, faultRate: 1, faultKinds: ['reset'] } })
    const error = await apiError(
      client.messages.create({ model: 'm', max_tokens: 10, messages: [judgeMessage()] }),
    )
    expect(error).toBeInstanceOf(Anthropic.APIConnectionError)
  })

  it('answers a bad request, a missing key or anthropic-version in Anthropic’s error shape', async () => {
    const { client, url } = await start()
    const missing = await apiError(
      client.messages.create({
        model: 'm',
        messages: [judgeMessage()],
      } as unknown as Anthropic.MessageCreateParamsNonStreaming),
    )
    expect(missing).toBeInstanceOf(Anthropic.BadRequestError)
    expect(missing.error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    })
    const post = (headers: Record<string, string>) =>
      fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [judgeMessage()] }),
      })
    const noKey = await post({ 'anthropic-version': '2023-06-01' })
    expect(noKey.status).toBe(401)
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
    const noVersion = await post({ 'x-api-key': 'k' })
    expect(noVersion.status).toBe(400)
    expect(await noVersion.json()).toMatchObject({
      error: { message: 'anthropic-version: header is required' },
    })
    const malformed = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
      body: '{"model":',
    })
    expect(malformed.status).toBe(400)
    expect(await malformed.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
  })

  it('counts requests, 429s and tokens in Prometheus counters', async () => {
    const { client, url } = await start({ messagesRpm: 6 })
    const message = await client.messages.create({ model: 'm', max_tokens: 50, messages: [judgeMessage()] })
    await apiError(client.messages.create({ model: 'm', max_tokens: 50, messages: [judgeMessage()] }))
    const text = await (await fetch(`${url}/metrics`)).text()
    expect(text).toContain('boundkit_messages_requests_total{status="200"} 1')
    expect(text).toContain('boundkit_messages_requests_total{status="429"} 1')
    expect(text).toContain('boundkit_messages_rate_limited_total{limit="requests"} 1')
    expect(text).toContain(`boundkit_messages_tokens_total{kind="input"} ${message.usage.input_tokens}`)
    expect(text).toContain(`boundkit_messages_tokens_total{kind="output"} ${message.usage.output_tokens}`)
  })
})
