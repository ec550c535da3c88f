import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { type RunningServer, type ServerOptions, startServer } from '../src/index'
import { judgeBody, postJson } from './http'

const instant = { latencyDistribution: 'fixed', latencyMs: 0 } as const
let server: RunningServer | undefined

/** A server whose clock stands still (windows never roll unless `clock.now` moves), and an SDK client. */
async function start(options: ServerOptions = {}) {
  const clock = { now: 1_000 }
  server = await startServer({ judge: instant, now: () => clock.now, ...options })
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test', maxRetries: 0 })
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
async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(OpenAI.APIError)
  return error as InstanceType<typeof OpenAI.APIError>
}

describe('POST /v1/chat/completions with the openai SDK', () => {
  it('answers a chat.completion whose content is the judge answer, with usage', async () => {
    const { client } = await start()
    const completion = await client.chat.completions.create({
      model: 'judge-1',
      messages: [{ role: 'system', content: 'You are a judge.' }, judgeMessage()],
      max_tokens: 100,
      temperature: 0,
      response_format: { type: 'json_object' },
    })
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'judge-1' })
    expect(completion.id).toMatch(/^chatcmpl-/)
    expect(typeof completion.created).toBe('number')
    expect(completion.choices).toHaveLength(1)
    const [choice] = completion.choices
    expect(choice).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant' } })
    const content = choice!.message.content!
    expect(JSON.parse(content)).toEqual({
      id: 'q1',
      scores: { relevance: 1, faithfulness: 1, completeness: 1 },
      verdict: 'pass',
    })
    // The documented estimate: 2 + per message 4 + ceil(characters / 4); completion ceil(characters / 4).
    const prompt =
      2 + (4 + Math.ceil('You are a judge.'.length / 4)) + (4 + Math.ceil(judgeMessage().content.length / 4))
    expect(completion.usage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: Math.ceil(content.length / 4),
      total_tokens: prompt + Math.ceil(content.length / 4),
    })
  })

  it('scores the same conversation the same way, in the judge format, in sections or as plain text', async () => {
    const { client } = await start()
    const ask = async (content: OpenAI.ChatCompletionUserMessageParam['content'], system?: string) => {
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content }]
      if (system) messages.unshift({ role: 'system', content: system })
      const completion = await client.chat.completions.create({ model: 'm', messages })
      return JSON.parse(completion.choices[0]!.message.content!)
    }
    const failing = { ...judgeBody('q2'), answer: 'No idea at all.' }
    const json = await ask(JSON.stringify(failing))
    expect(json).toEqual({ id: 'q2', scores: expect.any(Object), verdict: 'fail' })
    expect(json.scores.relevance).toBe(0)
    expect(await ask(JSON.stringify(failing))).toEqual(json)

    const sections = [
      'Question: What is the capital of France?',
      'Contexts:',
      'Paris is the capital of France.',
      'Answer: The capital of France is Paris.',
    ].join('\n')
    const fromSections = await ask(sections)
    expect(fromSections).toEqual({
      scores: { relevance: 1, faithfulness: 1, completeness: 1 },
      verdict: 'pass',
    })
    // Content parts are joined: the same text in two parts scores the same.
    const [head, ...rest] = sections.split('\n')
    const parts = await ask([
      { type: 'text', text: head! },
      { type: 'text', text: rest.join('\n') },
    ])
    expect(parts).toEqual(fromSections)

    // Not the judge's format: the text is the answer to the messages before it.
    const plain = await ask('Paris is the capital of France.', 'What is the capital of France?')
    // "paris" is not in the messages before: 2 of its 3 words are grounded.
    expect(plain.scores).toEqual({ relevance: 1, faithfulness: 0.667, completeness: 1 })
    const offTopic = await ask('Bananas are yellow.', 'What is the capital of France?')
    expect(offTopic).toEqual({ scores: { relevance: 0, faithfulness: 0, completeness: 0 }, verdict: 'fail' })
  })

  it('cuts the content at max_tokens with finish_reason length', async () => {
    const { client } = await start()
    const completion = await client.chat.completions.create({
      model: 'm',
      messages: [judgeMessage()],
      max_completion_tokens: 3,
    })
    expect(completion.choices[0]!.finish_reason).toBe('length')
    expect(completion.choices[0]!.message.content).toHaveLength(12)
    expect(completion.usage!.completion_tokens).toBe(3)
  })

  it('sends x-ratelimit-* headers whose remaining counts go down with each request', async () => {
    const { client } = await start({ chatRpm: 60, chatTpm: 60_000, chatWindowMs: 10_000 })
    const remaining: { requests: number; tokens: number; charged: number }[] = []
    for (let i = 0; i < 3; i++) {
      const { data, response } = await client.chat.completions
        .create({ model: 'm', messages: [judgeMessage()], max_tokens: 50 })
        .withResponse()
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('60')
      expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('60000')
      // The clock stands still at the start of the first window (windows count from the server's start).
      expect(response.headers.get('x-ratelimit-reset-requests')).toBe('10s')
      expect(response.headers.get('x-ratelimit-reset-tokens')).toBe('10s')
      expect(data.usage!.completion_tokens).toBeLessThan(50)
      remaining.push({
        requests: Number(response.headers.get('x-ratelimit-remaining-requests')),
        tokens: Number(response.headers.get('x-ratelimit-remaining-tokens')),
        charged: data.usage!.prompt_tokens + 50,
      })
    }
    // 60/min over 10 s windows: 10 requests and 10,000 tokens a window; each request keeps its
    // admission charge (prompt + max_tokens), though its answer used less.
    expect(remaining.map((r) => r.requests)).toEqual([9, 8, 7])
    expect(remaining[0]!.tokens).toBe(10_000 - remaining[0]!.charged)
    expect(remaining[1]!.tokens).toBe(remaining[0]!.tokens - remaining[1]!.charged)
    expect(remaining[2]!.tokens).toBe(remaining[1]!.tokens - remaining[2]!.charged)
  })

  it('gives the SDK a RateLimitError with retry-after(-ms) and x-ratelimit-* once the request budget is spent', async () => {
    const { client, clock } = await start({ chatRpm: 12, chatWindowMs: 10_000 })
    const create = () => client.chat.completions.create({ model: 'm', messages: [judgeMessage()] })
    await create()
    await create()
    clock.now = 5_000 // 4 s into the first window: 6 s left
    const error = await apiError(create())
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error.status).toBe(429)
    expect(error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', param: null })
    expect(error.message).toMatch(/Rate limit reached for requests per min: Limit 12/)
    expect(error.headers?.get('retry-after-ms')).toBe('6000')
    expect(error.headers?.get('retry-after')).toBe('6')
    expect(error.headers?.get('x-ratelimit-limit-requests')).toBe('12')
    expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(error.headers?.get('x-ratelimit-reset-requests')).toBe('6s')
    clock.now = 11_000 // the next window
    expect((await create()).object).toBe('chat.completion')
  })

  it('refuses with a tokens RateLimitError when the token budget is spent; unused max tokens never come back', async () => {
    // 600 tokens/min over 10 s windows: 100 tokens a window.
    const { client, clock } = await start({ chatRpm: Number.POSITIVE_INFINITY, chatTpm: 600 })
    const create = (max_tokens: number) =>
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], max_tokens })
    // Charged 7 + 45 at admission and never refunded, though the answer uses less.
    const first = await create(45).withResponse()
    expect(first.data.usage!.total_tokens).toBeLessThan(52)
    expect(first.response.headers.get('x-ratelimit-remaining-tokens')).toBe('48')
    const error = await apiError(create(45))
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error).toMatchObject({ status: 429, type: 'tokens', code: 'rate_limit_exceeded' })
    expect(error.headers?.get('retry-after-ms')).toBe('10000')
    expect(error.headers?.get('x-ratelimit-remaining-tokens')).toBe('48')
    expect(error.headers?.has('x-ratelimit-limit-requests')).toBe(false) // no request limit
    clock.now += 10_000
    expect((await create(45).withResponse()).response.headers.get('x-ratelimit-remaining-tokens')).toBe('48')
  })

  it('with chatAccounting refund, gives back the max tokens an answer did not use', async () => {
    const { client } = await start({
      chatRpm: Number.POSITIVE_INFINITY,
      chatTpm: 600,
      chatAccounting: 'refund',
    })
    const create = (max_tokens: number) =>
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], max_tokens })
    const first = await create(40).withResponse()
    const used = first.data.usage!.total_tokens
    expect(used).toBeLessThan(47)
    expect(first.response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(100 - used))
    const second = await create(40).withResponse()
    expect(second.response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(100 - 2 * used))
  })

  it('with a sliding chat window, admits again as the first charge slides out and resets when it is whole', async () => {
    // 12 requests/min over sliding 10 s windows: 2 requests in any 10 s.
    const { client, clock } = await start({ chatRpm: 12, chatWindowMode: 'sliding' })
    const create = () =>
      client.chat.completions.create({ model: 'm', messages: [judgeMessage()] }).withResponse()
    await create()
    clock.now += 4_000
    const second = await create()
    expect(second.response.headers.get('x-ratelimit-reset-requests')).toBe('10s')
    clock.now += 2_000
    const error = await apiError(create())
    expect(error.headers?.get('retry-after-ms')).toBe('4000') // until the first slides out
    expect(error.headers?.get('x-ratelimit-reset-requests')).toBe('8s') // until both have
    clock.now += 4_000
    const third = await create()
    expect(third.response.headers.get('x-ratelimit-remaining-requests')).toBe('0')
  })

  it('says a request larger than a whole window allows is too large, without a retry-after', async () => {
    const { client } = await start({ chatTpm: 600 })
    const error = await apiError(
      client.chat.completions.create({ model: 'm', messages: [judgeMessage()], max_tokens: 500 }),
    )
    expect(error).toMatchObject({ status: 429, type: 'tokens', code: 'rate_limit_exceeded' })
    expect(error.message).toMatch(/Request too large/)
    expect(error.headers?.has('retry-after')).toBe(false)
  })

  it.each([
    ['no messages', { model: 'm' }, 'missing_required_parameter', 'messages'],
    ['no model', { messages: [judgeMessage()] }, 'missing_required_parameter', 'model'],
    ['empty messages', { model: 'm', messages: [] }, 'empty_array', 'messages'],
    ['stream: true', { model: 'm', messages: [judgeMessage()], stream: true }, 'unsupported_value', 'stream'],
    ['n: 2', { model: 'm', messages: [judgeMessage()], n: 2 }, 'unsupported_value', 'n'],
    ['messages as a string', { model: 'm', messages: 'hi' }, 'invalid_type', 'messages'],
    [
      'a numeric content',
      { model: 'm', messages: [{ role: 'user', content: 42 }] },
      'invalid_type',
      'messages[0].content',
    ],
    [
      'a content part without type',
      { model: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] },
      'missing_required_parameter',
      'messages[0].content[0].type',
    ],
    [
      'a string temperature',
      { model: 'm', messages: [judgeMessage()], temperature: 'hot' },
      'invalid_type',
      'temperature',
    ],
    [
      'a decimal max_tokens',
      { model: 'm', messages: [judgeMessage()], max_tokens: 1.5 },
      'invalid_type',
      'max_tokens',
    ],
    [
      'an unknown role',
      { model: 'm', messages: [{ role: 'robot', content: 'x' }] },
      'invalid_value',
      'messages[0].role',
    ],
  ])('answers 400 in OpenAI’s error shape for %s', async (_name, body, code, param) => {
    const { client } = await start()
    const error = await apiError(client.chat.completions.create(body as never))
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.status).toBe(400)
    expect(error.error).toEqual({ message: expect.any(String), type: 'invalid_request_error', code, param })
    expect(error.message).toContain(param)
    expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('100') // refused before any charge
  })

  it('says what a content of the wrong type should be', async () => {
    const { client } = await start()
    const error = await apiError(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 42 as never }] }),
    )
    expect(error.error).toMatchObject({
      message:
        "Invalid type for 'messages[0].content': expected a string, an array or null, but got an integer instead.",
    })
  })

  it('accepts unknown fields and nulls, as OpenAI does', async () => {
    const { client } = await start()
    const completion = await client.chat.completions.create({
      model: 'm',
      messages: [
        judgeMessage(),
        { role: 'assistant', content: null, tool_calls: [] } as never,
        judgeMessage(),
      ],
      max_tokens: null,
      n: 1,
      stream: false,
      seed: 7,
      metadata: { id: 'r-1' },
      user: 'someone',
    } as never)
    expect(JSON.parse((completion as OpenAI.ChatCompletion).choices[0]!.message.content!).verdict).toBe(
      'pass',
    )
  })

  it('answers malformed JSON and a wrong content type in OpenAI’s error shape', async () => {
    const { url } = await start()
    const malformed = await postJson(`${url}/v1/chat/completions`, '{"model": ')
    expect(malformed.status).toBe(400)
    expect(malformed.body.error).toMatchObject({ type: 'invalid_request_error', param: null })
    expect(malformed.body.error.code).toBe('malformed_json')
    const text = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: 'hi' })
    expect(text.status).toBe(415)
    expect(((await text.json()) as { error: unknown }).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'unsupported_media_type',
    })
  })

  it('names a refused __proto__ or constructor key and where it is, in OpenAI’s error shape', async () => {
    const { url } = await start()
    const proto = await postJson(
      `${url}/v1/chat/completions`,
      '{"model":"m","messages":[{"role":"user","content":"hi","__proto__":{"admin":true}}]}',
    )
    expect(proto.status).toBe(400)
    expect(proto.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'forbidden_key',
      param: null,
    })
    expect(proto.body.error.message).toContain("'__proto__'")
    expect(proto.body.error.message).toContain("'messages[0].__proto__'")
    const prototype = await postJson(
      `${url}/v1/chat/completions`,
      '{"model":"m","constructor":{"prototype":{"admin":true}},"messages":[{"role":"user","content":"hi"}]}',
    )
    expect(prototype.status).toBe(400)
    expect(prototype.body.error.code).toBe('forbidden_key')
    expect(prototype.body.error.message).toContain("'constructor'")
  })

  it.each([
    ['500', 500, 'fault_injected'],
    ['503', 503, 'unavailable'],
  ] as const)(
    'injects %s faults at the judge fault rate, in OpenAI’s error shape',
    async (kind, status, code) => {
      const { client } = await start({ judge: { ...instant, faultRate: 1, faultKinds: [kind] } })
      const error = await apiError(client.chat.completions.create({ model: 'm', messages: [judgeMessage()] }))
      expect(error).toBeInstanceOf(OpenAI.InternalServerError)
      expect(error).toMatchObject({ status, type: 'server_error', code })
      if (status === 503) expect(error.headers?.get('retry-after')).toBe('1')
      expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('99') // a failed request still counts
    },
  )

  it('injects connection resets: the SDK sees a connection error', async () => {
    const { client } = await start({ judge: { ...instant, faultRate: 1, faultKinds: ['reset'] } })
    const error = await apiError(client.chat.completions.create({ model: 'm', messages: [judgeMessage()] }))
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError)
  })

  it('waits the latency drawn from the judge distribution', async () => {
    const waits: number[] = []
    const { client } = await start({
      judge: { latencyDistribution: 'uniform', latencyMs: 100, latencySpreadMs: 50 },
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms)
      },
    })
    const { response } = await client.chat.completions
      .create({ model: 'm', messages: [judgeMessage()] })
      .withResponse()
    expect(waits).toEqual([100])
    expect(response.headers.get('openai-processing-ms')).toBe('100')
  })

  it('counts requests, 429s and tokens in Prometheus counters', async () => {
    const { client, url } = await start({ chatRpm: 6 })
    const completion = await client.chat.completions.create({ model: 'm', messages: [judgeMessage()] })
    await apiError(client.chat.completions.create({ model: 'm', messages: [judgeMessage()] }))
    const text = await (await fetch(`${url}/metrics`)).text()
    expect(text).toContain('boundkit_chat_requests_total{status="200"} 1')
    expect(text).toContain('boundkit_chat_requests_total{status="429"} 1')
    expect(text).toContain('boundkit_chat_rate_limited_total{limit="requests"} 1')
    expect(text).toContain(`boundkit_chat_tokens_total{kind="prompt"} ${completion.usage!.prompt_tokens}`)
    expect(text).toContain(
      `boundkit_chat_tokens_total{kind="completion"} ${completion.usage!.completion_tokens}`,
    )
  })
})
