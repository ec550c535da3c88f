import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../src/index'
import { judgeBody, postJson, rawRequest } from './http'

describe('demo server', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ judge: { latencyDistribution: 'fixed', latencyMs: 0, faultRate: 0 } })
  })
  afterAll(() => server.close())

  it('answers /healthz', async () => {
    const response = await fetch(`${server.url}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('reports its URL and port', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    expect(server.port).toBeGreaterThan(0)
  })

  it('serves Prometheus metrics: request counts, event-loop lag, judge counters', async () => {
    await fetch(`${server.url}/healthz`)
    await fetch(`${server.url}/nowhere`)
    await postJson(`${server.url}/v1/judge`, judgeBody())
    const response = await fetch(`${server.url}/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/plain')
    const text = await response.text()
    expect(text).toMatch(/boundkit_http_requests_total\{method="GET",route="\/healthz",status="200"\} [1-9]/)
    expect(text).toContain('boundkit_http_requests_total{method="GET",route="unmatched",status="404"} 1')
    expect(text).toContain('boundkit_http_requests_total{method="POST",route="/v1/judge",status="200"} 1')
    expect(text).toMatch(/boundkit_event_loop_lag_seconds\{stat="p99"\} [0-9.e-]+/)
    expect(text).toContain('boundkit_judge_rate_limited_total 0')
    expect(text).toContain('# TYPE boundkit_judge_faults_total counter')
  })

  it('lets later sources add gauges read at scrape time', async () => {
    let queued = 3
    server.metrics.addGauge({ name: 'test_queue_size', help: 'Queued tasks.', collect: () => queued })
    server.metrics.addGauge({
      name: 'test_threads',
      help: 'Threads by state.',
      labelNames: ['state'],
      collect: () => [
        { labels: { state: 'busy' }, value: 2 },
        { labels: { state: 'idle' }, value: 0 },
      ],
    })
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('test_queue_size 3')
    queued = 5
    const text = await (await fetch(`${server.url}/metrics`)).text()
    expect(text).toContain('test_queue_size 5')
    expect(text).toContain('test_threads{state="busy"} 2')
  })

  it('answers a malformed HTTP request in the error shape and keeps running', async () => {
    const response = await rawRequest(server.url, '/healthz', { headers: { 'x-big': 'a'.repeat(20_000) } })
    expect(response.status).toBe(431)
    expect(JSON.parse(response.body.toString()).error.code).toBe('ERR_BAD_REQUEST')
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it('refuses bad options at start', async () => {
    await expect(startServer({ port: 70_000 })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: 'Expected `port` to be an integer >= 0 and <= 65535, got `70000` (number)',
    })
  })

  it('rejects when the port is taken', async () => {
    await expect(startServer({ port: server.port })).rejects.toMatchObject({ code: 'EADDRINUSE' })
  })
})
