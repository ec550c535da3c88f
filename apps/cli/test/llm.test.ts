import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningServer, startServer } from '@boundkit/server'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { localServer } from './local-server'
import { lines, waitForLines } from './output-lines'
import { boundkit, printedResume, start, startLine, stderrShows } from './run-cli'

// `boundkit llm` end to end: the built binary against the demo server's POST /v1/chat/completions.
const KEY_ENV = 'BOUNDKIT_LLM_TEST_KEY'
const KEY = 'sk-test-0123456789-must-not-leak'
let dir: string
let server: RunningServer

/** A judge body as the chat content: the demo server answers its scores as JSON, with the id. */
function judged(i: number) {
  return {
    id: `c${i}`,
    question: `What is ${i}?`,
    contexts: [`${i} is a number.`],
    answer: `${i} is a number.`,
  }
}

/** A Batch API request line. */
function requestLine(i: number, maxTokens = 40): string {
  return JSON.stringify({
    custom_id: `r-${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model: 'demo',
      messages: [{ role: 'user', content: JSON.stringify(judged(i)) }],
      max_tokens: maxTokens,
    },
  })
}

async function requestFile(name: string, count: number): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, `${Array.from({ length: count }, (_, i) => requestLine(i)).join('\n')}\n`)
  return path
}

/** `boundkit llm`'s arguments: input, output, base URL, then the rest. */
function llmArgs(input: string, out: string, baseUrl: string): string[] {
  return ['llm', input, '--out', out, '--base-url', baseUrl]
}

const ids = (count: number, prefix = 'r-') => Array.from({ length: count }, (_, i) => `${prefix}${i}`)

/** The key appears nowhere: not on stdout, stderr, nor in the output file. */
async function expectNoKey(result: { stdout: string; stderr: string }, out: string): Promise<void> {
  expect(result.stdout).not.toContain(KEY)
  expect(result.stderr).not.toContain(KEY)
  expect(await readFile(out, 'utf8').catch(() => '')).not.toContain(KEY)
}

beforeAll(async () => {
  process.env[KEY_ENV] = KEY
  dir = await mkdtemp(join(tmpdir(), 'boundkit-llm-'))
  // 2 s windows of 10 requests and 1,000 tokens: binding for the runs below.
  server = await startServer({
    seed: 7,
    chatRpm: 300,
    chatTpm: 30_000,
    chatWindowMs: 2000,
    judge: { latencyMs: 20, latencySpreadMs: 5, faultRate: 0 },
  })
})

afterAll(async () => {
  delete process.env[KEY_ENV]
  await server?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('boundkit llm against the demo server', () => {
  it('runs a Batch API request file into Batch API output lines, in order, with the summary', async () => {
    const count = 30
    const input = await requestFile('requests.jsonl', count)
    const out = join(dir, 'requests-out.jsonl')
    const result = await boundkit(
      ...[...llmArgs(input, out, `${server.url}/v1`), '--rpm', '300', '--tpm', '30000'],
      ...['--api-key-env', KEY_ENV, '--json-answer', '--price', 'in=1,out=2', '--json'],
    )
    expect(result.stderr).not.toContain('failed')
    expect(result.code).toBe(0)
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(count))
    for (const [i, line] of written.entries()) {
      expect(line).toMatchObject({
        id: expect.any(String),
        error: null,
        response: { status_code: 200, request_id: expect.any(String), body: { object: 'chat.completion' } },
        answer: { id: `c${i}`, verdict: expect.any(String) },
        attempts: expect.any(Number),
        ms: expect.any(Number),
      })
    }
    const summary = JSON.parse(result.stdout)
    const usage = written.map(
      (line) => (line.response as { body: { usage: Record<string, number> } }).body.usage,
    )
    const prompt = usage.reduce((sum, u) => sum + (u.prompt_tokens as number), 0)
    const completion = usage.reduce((sum, u) => sum + (u.completion_tokens as number), 0)
    expect(summary).toMatchObject({
      records: count,
      ok: count,
      failed: 0,
      tokens: { prompt, completion, total: prompt + completion },
      costUsd: (prompt * 1 + completion * 2) / 1e6,
      limits: { rpm: 300, tpm: 30_000 },
      concurrency: expect.any(Number),
      rateLimited: expect.any(Number),
      tokensPerMinute: expect.any(Number),
    })
    await expectNoKey(result, out)
  })

  it('fills --template from plain records (dotted paths, arrays joined), keyed by --key', async () => {
    const input = join(dir, 'records.jsonl')
    const records = [0, 1, 2].map((i) => ({
      conv: { id: `k${i}` },
      q: `What is ${i}?`,
      ctx: [`${i} is`, 'a number'],
      a: `${i}`,
    }))
    await writeFile(input, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`)
    const template = join(dir, 'judge.md')
    await writeFile(template, 'Question: {{q}}\nContexts:\n{{ ctx }}\nAnswer: {{a}}\n')
    const out = join(dir, 'records-out.jsonl')
    const args = [...llmArgs(input, out, server.url), '--template', template, '--model', 'demo']
    const result = await boundkit(...args, '--key', 'conv.id', '--json-answer')
    expect(result.code).toBe(0)
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(['k0', 'k1', 'k2'])
    expect(written[0]).toMatchObject({
      error: null,
      answer: { scores: expect.any(Object), verdict: expect.any(String) },
    })
    expect(written[0]).toMatchObject({ response: { body: { model: 'demo' } } })

    // Without --key: the line number is the custom_id.
    const byLine = join(dir, 'records-by-line.jsonl')
    expect((await boundkit(...args.map((a) => (a === out ? byLine : a)))).code).toBe(0)
    expect((await lines(byLine)).map((line) => line.custom_id)).toEqual(['1', '2', '3'])
  })

  it('survives SIGINT and SIGKILL: every custom_id exactly once, in order, and the key never printed', async () => {
    const slow = await startServer({
      seed: 9,
      chatRpm: Number.POSITIVE_INFINITY,
      chatTpm: Number.POSITIVE_INFINITY,
      judge: { latencyMs: 150, latencyDistribution: 'fixed', faultRate: 0 },
    })
    onTestFinished(() => slow.close())
    const count = 60
    const input = await requestFile('resume.jsonl', count)
    const out = join(dir, 'resume-out.jsonl')
    const args = [...llmArgs(input, out, slow.url), '--concurrency', '2', '--api-key-env', KEY_ENV]

    const first = start(...args)
    await waitForLines(out, 6)
    first.child.kill('SIGINT')
    const interrupted = await first.done
    expect(interrupted.code).toBe(130)
    expect(interrupted.stderr).toMatch(/To continue, run:\n {2}\S*node \S*main\.js llm .* --resume\n/)
    await expectNoKey(interrupted, out)
    const afterInt = (await lines(out)).length
    expect(afterInt).toBeLessThan(count)

    // Without --resume, an output with results is refused before any request.
    const refused = await boundkit(...args)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--resume')

    // The printed command, run by a shell as it is.
    const second = startLine(printedResume(interrupted.stderr))
    await waitForLines(out, afterInt + 6)
    second.child.kill('SIGKILL')
    expect((await second.done).signal).toBe('SIGKILL')

    const last = await boundkit(...args, '--resume', '--concurrency', '8')
    expect(last.code).toBe(0)
    await expectNoKey(last, out)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(count))
  })

  it('ends a 429 storm with every request ok: the server allows 1 request a second, the client is not told', async () => {
    const strict = await startServer({
      seed: 11,
      chatRpm: 60,
      chatTpm: Number.POSITIVE_INFINITY,
      chatWindowMs: 1000,
      judge: { latencyMs: 10, faultRate: 0 },
    })
    onTestFinished(() => strict.close())
    const count = 8
    const input = await requestFile('storm.jsonl', count)
    const out = join(dir, 'storm-out.jsonl')
    const result = await boundkit(
      ...[...llmArgs(input, out, strict.url), '--concurrency', '8', '--max-attempts', '30', '--json'],
    )
    expect(result.code).toBe(0)
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(count))
    expect(written.every((line) => line.error === null)).toBe(true)
    const summary = JSON.parse(result.stdout)
    expect(summary.ok).toBe(count)
    expect(summary.rateLimited).toBeGreaterThan(0)
  })
})

describe('boundkit llm against a stub server', () => {
  it('a content that is not JSON is a coded error on its line (--json-answer); the key is sent, never shown', async () => {
    const seen: IncomingMessage[] = []
    const stub = await localServer((request, response, body) => {
      seen.push(request)
      const { custom } = JSON.parse(body.toString()).metadata as { custom: string }
      response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req-${custom}` })
      const content = custom === 'bad' ? 'Sure! Here is the JSON you asked for.' : '{"score":1}'
      response.end(
        JSON.stringify({
          id: `chatcmpl-${custom}`,
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
        }),
      )
    })
    onTestFinished(() => stub.close())
    const input = join(dir, 'stub.jsonl')
    const line = (id: string) =>
      JSON.stringify({
        custom_id: id,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'x', messages: [{ role: 'user', content: 'hi' }], metadata: { custom: id } },
      })
    await writeFile(input, `${line('good')}\n${line('bad')}\n`)
    const out = join(dir, 'stub-out.jsonl')
    const args = [...llmArgs(input, out, `${stub.url}v1`), '--api-key-env', KEY_ENV, '--json-answer']
    const result = await boundkit(...args, '--header', 'X-Team: evals')
    expect(result.code).toBe(1)
    const [good, bad] = await lines(out)
    expect(good).toMatchObject({ custom_id: 'good', id: 'req-good', error: null, answer: { score: 1 } })
    expect(bad).toMatchObject({
      custom_id: 'bad',
      response: { status_code: 200, request_id: 'req-bad' },
      error: { code: 'ERR_ANSWER_NOT_JSON', message: expect.stringContaining('not JSON') },
    })
    expect(seen[0]?.url).toBe('/v1/chat/completions')
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(seen[0]?.headers['x-team']).toBe('evals')
    await expectNoKey(result, out)

    // --azure: the key in the api-key header, no Authorization.
    seen.length = 0
    const azure = await boundkit(
      ...args.map((a) => (a === out ? join(dir, 'azure-out.jsonl') : a)),
      '--azure',
    )
    expect(azure.code).toBe(1)
    expect(seen[0]?.headers['api-key']).toBe(KEY)
    expect(seen[0]?.headers.authorization).toBeUndefined()
  })

  it('a request that cannot reach the server fails on its line with no key in the message', async () => {
    const input = await requestFile('refused.jsonl', 2)
    const out = join(dir, 'refused-out.jsonl')
    const result = await boundkit(
      ...[...llmArgs(input, out, 'http://127.0.0.1:9/v1'), '--api-key-env', KEY_ENV],
      ...['--max-attempts', '1'],
    )
    expect(result.code).toBe(1)
    const written = await lines(out)
    expect(written.map((line) => line.response)).toEqual([null, null])
    expect(written[0]).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } })
    await expectNoKey(result, out)
  })

  it('never prints a key given in --base-url: the command to continue reads api_key=***', async () => {
    const urls: string[] = []
    // Holds every request: the run is interrupted with requests in flight.
    const stub = await localServer((request) => urls.push(request.url ?? ''))
    onTestFinished(() => stub.close())
    const input = await requestFile('query-key.jsonl', 4)
    const out = join(dir, 'query-key-out.jsonl')
    const run = start(...llmArgs(input, out, `${stub.url}v1?api_key=SECRET-IN-QUERY`), '--concurrency', '2')
    await stub.requests(2)
    // A second signal sent before the first is handled would be merged into it.
    const interrupted = stderrShows(run.child, 'Interrupted')
    run.child.kill('SIGINT')
    await interrupted
    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.code).toBe(130)
    expect(urls[0]).toBe('/v1/chat/completions?api_key=SECRET-IN-QUERY')
    expect(result.stderr).not.toContain('SECRET-IN-QUERY')
    expect(printedResume(result.stderr)).toContain('api_key=***')
    expect(result.stderr).toContain('URL credentials read ***')
  })

  it('ignores a usage that is not a token count (1e308), says so, and keeps pacing --tpm by the estimate', async () => {
    const stub = await localServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      const usage = { prompt_tokens: 1e308, completion_tokens: 3, total_tokens: 1e308 }
      response.end(JSON.stringify({ id: 'x', choices: [{ message: { content: 'ok' } }], usage }))
    })
    onTestFinished(() => stub.close())
    const input = await requestFile('insane-usage.jsonl', 6)
    const out = join(dir, 'insane-usage-out.jsonl')
    // 6 requests of about 100 tokens each fit well inside --tpm 100000: no wait unless 1e308 is counted.
    const result = await boundkit(...llmArgs(input, out, stub.url), '--tpm', '100000', '--json')
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('gives a usage that is not a token count (prompt_tokens: 1e+308)')
    const summary = JSON.parse(result.stdout)
    expect(summary.tokens).toEqual({ prompt: 0, cached: 0, completion: 18, total: 18 })
    expect(summary.usageIgnored).toBe(6)
    expect(summary.ms).toBeLessThan(30_000)
  })

  it('a request whose token estimate alone is above --tpm fails on its line with ERR_COST_TOO_HIGH, unsent', async () => {
    const stub = await localServer((_request, response) => response.end('{}'))
    onTestFinished(() => stub.close())
    const input = await requestFile('too-big.jsonl', 2)
    const out = join(dir, 'too-big-out.jsonl')
    const result = await boundkit(...llmArgs(input, out, stub.url), '--tpm', '5')
    expect(result.code).toBe(1)
    const written = await lines(out)
    expect(written.map((line) => [line.custom_id, (line.error as { code: string }).code])).toEqual([
      ['r-0', 'ERR_COST_TOO_HIGH'],
      ['r-1', 'ERR_COST_TOO_HIGH'],
    ])
    expect(stub.bodies).toHaveLength(0)
  })

  it.each([
    ['a malformed line', (l: string[]) => l.splice(2, 1, '{"custom_id": "r-2", oops'), /:3: malformed JSON/],
    [
      'a duplicate custom_id',
      (l: string[]) => l.splice(3, 1, requestLine(1)),
      /:4: duplicate custom_id "r-1"/,
    ],
    [
      'a line without custom_id',
      (l: string[]) => l.splice(1, 1, '{"method":"POST"}'),
      /:2: expected "custom_id"/,
    ],
    [
      'a url that leaves the base path',
      (l: string[]) => l.splice(2, 1, requestLine(2).replace('/v1/chat/completions', '/../../../etc')),
      /:3: expected "url" to be a path under --base-url/,
    ],
  ])('refuses %s before any request, with its line number (exit 2)', async (_name, spoil, message) => {
    const stub = await localServer((_request, response) => response.end('{}'))
    onTestFinished(() => stub.close())
    const rows = Array.from({ length: 5 }, (_, i) => requestLine(i))
    spoil(rows)
    const input = join(dir, 'spoiled.jsonl')
    await writeFile(input, `${rows.join('\n')}\n`)
    const out = join(dir, 'spoiled-out.jsonl')
    // Under a base path, which a request's url must not leave.
    const result = await boundkit(...llmArgs(input, out, `${stub.url}v1`))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(stub.bodies).toHaveLength(0)
    await expect(stat(out)).rejects.toThrow()
  })
})
