import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AttemptContext, createLimiter } from '../src/index'
import { getText, type ServerLog, startServer } from './http-server'

type ReportFn = AttemptContext['report']

let server: Awaited<ReturnType<typeof startServer>>
let log: ServerLog

beforeAll(async () => {
  server = await startServer()
  log = server.log
})

afterAll(async () => {
  await server.close()
})

function reset() {
  log.arrivals.length = 0
  log.throttled.length = 0
  log.peak = 0
  log.requests = 0
}

/** The largest number of `times` inside any window of `width` ms. */
function busiest(times: number[], width: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= width) lo++
    best = Math.max(best, hi - lo + 1)
  }
  return best
}

describe('against a real HTTP server', () => {
  it('500s, connection resets, slow responses and 404s: every item ends with a value or a recorded error, concurrency never exceeded', async () => {
    reset()
    const limiter = createLimiter({ concurrency: 5, retry: { retries: 3, minDelay: 5, maxDelay: 20 } })
    const route = (i: number) => {
      switch (i % 5) {
        case 0:
          return `/fail-once?id=${i}&status=${[500, 502, 503, 504][i % 4]}`
        case 1:
          return `/reset-once?id=${i}`
        case 2:
          return `/ok?delay=100&id=${i}`
        case 3:
          return `/status?code=${[404, 400, 401, 403][i % 4]}&id=${i}`
        default:
          return `/ok?id=${i}`
      }
    }
    const items = Array.from({ length: 40 }, (_, i) => i)
    const outcomes = await limiter.map(items, (i, { signal }) => getText(server.url + route(i), signal), {
      settle: true,
    })
    expect(outcomes.map((o) => o.index)).toEqual(items)
    for (const o of outcomes) {
      if (o.index % 5 === 3) {
        expect(o).toMatchObject({ status: 'rejected', attempts: 1 })
        expect([400, 401, 403, 404]).toContain((o as { error: { status: number } }).error.status)
      } else {
        expect(o).toMatchObject({ status: 'fulfilled', value: '200' })
        expect(o.attempts).toBe(o.index % 5 === 0 || o.index % 5 === 1 ? 2 : 1)
      }
    }
    expect(log.peak).toBeLessThanOrEqual(5)
    expect(log.peak).toBeGreaterThan(1)
    expect(log.requests).toBe(40 + 16)
    expect(limiter.stats()).toMatchObject({
      done: 32,
      failed: 8,
      retried: 16,
      running: 0,
      queued: 0,
      waiting: 0,
    })
  })

  it('a 429 with Retry-After pauses every new start on the limiter for that long', async () => {
    reset()
    const limiter = createLimiter({ concurrency: 4, retry: { minDelay: 1 }, cooldown: { jitter: 0.1 } })
    // `until` is on the limiter's clock (monotonic, epoch-based); Date.now() floors to whole ms and
    // drifts from it, so the starts are stamped with the same clock.
    const now = () => performance.timeOrigin + performance.now()
    // The cooldown begins at the limiter's reading of the clock (`until - delay`), not when this
    // listener runs: a loaded machine can pause the thread between the two.
    const cooldowns: { at: number; until: number; delay: number }[] = []
    limiter.on('cooldown', (e) => cooldowns.push({ at: e.until - e.delay, until: e.until, delay: e.delay }))
    const starts: number[] = []
    const outcomes = await limiter.map(
      Array.from({ length: 16 }, (_, i) => i),
      (i, { signal }) => {
        starts.push(now())
        return getText(`${server.url}${i === 2 ? '/throttle-once?after=1' : '/ok?delay=20'}&id=${i}`, signal)
      },
      { settle: true },
    )
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true)
    expect(cooldowns).toHaveLength(1)
    const { at, until, delay } = cooldowns[0]!
    expect(delay).toBeGreaterThanOrEqual(1000)
    // Client side, exact: no attempt started while the cooldown held.
    expect(starts.filter((t) => t > at && t < until)).toEqual([])
    // Server side: nothing arrived in the cooldown (300 ms of slack for requests already in flight on
    // a loaded machine, where client and server share one event loop).
    const sent = log.throttled[0]!
    expect(log.arrivals.filter((t) => t > sent + 300 && t < sent + 1000)).toEqual([])
    expect(log.requests).toBe(17)
  })

  it('rate windows hold on the server side too', async () => {
    reset()
    const limiter = createLimiter({
      concurrency: 10,
      rate: [
        { limit: 3, interval: 600 },
        { limit: 6, interval: 1500 },
      ],
    })
    const starts: number[] = []
    const outcomes = await limiter.map(
      Array.from({ length: 12 }, (_, i) => i),
      (i, { signal }) => {
        starts.push(performance.now())
        return getText(`${server.url}/ok?id=${i}`, signal)
      },
      { settle: true },
    )
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true)
    // Client side: windows narrowed by 50 ms. Each start is stamped in the task, after the limiter's
    // decision, and a loaded machine can pause the thread between the two (1.6 ms seen beside three
    // busy loops; a preemption can last a whole time slice). The exact edges are tested on a fake clock.
    expect(busiest(starts, 550)).toBeLessThanOrEqual(3)
    expect(busiest(starts, 1450)).toBeLessThanOrEqual(6)
    // Server side: windows narrowed by 300 ms to allow for transit on a loaded machine.
    expect(busiest(log.arrivals, 300)).toBeLessThanOrEqual(3)
    expect(busiest(log.arrivals, 1200)).toBeLessThanOrEqual(6)
  })

  it('answers saying no request remains for 99999h do not stall the run (a reset past retry.maxRetryAfter)', async () => {
    reset()
    const limiter = createLimiter({ concurrency: 2, rate: { limit: 600, interval: 60_000 } })
    const spent = async (id: number, { signal, report }: { signal: AbortSignal; report: ReportFn }) => {
      const response = await fetch(`${server.url}/spent?reset=99999h&id=${id}`, { signal })
      report({ headers: response.headers })
      return response.text()
    }
    await limiter.run((context) => spent(-1, context))
    expect(limiter.stats().windows[0]?.serverRemaining).toBeUndefined()
    const outcomes = await limiter.map(
      Array.from({ length: 10 }, (_, i) => i),
      spent,
      { settle: true },
    )
    expect(outcomes.every((o) => o.status === 'fulfilled' && o.value === '200')).toBe(true)
    expect(log.requests).toBe(11)
  })

  it('timeouts abort slow requests and retry them; aborting the batch ends every item', async () => {
    reset()
    const limiter = createLimiter({ concurrency: 3, timeout: 1000, retry: { retries: 1, minDelay: 1 } })
    const outcomes = await limiter.map(
      [0, 1, 2, 3],
      (i, { signal }) => getText(`${server.url}/ok?delay=${i === 0 ? 20_000 : 10}&id=${i}`, signal),
      { settle: true },
    )
    expect(outcomes[0]).toMatchObject({
      status: 'rejected',
      attempts: 2,
      error: { code: 'ERR_RETRIES_EXHAUSTED' },
    })
    expect((outcomes[0] as { error: { cause: { code: string } } }).error.cause.code).toBe('ERR_TIMEOUT')
    expect(outcomes.slice(1).every((o) => o.status === 'fulfilled')).toBe(true)

    const controller = new AbortController()
    const slow = limiter.map(
      [0, 1, 2, 3, 4, 5],
      (i, { signal }) => getText(`${server.url}/ok?delay=20000&id=a${i}`, signal),
      {
        signal: controller.signal,
        settle: true,
        timeout: 60_000,
      },
    )
    setTimeout(() => controller.abort(), 100)
    const aborted = await slow
    expect(aborted).toHaveLength(6)
    expect(
      aborted.every((o) => o.status === 'rejected' && (o.error as { code: string }).code === 'ERR_ABORTED'),
    ).toBe(true)
    await limiter.onIdle()
    expect(limiter.stats().running).toBe(0)
  })
})
