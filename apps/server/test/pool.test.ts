import { afterEach, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../src/index'
import { getJson } from './http'

/** The value of one sample of the Prometheus text, e.g. `boundkit_pool_running`. */
async function metric(server: RunningServer, sample: string): Promise<number> {
  const text = await server.metrics.text()
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  if (line === undefined) throw new Error(`no sample ${sample} in:\n${text}`)
  return Number(line.slice(sample.length + 1))
}

/** Polls until `check` holds; there is no time threshold, only the test timeout. */
async function until(check: () => Promise<boolean>) {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe('the worker pool', () => {
  let server: RunningServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('keeps /healthz answered while pool-mode fib requests run', async () => {
    server = await startServer({ threads: 2 })
    const url = server.url
    let fibDone = false
    const batch = Promise.all(Array.from({ length: 4 }, () => getJson(`${url}/cpu/fib/34?mode=pool`))).then(
      (responses) => {
        fibDone = true
        return responses
      },
    )
    // /metrics is itself answered while the workers compute.
    await until(async () => (await metric(server!, 'boundkit_pool_running')) > 0)
    const health = await getJson(`${url}/healthz`)
    const answeredDuringBatch = !fibDone
    expect(health.status).toBe(200)
    expect(health.body).toEqual({ status: 'ok' })
    expect(answeredDuringBatch).toBe(true)
    const responses = await batch
    for (const response of responses) expect(response.body).toMatchObject({ value: 5_702_887, mode: 'pool' })
  })

  it('reports its threads, utilization, queue and task counts in /metrics', async () => {
    server = await startServer({ threads: 2 })
    await getJson(`${server.url}/cpu/fib/20?mode=pool`)
    expect(await metric(server, 'boundkit_pool_threads')).toBe(2)
    expect(await metric(server, 'boundkit_pool_completed')).toBe(1)
    expect(await metric(server, 'boundkit_pool_failed')).toBe(0)
    expect(await metric(server, 'boundkit_pool_queued')).toBe(0)
    expect(await metric(server, 'boundkit_pool_running')).toBe(0)
    const utilization = await metric(server, 'boundkit_pool_utilization')
    expect(utilization).toBeGreaterThanOrEqual(0)
    expect(utilization).toBeLessThanOrEqual(1)
  })

  it('is closed with the server: its threads stop', async () => {
    const running = await startServer({ threads: 2 })
    await getJson(`${running.url}/cpu/fib/10?mode=pool`)
    expect(await metric(running, 'boundkit_pool_threads')).toBe(2)
    await running.close()
    expect(await metric(running, 'boundkit_pool_threads')).toBe(0)
  })

  it('finishes a pool request in flight before close() resolves', async () => {
    const running = await startServer({ threads: 1, shutdownTimeoutMs: 600_000 })
    const inFlight = getJson(`${running.url}/cpu/fib/32?mode=pool`)
    await until(async () => (await metric(running, 'boundkit_pool_running')) > 0)
    await running.close()
    const response = await inFlight
    expect(response.status).toBe(200)
    expect(response.body.value).toBe(2_178_309)
  })

  it('stops a pool task still running at the shutdown deadline and answers 503 (close() does not hang)', async () => {
    // fib(45) runs for many seconds; the deadline stops the worker and the request is answered.
    const running = await startServer({ threads: 1, maxFibN: 45, shutdownTimeoutMs: 50 })
    const inFlight = getJson(`${running.url}/cpu/fib/45?mode=pool`)
    await until(async () => (await metric(running, 'boundkit_pool_running')) > 0)
    await running.close()
    const response = await inFlight
    expect(response.status).toBe(503)
    expect(response.body.error.code).toBe('ERR_UNAVAILABLE')
    expect(await metric(running, 'boundkit_pool_threads')).toBe(0)
  })

  it('stops the pool task when the client goes away', async () => {
    server = await startServer({ threads: 1, maxFibN: 45 })
    const controller = new AbortController()
    const request = fetch(`${server.url}/cpu/fib/45?mode=pool`, { signal: controller.signal }).catch(
      () => 'aborted',
    )
    await until(async () => (await metric(server!, 'boundkit_pool_running')) > 0)
    controller.abort()
    expect(await request).toBe('aborted')
    await until(async () => (await metric(server!, 'boundkit_pool_failed')) === 1)
    expect(await metric(server, 'boundkit_pool_running')).toBe(0)
  })
})
