import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningServer, type ServerOptions, startServer } from '@boundkit/server'
import { calcPrice } from '@pydantic/genai-prices'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { lines, waitForLines } from './output-lines'
import { boundkit, start } from './run-cli'

// `boundkit llm` with an Anthropic Message Batches request file: the built binary against the demo
// server's POST /v1/messages (Anthropic's shape, headers and budgets).
const KEY_ENV = 'BOUNDKIT_ANTHROPIC_TEST_KEY'
const KEY = 'sk-ant-test-0123456789-must-not-leak'
const MODEL = 'claude-3-5-haiku-20241022'
let dir: string

/** A judge body as the user message: the demo server answers its scores as JSON, with the id. */
function judged(i: number) {
  return {
    id: `c${i}`,
    question: `What is ${i}?`,
    contexts: [`${i} is a number.`],
    answer: `${i} is a number.`,
  }
}

/** A line of an Anthropic Message Batches request file. */
function requestLine(i: number, maxTokens = 40): string {
  return JSON.stringify({
    custom_id: `m-${i}`,
    params: {
      model: MODEL,
      max_tokens: maxTokens,
      system: 'You are a judge.',
      messages: [{ role: 'user', content: JSON.stringify(judged(i)) }],
    },
  })
}

async function requestFile(name: string, count: number, maxTokens = 40): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, `${Array.from({ length: count }, (_, i) => requestLine(i, maxTokens)).join('\n')}\n`)
  return path
}

const ids = (count: number) => Array.from({ length: count }, (_, i) => `m-${i}`)

/** A demo server for one test, closed after it. */
async function demoServer(options: ServerOptions): Promise<RunningServer> {
  const server = await startServer({ judge: { latencyMs: 10, latencySpreadMs: 2, faultRate: 0 }, ...options })
  onTestFinished(() => server.close())
  return server
}

/** The value of a counter of the server's /metrics (0 when absent). */
async function counter(server: RunningServer, series: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

/** The 429s a server gave on /v1/messages, whatever the budget. */
async function refusals(server: RunningServer): Promise<number> {
  let total = 0
  for (const limit of ['requests', 'input-tokens', 'output-tokens']) {
    total += await counter(server, `boundkit_messages_rate_limited_total{limit="${limit}"}`)
  }
  return total
}

beforeAll(async () => {
  process.env[KEY_ENV] = KEY
  dir = await mkdtemp(join(tmpdir(), 'boundkit-llm-anthropic-'))
})

afterAll(async () => {
  delete process.env[KEY_ENV]
  await rm(dir, { recursive: true, force: true })
})

describe('boundkit llm with an Anthropic request file against the demo server', () => {
  it('detects the format, sends x-api-key and anthropic-version, writes result lines in order, prices the tokens', async () => {
    const server = await demoServer({ seed: 3 })
    const count = 20
    const input = await requestFile('requests.jsonl', count)
    const out = join(dir, 'requests-out.jsonl')
    const result = await boundkit(
      ...['llm', input, '--out', out, '--base-url', server.url, '--api-key-env', KEY_ENV, '--json'],
      '--json-answer',
    )
    expect(result.stderr).not.toContain('failed')
    expect(result.code).toBe(0)
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(count))
    for (const [i, line] of written.entries()) {
      expect(line).toMatchObject({
        result: { type: 'succeeded', message: { type: 'message', role: 'assistant', model: MODEL } },
        attempts: 1,
        ms: expect.any(Number),
      })
      const message = (line.result as { message: { content: { text: string }[] } }).message
      expect(JSON.parse(message.content[0]!.text)).toMatchObject({ id: `c${i}` })
      expect(line.answer).toMatchObject({ id: `c${i}`, verdict: expect.any(String) })
    }
    const usage = written.map(
      (line) =>
        (line.result as { message: { usage: { input_tokens: number; output_tokens: number } } }).message
          .usage,
    )
    const prompt = usage.reduce((sum, u) => sum + u.input_tokens, 0)
    const completion = usage.reduce((sum, u) => sum + u.output_tokens, 0)
    const cost = usage.reduce(
      (sum, u) =>
        sum + calcPrice({ input_tokens: u.input_tokens, output_tokens: u.output_tokens }, MODEL)!.total_price,
      0,
    )
    const summary = JSON.parse(result.stdout)
    expect(summary).toMatchObject({ records: count, ok: count, failed: 0, tokens: { prompt, completion } })
    expect(summary.costUsd).toBeGreaterThan(0)
    expect(summary.costUsd).toBeCloseTo(cost, 12)
    for (const text of [result.stdout, result.stderr, await readFile(out, 'utf8')])
      expect(text).not.toContain(KEY)
  })

  it('writes errored lines with the API error when the key is missing, then --retry-failed sends only those again', async () => {
    const server = await demoServer({ seed: 4 })
    const count = 6
    const input = await requestFile('unauthorized.jsonl', count)
    const out = join(dir, 'unauthorized-out.jsonl')
    const args = ['llm', input, '--out', out, '--base-url', server.url, '--provider', 'anthropic']
    // No key at all: the demo server answers 401 authentication_error, not retried.
    const failed = await boundkit(...args, '--max-attempts', '2')
    expect(failed.code).toBe(1)
    const first = await lines(out)
    expect(first.map((line) => line.custom_id)).toEqual(ids(count))
    for (const line of first) {
      expect(line.result).toEqual({
        type: 'errored',
        error: {
          type: 'error',
          error: { type: 'authentication_error', message: 'x-api-key header is required' },
        },
      })
    }
    const again = await boundkit(...args, '--api-key-env', KEY_ENV, '--resume', '--retry-failed', '--json')
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: count, failed: 0 })
    const last = await lines(out)
    expect(last.map((line) => line.custom_id)).toEqual(ids(count))
    expect(last.every((line) => (line.result as { type: string }).type === 'succeeded')).toBe(true)
  })

  it('retries 529 overloaded_error and 429 rate_limit_error until every request succeeds', async () => {
    // One request a second, and about a third of the admitted ones overloaded (529).
    const server = await demoServer({
      seed: 11,
      messagesRpm: 60,
      chatWindowMs: 1000,
      judge: { latencyMs: 10, latencySpreadMs: 2, faultRate: 0.3, faultKinds: ['503'] },
    })
    const count = 8
    const input = await requestFile('storm.jsonl', count)
    const out = join(dir, 'storm-out.jsonl')
    const result = await boundkit(
      ...['llm', input, '--out', out, '--base-url', server.url, '--api-key-env', KEY_ENV],
      ...['--concurrency', '8', '--max-attempts', '30', '--json'],
    )
    expect(result.code).toBe(0)
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(count))
    expect(written.every((line) => (line.result as { type: string }).type === 'succeeded')).toBe(true)
    expect(await counter(server, 'boundkit_messages_requests_total{status="529"}')).toBeGreaterThan(0)
    expect(await refusals(server)).toBeGreaterThan(0)
    expect(JSON.parse(result.stdout).rateLimited).toBeGreaterThan(0)
  })

  it('paces by --itpm and --otpm as the server counts them: no 429s where the same run without them gets many', async () => {
    // 2 s windows of 150 input and 120 output tokens: each request counts about 40 input tokens and
    // max_tokens 40 of output at admission (its answer uses about 25): 3 or 4 requests a window.
    const budgets = { messagesRpm: Number.POSITIVE_INFINITY, messagesItpm: 4_500, messagesOtpm: 3_600 }
    const count = 24
    const input = await requestFile('paced.jsonl', count)
    const run = async (server: RunningServer, name: string, ...extra: string[]) => {
      const out = join(dir, name)
      const result = await boundkit(
        ...['llm', input, '--out', out, '--base-url', server.url, '--api-key-env', KEY_ENV],
        ...['--concurrency', '2', '--max-attempts', '30', '--json', ...extra],
      )
      expect(result.code).toBe(0)
      expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(count))
      return JSON.parse(result.stdout) as { rateLimited: number }
    }
    // Unpaced, the two requests in flight meet a spent window about every 4 requests.
    const unpaced = await demoServer({ seed: 12, chatWindowMs: 2000, ...budgets })
    await run(unpaced, 'unpaced-out.jsonl')
    expect(await refusals(unpaced)).toBeGreaterThanOrEqual(5)

    const paced = await demoServer({ seed: 12, chatWindowMs: 2000, ...budgets })
    const summary = await run(paced, 'paced-out.jsonl', '--itpm', '4500', '--otpm', '3600')
    // None on an idle machine (every run here); on a loaded one, a start held up past the limiter's
    // margin at a window's edge (20 ms) can land in the next window: at most the 2 in flight.
    expect(await refusals(paced)).toBeLessThanOrEqual(2)
    expect(summary.rateLimited).toBe(await refusals(paced))
    expect(await counter(paced, 'boundkit_messages_requests_total{status="200"}')).toBe(count)
  })

  it('--dry-run gives the least time --itpm and --otpm allow, and which binds', async () => {
    const count = 10
    const input = await requestFile('plan.jsonl', count, 300)
    const plan = async (...limits: string[]) => {
      const result = await boundkit(
        'llm',
        input,
        '--out',
        join(dir, 'plan-out.jsonl'),
        '--dry-run',
        '--json',
        ...limits,
      )
      expect(result.code).toBe(0)
      return JSON.parse(result.stdout) as {
        prompt: number
        completionMax: number
        minMs: number
        binding: string
      }
    }
    const output = await plan('--itpm', '100000', '--otpm', '1000')
    expect(output).toMatchObject({ completionMax: count * 300, binding: 'output-tokens' })
    expect(output.minMs).toBe(Math.round(((count * 300) / 1000) * 60_000))
    const byInput = await plan('--itpm', '10', '--otpm', '1000000')
    expect(byInput).toMatchObject({
      binding: 'input-tokens',
      minMs: Math.round((byInput.prompt / 10) * 60_000),
    })
  })

  it("--dry-run's most cost prices a prompt that asks for caching as written to the cache", async () => {
    const cached = join(dir, 'cached.jsonl')
    const line = (i: number, cache: boolean) => {
      const request = JSON.parse(requestLine(i, 100)) as { params: Record<string, unknown> }
      if (cache)
        request.params.system = [
          { type: 'text', text: 'You are a judge.', cache_control: { type: 'ephemeral' } },
        ]
      return JSON.stringify(request)
    }
    const costOf = async (cache: boolean) => {
      await writeFile(cached, `${[0, 1, 2].map((i) => line(i, cache)).join('\n')}\n`)
      const args = ['--out', join(dir, 'cached-out.jsonl'), '--dry-run', '--json']
      const result = await boundkit('llm', cached, ...args, '--price', 'in=1,out=5,cache-write=1.25')
      expect(result.code).toBe(0)
      return JSON.parse(result.stdout) as { prompt: number; completionMax: number; costUsd: { max: number } }
    }
    const plain = await costOf(false)
    expect(plain.costUsd.max).toBeCloseTo((plain.prompt * 1 + plain.completionMax * 5) / 1e6, 12)
    const asks = await costOf(true)
    expect(asks.costUsd.max).toBeCloseTo((asks.prompt * 1.25 + asks.completionMax * 5) / 1e6, 12)
  })

  it('survives kill -9: the resumed run writes every custom_id exactly once, in order', async () => {
    const server = await demoServer({
      seed: 9,
      messagesRpm: Number.POSITIVE_INFINITY,
      messagesItpm: Number.POSITIVE_INFINITY,
      messagesOtpm: Number.POSITIVE_INFINITY,
      judge: { latencyMs: 150, latencyDistribution: 'fixed', faultRate: 0 },
    })
    const count = 40
    const input = await requestFile('resume.jsonl', count)
    const out = join(dir, 'resume-out.jsonl')
    const args = ['llm', input, '--out', out, '--base-url', server.url, '--api-key-env', KEY_ENV]
    const first = start(...args, '--concurrency', '2')
    await waitForLines(out, 6)
    first.child.kill('SIGKILL')
    expect((await first.done).signal).toBe('SIGKILL')
    const before = (await lines(out)).length
    expect(before).toBeLessThan(count)

    const last = await boundkit(...args, '--resume', '--concurrency', '8', '--json')
    expect(last.code).toBe(0)
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(count))
    expect(written.every((line) => (line.result as { type: string }).type === 'succeeded')).toBe(true)
    // Sent again at most the 2 in flight at the kill and the (at most 2) answered within the writer's
    // last group commit before it: every answer older than that was on disk, in the output or the journal.
    const served = await counter(server, 'boundkit_messages_requests_total{status="200"}')
    expect(served).toBeLessThanOrEqual(count + 4)
  })
})
