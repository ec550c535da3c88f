import { afterEach, describe, expect, it } from 'vitest'
import { type RunningServer, type ServerOptions, startServer } from '../src/index'
import { judgeBody, postJson, rawRequest } from './http'

const instant = { latencyDistribution: 'fixed', latencyMs: 0 } as const
let server: RunningServer | undefined

async function start(options: ServerOptions) {
  server = await startServer(options)
  return server
}

afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('POST /v1/judge', () => {
  it('answers deterministic scores and a verdict', async () => {
    const { url } = await start({ judge: instant })
    const first = await postJson(`${url}/v1/judge`, judgeBody('abc'))
    expect(first.status).toBe(200)
    expect(first.body).toEqual({
      id: 'abc',
      scores: { relevance: 1, faithfulness: 1, completeness: 1 },
      verdict: 'pass',
    })
    const bad = await postJson(`${url}/v1/judge`, { ...judgeBody('x'), answer: 'No idea at all.' })
    expect(bad.body.verdict).toBe('fail')
    expect((await postJson(`${url}/v1/judge`, judgeBody('abc'))).body).toEqual(first.body)
  })

  it('waits the latency drawn from the injected random source', async () => {
    const waits: number[] = []
    const { url } = await start({
      judge: { latencyDistribution: 'uniform', latencyMs: 100, latencySpreadMs: 50 },
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms)
      },
    })
    const response = await postJson(`${url}/v1/judge`, judgeBody())
    expect(response.status).toBe(200)
    expect(waits).toEqual([100])
    expect(response.headers.get('x-judge-latency-ms')).toBe('100.0')
  })

  it('answers 429 with Retry-After once the bucket is empty, and recovers as it refills', async () => {
    let now = 0
    const { url } = await start({ judge: { ...instant, ratePerSecond: 0.5, burst: 2 }, now: () => now })
    expect((await postJson(`${url}/v1/judge`, judgeBody())).status).toBe(200)
    expect((await postJson(`${url}/v1/judge`, judgeBody())).status).toBe(200)
    const limited = await postJson(`${url}/v1/judge`, judgeBody())
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('2')
    expect(limited.body.error.code).toBe('ERR_RATE_LIMITED')
    now = 1000
    expect((await postJson(`${url}/v1/judge`, judgeBody())).headers.get('retry-after')).toBe('1')
    now = 2000
    expect((await postJson(`${url}/v1/judge`, judgeBody())).status).toBe(200)
  })

  it.each([
    ['500', 500, 'ERR_FAULT_INJECTED'],
    ['503', 503, 'ERR_UNAVAILABLE'],
  ] as const)('injects %s faults', async (kind, status, code) => {
    const { url } = await start({ judge: { ...instant, faultRate: 1, faultKinds: [kind] } })
    const response = await postJson(`${url}/v1/judge`, judgeBody())
    expect(response.status).toBe(status)
    expect(response.body.error.code).toBe(code)
    if (status === 503) expect(response.headers.get('retry-after')).toBe('1')
  })

  it('injects connection resets, and keeps serving after them', async () => {
    const { url } = await start({ judge: { ...instant, faultRate: 1, faultKinds: ['reset'] } })
    const body = JSON.stringify(judgeBody())
    const attempt = rawRequest(url, '/v1/judge', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    await expect(attempt).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|socket hang up/) })
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toContain('boundkit_judge_faults_total{kind="reset"} 1')
  })

  it('fails about the configured share of requests, replayably with a seed', async () => {
    const outcomes = async () => {
      const { url } = await start({ judge: { ...instant, faultRate: 0.5, faultKinds: ['500'] }, seed: 1234 })
      const statuses: number[] = []
      for (let i = 0; i < 40; i++) statuses.push((await postJson(`${url}/v1/judge`, judgeBody())).status)
      await server?.close()
      return statuses
    }
    const first = await outcomes()
    expect(new Set(first)).toEqual(new Set([200, 500]))
    expect(await outcomes()).toEqual(first)
  })

  describe('bad input', () => {
    const headers = { 'content-type': 'application/json' }
    it.each<[string, string | object, number, string]>([
      ['malformed JSON', '{"id": "a",', 400, 'ERR_MALFORMED_JSON'],
      ['an empty body', '', 400, 'ERR_MALFORMED_JSON'],
      ['a JSON array', '[1, 2]', 400, 'ERR_VALIDATION'],
      ['a missing field', { id: 'a', question: 'q', contexts: [] }, 400, 'ERR_VALIDATION'],
      ['a number id', { ...judgeBody(), id: 123 }, 400, 'ERR_VALIDATION'],
      ['a string for contexts', { ...judgeBody(), contexts: 'Paris' }, 400, 'ERR_VALIDATION'],
      ['a number in contexts', { ...judgeBody(), contexts: ['a', 2] }, 400, 'ERR_VALIDATION'],
      ['an unknown field', { ...judgeBody(), extra: true }, 400, 'ERR_VALIDATION'],
      ['an empty id', { ...judgeBody(), id: '' }, 400, 'ERR_VALIDATION'],
      ['too many contexts', { ...judgeBody(), contexts: Array(6).fill('c') }, 400, 'ERR_VALIDATION'],
      ['a too long answer', { ...judgeBody(), answer: 'a'.repeat(501) }, 400, 'ERR_VALIDATION'],
    ])('refuses %s', async (_name, body, status, code) => {
      const { url } = await start({ judge: instant, maxBatchSize: 5, maxTextLength: 500 })
      const response = await postJson(`${url}/v1/judge`, body, headers)
      expect(response.status).toBe(status)
      expect(response.body.error.code).toBe(code)
      expect(typeof response.body.error.message).toBe('string')
    })

    it.each([
      [
        'a __proto__',
        '{"id":"a","question":"q","contexts":[],"answer":"a","__proto__":{"x":1}}',
        '__proto__',
      ],
      ['an escaped __proto__', '{"id":"a","contexts":[{"\\u005f_proto__":{}}]}', 'contexts[0].__proto__'],
      [
        'a constructor with a prototype',
        '{"id":"a","x":[{"constructor":{"prototype":{}}}]}',
        'x[0].constructor',
      ],
    ])('names the refused key (%s) and where it is', async (_name, body, path) => {
      const { url } = await start({ judge: instant })
      const response = await postJson(`${url}/v1/judge`, body)
      expect(response.status).toBe(400)
      expect(response.body.error.code).toBe('ERR_FORBIDDEN_KEY')
      expect(response.body.error.message).toContain(`'${path}'`)
    })

    it('refuses an oversized body with 413', async () => {
      const { url } = await start({ judge: instant, bodyLimitBytes: 1024 })
      const response = await postJson(`${url}/v1/judge`, { ...judgeBody(), answer: 'x'.repeat(2000) })
      expect(response.status).toBe(413)
      expect(response.body.error.code).toBe('ERR_BODY_TOO_LARGE')
    })

    it('refuses other content types with 415', async () => {
      const { url } = await start({ judge: instant })
      const response = await postJson(`${url}/v1/judge`, 'id=a', { 'content-type': 'text/plain' })
      expect(response.status).toBe(415)
      expect(response.body.error.code).toBe('ERR_UNSUPPORTED_MEDIA_TYPE')
    })

    it('answers 404 in the same shape for GET and unknown routes', async () => {
      const { url } = await start({ judge: instant })
      for (const path of ['/v1/judge', '/nope']) {
        const response = await fetch(`${url}${path}`)
        expect(response.status).toBe(404)
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('ERR_NOT_FOUND')
      }
    })
  })
})
