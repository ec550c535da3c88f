import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { View } from '../src/dashboard/index'
import { type RunningServer, startServer } from '../src/index'
import { postJson } from './http'
import { historyOf } from './sse'

/**
 * `GET /dashboard/`: the server's own live page. Its data is read here through `view.json` and
 * `events`; the page itself is driven in Chromium by the CLI's dashboard tests.
 */
let server: RunningServer

beforeAll(async () => {
  server = await startServer({
    threads: 2,
    judge: { latencyMs: 1, latencySpreadMs: 0, ratePerSecond: 5, burst: 5 },
  })
})
afterAll(async () => {
  await server?.close()
})

async function view(url = server.url): Promise<View> {
  const response = await fetch(`${url}/dashboard/view.json`)
  expect(response.status).toBe(200)
  return (await response.json()) as View
}

/** Reads the view until `ready` holds (the page samples once a second). */
async function viewWhen(ready: (v: View) => boolean, url = server.url): Promise<View> {
  for (;;) {
    const v = await view(url)
    if (ready(v)) return v
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

const judgeBody = (id: string) => ({ id, question: 'q?', contexts: ['c'], answer: 'a' })

describe('the server dashboard', () => {
  it('serves the page, its chart library and a redirect from /dashboard, and refuses writes', async () => {
    const redirect = await fetch(`${server.url}/dashboard`, { redirect: 'manual' })
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get('location')).toBe('/dashboard/')
    const page = await fetch(`${server.url}/dashboard/`)
    expect(page.headers.get('content-type')).toContain('text/html')
    const html = await page.text()
    expect(html).toContain('src="assets/uplot.js"')
    const script = await fetch(`${server.url}/dashboard/assets/uplot.js`)
    expect(script.status).toBe(200)
    expect((await script.text()).length).toBeGreaterThan(10_000)
    expect((await fetch(`${server.url}/dashboard/nothing`)).status).toBe(404)
    expect((await fetch(`${server.url}/dashboard/view.json`, { method: 'POST' })).status).toBe(404)
  })

  it('counts what the server answered (its 429s too), its pool and its pipeline; not its own page', async () => {
    const before = await view()
    expect(before).toMatchObject({ label: 'server', total: null, etaMs: null })
    // A burst of 5: twelve judge calls at once meet 429s.
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => postJson(`${server.url}/v1/judge`, judgeBody(`j${i}`))),
    )
    const limited = answers.filter((a) => a.status === 429).length
    expect(limited).toBeGreaterThan(0)
    const fib = await fetch(`${server.url}/cpu/fib/20?mode=pool`)
    expect(fib.status).toBe(200)
    const thumbs = await postJson(`${server.url}/thumbnails`, {
      urls: [
        `${server.url}/images/a.png?width=64&height=64`,
        `${server.url}/images/b.png?width=64&height=64`,
      ],
      width: 16,
    })
    expect(thumbs.status).toBe(200)
    const after = await viewWhen(
      (v) =>
        (v.pipeline?.done ?? 0) >= before.pipeline!.done + 2 && v.rateLimited >= before.rateLimited + limited,
    )
    expect(after.rateLimited - before.rateLimited).toBe(limited)
    expect(after.failed - before.failed).toBeGreaterThanOrEqual(limited)
    expect(after.errors.find((e) => e.code === 'HTTP 429')?.sample).toBe('POST /v1/judge')
    // 12 judge answers less the 429s, the fib, the thumbnails request and its two image fetches.
    expect(after.done - before.done).toBeGreaterThanOrEqual(12 - limited + 4)
    expect(after.pool).toMatchObject({ threads: 2 })
    expect(after.pool!.done).toBeGreaterThanOrEqual(3)
    expect(after.latency.p50).not.toBeNull()
    // The page's own reads (a dozen view.json above) are not counted as answers.
    const quiet = await view()
    const again = await viewWhen((v) => v.elapsedMs > quiet.elapsedMs)
    expect(again.done).toBe(quiet.done)
  })

  it('counts a request whose connection closed before its answer as failed, and no longer in flight', async () => {
    const own = await startServer({
      threads: 1,
      judge: { latencyMs: 1, latencySpreadMs: 0, faultRate: 1, faultKinds: ['reset'] },
    })
    try {
      await expect(postJson(`${own.url}/v1/judge`, judgeBody('r'))).rejects.toThrow()
      const v = await viewWhen((seen) => seen.failed === 1, own.url)
      expect(v).toMatchObject({ done: 0, inFlight: 0 })
      expect(v.errors).toEqual([
        { code: 'no answer', count: 1, retried: 0, sample: 'POST /v1/judge: the connection closed first' },
      ])
    } finally {
      await own.close()
    }
  })

  it('sends a page that saw more samples than this run has (left open on an earlier run) the whole history', async () => {
    const history = await historyOf(`${server.url}/dashboard/events`, '99999')
    expect(history.resumed).toBe(false)
    expect(history.samples[0]?.id).toBe(1)
  })

  it('streams its samples over SSE, and ends the stream when the server closes (no wait for its deadline)', async () => {
    const own = await startServer({ threads: 1, shutdownTimeoutMs: 60_000 })
    const events: string[] = []
    const ended = new Promise<void>((resolve, reject) => {
      const req = request(`${own.url}/dashboard/events`, (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream')
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          for (const line of chunk.split('\n'))
            if (line.startsWith('event:')) events.push(line.slice(6).trim())
        })
        res.on('end', resolve)
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })
    while (!events.includes('sample')) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(events[0]).toBe('history')
    const closing = own.close()
    await ended
    await closing
  })
})
