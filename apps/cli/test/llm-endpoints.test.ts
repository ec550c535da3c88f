import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningServer, startServer } from '@boundkit/server'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { localServer } from './local-server'
import { lines, waitForLines } from './output-lines'
import { boundkit, printedResume, start, startLine } from './run-cli'

// `boundkit llm --endpoints`: one batch over several deployments, the built binary against demo
// servers (and small local servers where a test needs to see the headers or inject 503s).
const KEY_A = 'sk-endpoint-a-must-not-leak'
const KEY_B = 'azure-endpoint-b-must-not-leak'
let dir: string

function requestLine(i: number, model = 'demo'): string {
  const content = JSON.stringify({ id: `c${i}`, question: `What is ${i}?`, contexts: ['x'], answer: `${i}` })
  return JSON.stringify({
    custom_id: `r-${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content }], max_tokens: 40 },
  })
}

async function requestFile(name: string, count: number, model = (_i: number) => 'demo'): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, `${Array.from({ length: count }, (_, i) => requestLine(i, model(i))).join('\n')}\n`)
  return path
}

async function endpointsFile(name: string, content: unknown): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  return path
}

const ids = (count: number) => Array.from({ length: count }, (_, i) => `r-${i}`)

/** The 200 answers a demo server gave, by its own count. */
async function served(server: RunningServer): Promise<number> {
  const line = (await server.metrics.text())
    .split('\n')
    .find((l) => l.startsWith('boundkit_chat_requests_total{status="200"}'))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}

/** A chat completion answer with a usage, as an OpenAI-compatible server gives it. */
function completion(response: ServerResponse, model: string): void {
  response.writeHead(200, { 'content-type': 'application/json' })
  response.end(
    JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
    }),
  )
}

const modelOf = (body: Buffer) => (JSON.parse(body.toString('utf8')) as { model: string }).model

beforeAll(async () => {
  process.env.BOUNDKIT_ENDPOINT_A_KEY = KEY_A
  process.env.BOUNDKIT_ENDPOINT_B_KEY = KEY_B
  dir = await mkdtemp(join(tmpdir(), 'boundkit-endpoints-'))
})

afterAll(async () => {
  delete process.env.BOUNDKIT_ENDPOINT_A_KEY
  delete process.env.BOUNDKIT_ENDPOINT_B_KEY
  await rm(dir, { recursive: true, force: true })
})

describe('boundkit llm --endpoints', () => {
  it('spreads one batch over two endpoints by their room: the larger limit takes more', async () => {
    const options = { seed: 3, chatTpm: Number.POSITIVE_INFINITY, chatWindowMs: 1000 }
    const judge = { latencyMs: 20, latencySpreadMs: 5, faultRate: 0 }
    const big = await startServer({ ...options, chatRpm: 1200, judge })
    const small = await startServer({ ...options, chatRpm: 400, judge })
    onTestFinished(() => Promise.all([big.close(), small.close()]).then(() => {}))
    const count = 80
    const input = await requestFile('spread.jsonl', count)
    const file = await endpointsFile('spread.json', {
      endpoints: [
        { name: 'small', baseUrl: `${small.url}/v1`, rpm: 400 },
        { name: 'big', baseUrl: `${big.url}/v1`, rpm: 1200 },
      ],
    })
    const out = join(dir, 'spread-out.jsonl')
    const result = await boundkit('llm', input, '--out', out, '--endpoints', file, '--json')
    expect(result.stderr).not.toContain('failed')
    expect(result.code).toBe(0)
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(count))
    expect(written.every((line) => line.error === null)).toBe(true)
    const summary = JSON.parse(result.stdout)
    const [toSmall, toBig] = summary.endpoints as { name: string; requests: number; tokens: number }[]
    expect([toSmall!.name, toBig!.name]).toEqual(['small', 'big'])
    // Every request went to one server and was answered once: the servers' own counts.
    expect((await served(big)) + (await served(small))).toBe(count)
    expect(toSmall!.requests).toBeGreaterThan(0)
    expect(toBig!.requests).toBeGreaterThan(toSmall!.requests)
    expect(toBig!.tokens + toSmall!.tokens).toBe(summary.tokens.total)
    expect(summary.limits).toEqual({ rpm: 1600, tpm: null })
  })

  it("routes each request to an endpoint serving its model, with that endpoint's own key header", async () => {
    const seen: { server: string; model: string; headers: IncomingHttpHeaders }[] = []
    const answer = (server: string) => (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
      seen.push({ server, model: modelOf(body), headers: request.headers })
      completion(response, modelOf(body))
    }
    const a = await localServer(answer('a'))
    const b = await localServer(answer('b'))
    onTestFinished(() => Promise.all([a.close(), b.close()]).then(() => {}))
    const models = ['model-a', 'model-b', 'model-a', 'model-c']
    const input = await requestFile('models.jsonl', 12, (i) => models[i % 4]!)
    const file = await endpointsFile('models.json', {
      endpoints: [
        { name: 'a', baseUrl: `${a.url}v1`, apiKeyEnv: 'BOUNDKIT_ENDPOINT_A_KEY', models: ['model-a'] },
        {
          name: 'b',
          baseUrl: `${b.url}v1`,
          apiKeyEnv: 'BOUNDKIT_ENDPOINT_B_KEY',
          azure: true,
          models: ['model-b'],
          concurrency: 2,
        },
      ],
    })
    const out = join(dir, 'models-out.jsonl')
    const result = await boundkit('llm', input, '--out', out, '--endpoints', file, '--json')
    // The model-c requests: no endpoint serves them, they fail with a line (exit 1).
    expect(result.code).toBe(1)
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(12))
    for (const [i, line] of written.entries()) {
      if (models[i % 4] === 'model-c') {
        expect(line.error).toMatchObject({ code: 'ERR_NO_ENDPOINT' })
      } else expect(line.error).toBe(null)
    }
    expect(seen).toHaveLength(9)
    for (const request of seen) {
      expect(request.model).toBe(request.server === 'a' ? 'model-a' : 'model-b')
      if (request.server === 'a') {
        expect(request.headers.authorization).toBe(`Bearer ${KEY_A}`)
        expect(request.headers['api-key']).toBeUndefined()
      } else {
        expect(request.headers['api-key']).toBe(KEY_B)
        expect(request.headers.authorization).toBeUndefined()
      }
    }
    const summary = JSON.parse(result.stdout)
    expect(summary.endpoints).toMatchObject([
      { name: 'a', requests: 6, tokens: 72, rateLimited: 0 },
      { name: 'b', requests: 3, tokens: 36, rateLimited: 0 },
    ])
    for (const text of [result.stdout, result.stderr, await readFile(out, 'utf8')]) {
      expect(text).not.toContain(KEY_A)
      expect(text).not.toContain(KEY_B)
    }
  })

  it('drains an endpoint that answers only 503 from the middle of the run: nothing lost, the other takes the rest', async () => {
    const good = 10
    let answered = 0
    const failing = await localServer((_request, response, body) => {
      if (answered < good) {
        answered++
        completion(response, modelOf(body))
        return
      }
      response.writeHead(503, { 'content-type': 'application/json' })
      response.end('{"error":{"message":"overloaded","type":"server_error"}}')
    })
    const other = await startServer({
      seed: 5,
      chatRpm: 1200,
      chatTpm: Number.POSITIVE_INFINITY,
      chatWindowMs: 1000,
      judge: { latencyMs: 20, latencySpreadMs: 5, faultRate: 0 },
    })
    onTestFinished(() => Promise.all([failing.close(), other.close()]).then(() => {}))
    const count = 60
    const input = await requestFile('failover.jsonl', count)
    const file = await endpointsFile('failover.json', {
      endpoints: [
        { name: 'failing', baseUrl: `${failing.url}v1`, concurrency: 4, weight: 3 },
        { name: 'other', baseUrl: `${other.url}/v1`, rpm: 1200 },
      ],
    })
    const out = join(dir, 'failover-out.jsonl')
    const report = join(dir, 'failover-report.html')
    const result = await boundkit(
      'llm',
      input,
      '--out',
      out,
      '--endpoints',
      file,
      '--json',
      '--report',
      report,
    )
    expect(result.code).toBe(0)
    // The 503s retried on the other endpoint are on the report, by reason and by code.
    const html = await readFile(report, 'utf8')
    // (The other's own 429s, when its window is full, may come first in the object.)
    expect(html).toMatch(/"retryReasons":\{[^}]*"5xx":[1-9]/)
    expect(html).toContain('"code":"HTTP 503"')
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(count))
    expect(written.every((line) => line.error === null)).toBe(true)
    // Each request answered once: the failing endpoint's good answers and the other's.
    expect(answered).toBe(good)
    expect(await served(other)).toBe(count - good)
    const summary = JSON.parse(result.stdout)
    const [drained, rest] = summary.endpoints as { requests: number; drains: number }[]
    expect(drained!.drains).toBeGreaterThanOrEqual(1)
    // Drained after 3 failures in a row: only the attempts in flight then also failed.
    expect(drained!.requests).toBeLessThanOrEqual(good + 3 + 4)
    expect(drained!.requests + rest!.requests).toBe(summary.requests)
  })
})

describe('boundkit llm --endpoints: an endpoint that cannot serve', () => {
  /** An OpenAI error answer; a 401's message shows part of the key, as OpenAI's does. */
  function refuse(response: ServerResponse, status: number, message: string): void {
    response.writeHead(status, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ error: { message, type: 'invalid_request_error', code: null } }))
  }
  const contentOf = (body: Buffer) =>
    (JSON.parse(body.toString('utf8')) as { messages: { content: string }[] }).messages[0]!.content
  /** Record r-3's request is bad (a 400) wherever it goes. */
  const bad = (body: Buffer) => contentOf(body).includes('What is 3?')

  it('takes out an endpoint answering 401 (every model) or 403/404 (that model), sends its records elsewhere without using up their attempts, and fails them with the API error when none is left', async () => {
    const revoked = await localServer((_request, response) =>
      refuse(response, 401, `Incorrect API key provided: ${KEY_A.slice(0, 6)}***leak`),
    )
    const partial = await localServer((_request, response, body) => {
      if (modelOf(body) === 'model-b') refuse(response, 404, 'The model `model-b` does not exist')
      else if (bad(body)) refuse(response, 400, 'max_tokens is too large')
      else completion(response, modelOf(body))
    })
    const fallback = await localServer((_request, response, body) => {
      if (bad(body)) refuse(response, 400, 'max_tokens is too large')
      else completion(response, modelOf(body))
    })
    const noAccess = await localServer((_request, response) =>
      refuse(response, 403, 'You do not have access to model-c'),
    )
    const servers = [revoked, partial, fallback, noAccess]
    onTestFinished(() => Promise.all(servers.map((server) => server.close())).then(() => {}))
    const models = ['model-a', 'model-b', 'model-c']
    const count = 30
    const input = await requestFile('refused.jsonl', count, (i) => models[i % 3]!)
    const file = await endpointsFile('refused.json', {
      endpoints: [
        // Chosen first (the most room by their weight): today every record sent to them fails there.
        { name: 'revoked', baseUrl: `${revoked.url}v1`, apiKeyEnv: 'BOUNDKIT_ENDPOINT_A_KEY', weight: 100 },
        { name: 'partial', baseUrl: `${partial.url}v1`, models: ['model-a', 'model-b'], weight: 10 },
        { name: 'fallback', baseUrl: `${fallback.url}v1`, models: ['model-a', 'model-b'] },
        { name: 'no-access', baseUrl: `${noAccess.url}v1`, models: ['model-c'] },
      ],
    })
    const out = join(dir, 'refused-out.jsonl')
    // One attempt each: a refused attempt is not one of them.
    const args = ['llm', input, '--out', out, '--endpoints', file, '--json', '--max-attempts', '1']
    const result = await boundkit(...args)
    expect(result.code).toBe(1)
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(count))
    for (const [i, line] of written.entries()) {
      const status = (line.response as { status_code: number } | null)?.status_code
      if (i === 3)
        expect([line.error, status]).toEqual([{ code: 'ERR_HTTP_STATUS', message: 'HTTP 400' }, 400])
      else if (models[i % 3] === 'model-c') {
        // Every endpoint serving model-c (revoked, no-access) refused it: an API's answer, as without --endpoints.
        expect(line.error).toEqual({ code: 'ERR_HTTP_STATUS', message: `HTTP ${status}` })
        expect([401, 403]).toContain(status)
      } else expect([line.error, status]).toEqual([null, 200])
    }
    // Each record of model-a and model-b answered once, by fallback or (model-a) by partial.
    const answered = (server: typeof revoked, model: string) =>
      server.bodies.filter((body) => modelOf(body) === model && !bad(body)).length
    expect(answered(partial, 'model-a') + answered(fallback, 'model-a')).toBe(9)
    expect(answered(fallback, 'model-b')).toBe(10)
    const summary = JSON.parse(result.stdout)
    const byName = Object.fromEntries(
      (summary.endpoints as { name: string }[]).map((endpoint) => [endpoint.name, endpoint]),
    )
    expect(byName.revoked).toMatchObject({
      requests: revoked.bodies.length,
      refused: revoked.bodies.length,
      takenOut: [{ status: 401, model: null }],
    })
    const partialRefused = partial.bodies.filter((body) => modelOf(body) === 'model-b').length
    expect(partialRefused).toBeGreaterThan(0)
    expect(byName.partial).toMatchObject({
      refused: partialRefused,
      takenOut: [{ status: 404, model: 'model-b' }],
    })
    // A 400 is the request's failure, not the endpoint's.
    expect(byName.fallback).toMatchObject({ refused: 0, takenOut: [] })
    expect(byName['no-access']).toMatchObject({ takenOut: [{ status: 403, model: 'model-c' }] })
    // Taken out for the rest of the run: only the attempts already given to it when it refused.
    expect(revoked.bodies.length).toBeLessThan(count / 3)
    // Said once each, with the status and the endpoint's name, never the key (nor the API's message).
    const said = (text: string) => result.stderr.split('\n').filter((line) => line.includes(text))
    expect(said('endpoint revoked answered 401')).toHaveLength(1)
    expect(said('endpoint partial answered 404')).toEqual([
      expect.stringContaining('taken out for model "model-b"'),
    ])
    expect(said('endpoint no-access answered 403')).toHaveLength(1)
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(KEY_A)
      expect(text).not.toContain(KEY_A.slice(0, 6))
    }
  })

  it("sends a record whose token estimate is above one endpoint's tpm to one whose window can hold it; ERR_COST_TOO_HIGH only when none can", async () => {
    const answer = (_request: IncomingMessage, response: ServerResponse, body: Buffer) =>
      completion(response, modelOf(body))
    const small = await localServer(answer)
    const big = await localServer(answer)
    onTestFinished(() => Promise.all([small.close(), big.close()]).then(() => {}))
    // r-0..r-9 about 60 tokens, r-10..r-19 about 25,020 (max_tokens 25,000), r-20 about 20 million.
    const maxTokens = (i: number) => (i < 10 ? 40 : i < 20 ? 25_000 : 20_000_000)
    const text = Array.from({ length: 21 }, (_, i) => {
      const line = JSON.parse(requestLine(i)) as { body: { max_tokens: number } }
      line.body.max_tokens = maxTokens(i)
      return JSON.stringify(line)
    })
    const input = join(dir, 'tpm.jsonl')
    await writeFile(input, `${text.join('\n')}\n`)
    const file = await endpointsFile('tpm.json', {
      endpoints: [
        // The most room by its weight: today the large records are given to it and fail there.
        { name: 'small', baseUrl: `${small.url}v1`, tpm: 20_000, weight: 100 },
        { name: 'big', baseUrl: `${big.url}v1`, tpm: 10_000_000 },
      ],
    })
    const out = join(dir, 'tpm-out.jsonl')
    const result = await boundkit('llm', input, '--out', out, '--endpoints', file, '--json')
    expect(result.code).toBe(1)
    const written = await lines(out)
    expect(written.map((line) => line.custom_id)).toEqual(ids(21))
    for (const [i, line] of written.entries()) {
      if (i === 20) expect(line.error).toMatchObject({ code: 'ERR_COST_TOO_HIGH' })
      else expect(line.error).toBe(null)
    }
    const sizes = (server: typeof small) =>
      server.bodies.map((body) => (JSON.parse(body.toString('utf8')) as { max_tokens: number }).max_tokens)
    expect(sizes(small).every((n) => n === 40)).toBe(true)
    expect(sizes(big).filter((n) => n === 25_000)).toHaveLength(10)
    expect([...sizes(small), ...sizes(big)]).toHaveLength(20)
  })
})

describe('boundkit llm --endpoints: interrupted', () => {
  it('finishes what is in flight on both endpoints at Ctrl-C; the printed command resumes: every custom_id once, in order', async () => {
    const options = { chatRpm: Number.POSITIVE_INFINITY, chatTpm: Number.POSITIVE_INFINITY }
    const judge = { latencyMs: 150, latencyDistribution: 'fixed' as const, faultRate: 0 }
    const a = await startServer({ ...options, seed: 1, judge })
    const b = await startServer({ ...options, seed: 2, judge })
    onTestFinished(() => Promise.all([a.close(), b.close()]).then(() => {}))
    const count = 40
    const input = await requestFile('interrupted.jsonl', count)
    const file = await endpointsFile('interrupted.json', {
      endpoints: [
        { name: 'a', baseUrl: `${a.url}/v1`, concurrency: 2 },
        { name: 'b', baseUrl: `${b.url}/v1`, concurrency: 2 },
      ],
    })
    const out = join(dir, 'interrupted-out.jsonl')
    const first = start('llm', input, '--out', out, '--endpoints', file)
    await waitForLines(out, 6)
    first.child.kill('SIGINT')
    const interrupted = await first.done
    expect(interrupted.code).toBe(130)
    const afterInt = (await lines(out)).length
    expect(afterInt).toBeLessThan(count)
    const resumed = await startLine(printedResume(interrupted.stderr)).done
    expect(resumed.code).toBe(0)
    expect((await lines(out)).map((line) => line.custom_id)).toEqual(ids(count))
    // Each request answered once over both runs: the servers' own counts.
    expect((await served(a)) + (await served(b))).toBe(count)
  })
})

describe('boundkit llm --endpoints: a bad file', () => {
  const cases: [string, unknown, string][] = [
    ['not JSON', '{ endpoints: [', 'not JSON'],
    ['no endpoints', { endpoints: [] }, 'expected endpoints to be an array'],
    ['no baseUrl', { endpoints: [{ name: 'a' }] }, 'expected endpoints[0].baseUrl'],
    [
      'a key in the file',
      { endpoints: [{ name: 'a', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-in-the-file' }] },
      'endpoints[0].apiKey',
    ],
    [
      'an unknown field',
      { endpoints: [{ name: 'a', baseUrl: 'http://127.0.0.1:1/v1', rmp: 5 }] },
      'endpoints[0].rmp',
    ],
    [
      'a bad limit',
      { endpoints: [{ name: 'a', baseUrl: 'http://127.0.0.1:1/v1', rpm: 0 }] },
      'expected endpoints[0].rpm to be an integer',
    ],
    [
      'a name twice',
      {
        endpoints: [
          { name: 'a', baseUrl: 'http://127.0.0.1:1/v1' },
          { name: 'a', baseUrl: 'http://127.0.0.1:2/v1' },
        ],
      },
      'expected endpoints[1].name to be unique',
    ],
    [
      'an unset key variable',
      { endpoints: [{ name: 'a', baseUrl: 'http://127.0.0.1:1/v1', apiKeyEnv: 'BOUNDKIT_UNSET_KEY_VAR' }] },
      'endpoints[0].apiKeyEnv',
    ],
  ]
  it.each(cases)(
    '%s: ERR_ENDPOINTS_FILE naming the field, exit 2, nothing sent',
    async (name, content, text) => {
      const input = await requestFile(`bad-${name}.jsonl`, 2)
      const file = await endpointsFile(`bad-${name}.json`, content)
      const out = join(dir, `bad-${name}-out.jsonl`)
      const result = await boundkit('llm', input, '--out', out, '--endpoints', file)
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('ERR_ENDPOINTS_FILE')
      expect(result.stderr).toContain(text)
      expect(result.stderr).not.toContain('sk-in-the-file')
      expect(await lines(out)).toEqual([])
    },
  )

  it('refuses the flags each endpoint gives for itself', async () => {
    const input = await requestFile('flags.jsonl', 2)
    const file = await endpointsFile('flags.json', {
      endpoints: [{ name: 'a', baseUrl: 'http://127.0.0.1:1' }],
    })
    const result = await boundkit(
      'llm',
      input,
      '--out',
      join(dir, 'flags-out.jsonl'),
      '--endpoints',
      file,
      '--rpm',
      '5',
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--rpm does not go with --endpoints')
    const lane = await boundkit(
      ...['llm', input, '--out', join(dir, 'flags-out.jsonl'), '--endpoints', file, '--via', 'batch'],
    )
    expect(lane.code).toBe(2)
    expect(lane.stderr).toContain('--via does not go with --endpoints (a Batch API job goes to one API)')
  })

  it('refuses --deadline before anything is sent: exit 2, ERR_NOT_WITH_ENDPOINTS, no request reaches the server', async () => {
    const server = await startServer({ seed: 7, chatRpm: 600, chatTpm: Number.POSITIVE_INFINITY })
    onTestFinished(() => server.close())
    const input = await requestFile('deadline.jsonl', 4)
    const file = await endpointsFile('deadline.json', {
      endpoints: [{ name: 'a', baseUrl: `${server.url}/v1`, rpm: 600 }],
    })
    const out = join(dir, 'deadline-out.jsonl')
    // Alone (--deadline needs --rpm or --tpm, which --endpoints refuses), and with --tpm.
    for (const more of [[], ['--tpm', '1000']]) {
      const result = await boundkit(
        'llm',
        input,
        '--out',
        out,
        '--endpoints',
        file,
        '--deadline',
        '1h',
        ...more,
      )
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('does not go with --endpoints')
      expect(result.stderr).toContain('ERR_NOT_WITH_ENDPOINTS')
      if (more.length === 0) expect(result.stderr).toContain('--deadline does not go with --endpoints')
    }
    const chat = (await server.metrics.text())
      .split('\n')
      .filter((line) => line.startsWith('boundkit_chat_requests_total{'))
    expect(chat.reduce((n, line) => n + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)).toBe(0)
    expect(await lines(out)).toEqual([])
    expect(existsSync(`${out}.batch.json`)).toBe(false)
  })
})
