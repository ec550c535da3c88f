import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AttemptContext, type Clock, createLimiter, systemClock } from '../src/index'
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
  log.ids.length = 0
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

/** A server arrival (`performance.now()`) on the limiter's clock (`performance.timeOrigin + performance.now()`). */
const onClock = (arrival: number) => performance.timeOrigin + arrival

/**
 * A clock on `performance.now()` (the server stamps arrivals with it too), keeping its last
 * reading. A task reads `last` when it starts: the limiter reads the clock to admit a start and
 * calls the task at once, so that is the exact time it was admitted at. A stamp the task took
 * itself could come later on a loaded machine (the thread can be paused between the two).
 */
function recordingClock(): Clock & { last: number } {
  const clock = {
    ...systemClock,
    last: 0,
    now: () => {
      clock.last = performance.now()
      return clock.last
    },
  }
  return clock
}

/** Holds the thread for `ms`, as a loaded machine does when it pauses the process. */
function stall(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // busy: nothing else runs, the sockets included
  }
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
    // The cooldown begins at the limiter's reading of the clock (`until - delay`), not when this
    // listener runs: a loaded machine can pause the thread between the two.
    const cooldowns: { at: number; until: number; delay: number }[] = []
    limiter.on('cooldown', (e) => cooldowns.push({ at: e.until - e.delay, until: e.until, delay: e.delay }))
    // Starts are stamped on the limiter's clock, in the task: the limiter calls it as it admits it,
    // so a start admitted before the cooldown began is stamped before it too.
    const now = () => systemClock.now()
    const starts: number[] = []
    /** Each item's first start. */
    const firstStart = new Map<string, number>()
    const outcomes = await limiter.map(
      Array.from({ length: 16 }, (_, i) => i),
      (i, { signal }) => {
        const start = now()
        starts.push(start)
        if (!firstStart.has(String(i))) firstStart.set(String(i), start)
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
    // Server side: what arrived while the cooldown held had started before it (in flight when the
    // 429 came back, however long its way to the server took on a loaded machine).
    const during = log.ids.filter((_, k) => {
      const arrival = onClock(log.arrivals[k]!)
      return arrival >= at && arrival < until
    })
    expect(during.filter((id) => firstStart.get(id)! > at)).toEqual([])
    expect(log.requests).toBe(17)
  })

  it('rate windows hold on the server side too', async () => {
    reset()
    const clock = recordingClock()
    const limiter = createLimiter({
      clock,
      concurrency: 10,
      rate: [
        { limit: 3, interval: 600 },
        { limit: 6, interval: 1500 },
      ],
    })
    const starts = new Map<string, number>()
    const outcomes = await limiter.map(
      Array.from({ length: 12 }, (_, i) => i),
      (i, { signal }) => {
        starts.set(String(i), clock.last)
        const answer = getText(`${server.url}/ok?id=${i}`, signal)
        // The first three requests are on their way when the thread stalls: they reach the server
        // 400 ms late, beside the next three that start on time.
        if (i === 2) stall(400)
        return answer
      },
      { settle: true },
    )
    expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true)
    // Client side, exact: the times the limiter admitted the starts at.
    const admitted = [...starts.values()]
    expect(busiest(admitted, 600)).toBeLessThanOrEqual(3)
    expect(busiest(admitted, 1500)).toBeLessThanOrEqual(6)
    // Server side: each request arrives once, after its start. Its way there (fetch, the socket,
    // both event loops) takes from under a millisecond to hundreds on a loaded machine (a fixed
    // 300 ms allowance once saw 7 arrivals in 1,200 ms; the stall above makes 400): the windows are
    // narrowed by the spread of those times measured in this run, not by a guess.
    expect([...log.ids].sort()).toEqual([...starts.keys()].sort())
    const transit = log.ids.map((id, k) => log.arrivals[k]! - starts.get(id)!)
    expect(Math.min(...transit)).toBeGreaterThanOrEqual(0)
    const spread = Math.max(...transit) - Math.min(...transit)
    expect(busiest(log.arrivals, 600 - spread)).toBeLessThanOrEqual(3)
    expect(busiest(log.arrivals, 1500 - spread)).toBeLessThanOrEqual(6)
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
