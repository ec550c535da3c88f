import { describe, expect, it } from 'vitest'
import { FakeClock } from '../test/fake-clock'
import { http } from '../test/http-error'
import { createLimiter } from './index'
import { ServerBudget } from './server-budget'

/** A fetch-like Response with the given status and headers. */
const response = (status: number, headers: Record<string, string>) => ({
  status,
  ok: status < 400,
  headers: new Headers(headers),
})

const openai = (remaining: number, reset: string, kind = 'requests') => ({
  [`x-ratelimit-remaining-${kind}`]: String(remaining),
  [`x-ratelimit-reset-${kind}`]: reset,
})

/** A limiter with a 100/min request window on a fake clock, and a sleep on that clock. */
function requestWindow() {
  const clock = new FakeClock(0)
  const limiter = createLimiter({ clock, rate: { limit: 100, interval: 60_000 } })
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
  /** A run that answers after `ms`, its headers saying `remaining` are left for 30 s. */
  const answering = (ms: number, remaining: number) =>
    limiter.run(async ({ report }) => {
      await sleep(ms)
      report({ headers: openai(remaining, '30s') })
    })
  return { clock, limiter, sleep, answering }
}

describe('ServerBudget', () => {
  it('holds until its reset; a stale answer (older attempt) does not undo a newer one', () => {
    const budget = new ServerBudget()
    expect(budget.update(5, 1000, 100, 200)).toBe(true)
    expect(budget.freeAt(1, 300)).toBe(Number.NEGATIVE_INFINITY)
    expect(budget.freeAt(6, 300)).toBe(1200)
    expect(budget.update(50, 1000, 99, 300)).toBe(false) // attempt started before the one that set it
    expect(budget.remaining).toBe(5)
    expect(budget.update(0, 1000, 100, 300)).toBe(true) // same start: applied
    expect(budget.freeAt(1, 300)).toBe(1300)
    expect(budget.freeAt(0, 300)).toBe(Number.NEGATIVE_INFINITY)
    expect(budget.freeAt(1, 1300)).toBe(Number.NEGATIVE_INFINITY) // reset: the window's own limit again
    expect(budget.update(7, 1000, 0, 1300)).toBe(true) // after the reset, any answer is news
  })

  it('counts starts after it was set; refunds only of those starts', () => {
    const budget = new ServerBudget()
    budget.update(10, 1000, 0, 100)
    budget.adjust(4, 150, 150)
    expect(budget.remaining).toBe(6)
    budget.adjust(-2, 150, 160) // a start it counted: refunded
    expect(budget.remaining).toBe(8)
    budget.adjust(-2, 50, 170) // a start before it: the server refunds that one itself
    expect(budget.remaining).toBe(8)
    budget.adjust(3, 50, 170) // a charge always counts
    expect(budget.remaining).toBe(5)
  })
})

describe('the limiter follows the server (fake clock)', () => {
  it('when the server says fewer remain than the window thinks, the window follows it until the reset', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({ clock, concurrency: 1, rate: { limit: 100, interval: 60_000 } })
    const starts: number[] = []
    // Another client used the key: the server has 3 left in its window, which ends in 10 s.
    const task = () => {
      starts.push(clock.now())
      return response(200, openai(Math.max(0, 3 - starts.length), '10s'))
    }
    await limiter.run(task)
    expect(limiter.stats().windows[0]).toEqual({
      limit: 100,
      interval: 60_000,
      cost: undefined,
      used: 1,
      serverRemaining: 2,
      resetsInMs: 10_000,
      // Its reset says the server enforces 100/min over 10 s windows: 16 a window.
      serverWindow: { interval: 10_000, limit: 16, sliding: false, refunds: false, scale: 1 },
    })
    const rest = Array.from({ length: 3 }, () => limiter.run(task))
    await clock.advance(0)
    // Two more go; the third waits for the server's reset, though the window (100/min) has room.
    expect(starts).toEqual([0, 0, 0])
    await clock.advance(9_999)
    expect(starts).toHaveLength(3)
    await clock.advance(1)
    expect(starts).toEqual([0, 0, 0, 10_000])
    await Promise.all(rest)
  })

  it('attempts started after the answered one and still running are counted against what the server says (in transit)', async () => {
    const { clock, limiter, sleep, answering } = requestWindow()
    const answered = answering(50, 10)
    await clock.advance(10)
    const inTransit = [1, 2, 3].map(() => limiter.run(() => sleep(100)))
    await clock.advance(40)
    await answered
    // The server answered 10 before it saw the three started after: 7 are left for new starts.
    expect(limiter.stats().windows[0]?.serverRemaining).toBe(7)
    await clock.advance(100)
    await Promise.all(inTransit)
    // Ended attempts are no longer in transit: the next answer's view is taken as it is.
    await limiter.run(({ report }) => report({ headers: openai(6, '30s') }))
    expect(limiter.stats().windows[0]?.serverRemaining).toBe(6)
  })

  it('never less conservative than its own limit: a server saying more remain changes nothing', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({ clock, rate: { limit: 2, interval: 1000 } })
    const starts: number[] = []
    const task = () => {
      starts.push(clock.now())
      return response(200, openai(1000, '1s'))
    }
    const all = [limiter.run(task), limiter.run(task), limiter.run(task)]
    await clock.advance(0)
    expect(starts).toEqual([0, 0])
    await clock.advance(1000)
    await Promise.all(all)
    expect(starts).toEqual([0, 0, 1000])
  })

  it('reads a thrown error with headers (openai APIError), and `response.headers`; the tokens budget goes to the cost window', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({
      clock,
      retry: false,
      rate: [
        { limit: 100, interval: 60_000 },
        { limit: 10_000, interval: 60_000, cost: 'tokens' },
      ],
    })
    const apiError = Object.assign(new Error('400'), {
      status: 400,
      headers: new Headers({ ...openai(7, '5s'), ...openai(900, '5s', 'tokens') }),
    })
    await expect(limiter.run(() => Promise.reject(apiError), { cost: { tokens: 10 } })).rejects.toBe(apiError)
    expect(limiter.stats().windows.map((w) => w.serverRemaining)).toEqual([7, 900])
    const axiosLike = Object.assign(new Error('409'), {
      response: { status: 409, headers: openai(3, '5s') },
    })
    await expect(limiter.run(() => Promise.reject(axiosLike), { cost: { tokens: 10 } })).rejects.toBe(
      axiosLike,
    )
    expect(limiter.stats().windows.map((w) => w.serverRemaining)).toEqual([3, 890])
  })

  it('report({ headers }) is read; a stale answer does not undo a newer one', async () => {
    const { clock, limiter, answering } = requestWindow()
    // The slow attempt starts first and answers last, with an older view (50 left).
    const slow = answering(300, 50)
    await clock.advance(10)
    const fast = answering(10, 4)
    await clock.advance(300)
    await Promise.all([slow, fast])
    expect(limiter.stats().windows[0]?.serverRemaining).toBe(4)
  })

  it('ignores garbage, negative and past values, and a reset past retry.maxRetryAfter; follows one up to it', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({
      clock,
      rate: { limit: 100, interval: 1000 },
      retry: { maxRetryAfter: 20_000 },
    })
    for (const headers of [
      openai(-1, '5s'),
      openai(5, '-5s'),
      openai(5, 'tomorrow'),
      { 'x-ratelimit-remaining-requests': 'NaN' },
    ]) {
      await limiter.run(({ report }) => report({ headers }))
    }
    expect(limiter.stats().windows[0]?.serverRemaining).toBeUndefined()
    await limiter.run(() => response(200, openai(0, '1000000000000s')))
    await limiter.run(() => response(200, openai(0, '20.001s')))
    expect(limiter.stats().windows[0]?.serverRemaining).toBeUndefined()
    await limiter.run(() => response(200, openai(0, '20s')))
    expect(limiter.stats().windows[0]).toMatchObject({ serverRemaining: 0, resetsInMs: 20_000 })
    const next = limiter.run(() => clock.now())
    await clock.advance(20_000)
    expect(await next).toBe(20_000)
  })

  it('answers saying 0 remain until a reset past retry.maxRetryAfter (99999h, or a date years away) do not hold the run', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({ clock, concurrency: 1, rate: { limit: 600, interval: 60_000 } })
    const years = new Date(clock.now() + 99_999 * 3_600_000).toISOString()
    const spent = [
      openai(0, '99999h'),
      { 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': years },
    ]
    const starts: number[] = []
    const run = limiter.map([0, 1, 2, 3, 4, 5], (i, { report }) => {
      starts.push(clock.now())
      report({ headers: spent[i % 2]! })
    })
    await clock.advance(0)
    expect(starts).toEqual([0, 0, 0, 0, 0, 0])
    await run
    expect(limiter.stats().windows[0]?.serverRemaining).toBeUndefined()
  })

  it("headers: false reads nothing; 'anthropic' reads only anthropic-ratelimit-*", async () => {
    const clock = new FakeClock(0)
    const off = createLimiter({ clock, headers: false, rate: { limit: 100, interval: 1000 } })
    await off.run(() => response(200, openai(1, '5s')))
    expect(off.stats().windows[0]?.serverRemaining).toBeUndefined()
    const anthropic = createLimiter({ clock, headers: 'anthropic', rate: { limit: 100, interval: 1000 } })
    await anthropic.run(() => response(200, openai(1, '5s')))
    expect(anthropic.stats().windows[0]?.serverRemaining).toBeUndefined()
    const reset = new Date(clock.now() + 5000).toISOString()
    await anthropic.run(() =>
      response(200, {
        'anthropic-ratelimit-requests-remaining': '3',
        'anthropic-ratelimit-requests-reset': reset,
      }),
    )
    expect(anthropic.stats().windows[0]).toMatchObject({ serverRemaining: 3, resetsInMs: 5000 })
    expect(() => createLimiter({ headers: 'azure' as 'auto' })).toThrow(/headers/)
  })

  it('Anthropic input/output tokens go to the tokens window unless windows of their own exist', async () => {
    const clock = new FakeClock(0)
    const reset = new Date(clock.now() + 5000).toISOString()
    const headers = {
      'anthropic-ratelimit-tokens-remaining': '5000',
      'anthropic-ratelimit-tokens-reset': reset,
      'anthropic-ratelimit-output-tokens-remaining': '800',
      'anthropic-ratelimit-output-tokens-reset': reset,
    }
    const one = createLimiter({ clock, rate: { limit: 10_000, interval: 60_000, cost: 'tokens' } })
    await one.run(({ report }) => report({ headers }), { cost: { tokens: 1 } })
    expect(one.stats().windows[0]?.serverRemaining).toBe(800)
    const split = createLimiter({
      clock,
      rate: [
        { limit: 10_000, interval: 60_000, cost: 'tokens' },
        { limit: 2_000, interval: 60_000, cost: 'output-tokens' },
      ],
    })
    await split.run(({ report }) => report({ headers }), { cost: { tokens: 1, 'output-tokens': 1 } })
    expect(split.stats().windows.map((w) => w.serverRemaining)).toEqual([5000, 800])
  })

  it('a 429 with remaining 0 and no Retry-After pauses everyone until the reset (the cooldown), capped', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({
      clock,
      concurrency: 2,
      retry: { retries: 1, minDelay: 1, jitter: 'none' },
      cooldown: { jitter: 0 },
    })
    const starts: number[] = []
    let first = true
    const task = () => {
      starts.push(clock.now())
      if (!first) return 'ok'
      first = false
      return Promise.reject(http(429, { headers: new Headers(openai(0, '20s', 'tokens')) }))
    }
    const a = limiter.run(task)
    await clock.advance(0)
    expect(limiter.stats()).toMatchObject({ coolingDown: true, cooldowns: 1, rateLimited: 1 })
    const b = limiter.run(task)
    await clock.advance(19_999)
    expect(starts).toEqual([0])
    await clock.advance(1)
    expect(await Promise.all([a, b])).toEqual(['ok', 'ok'])
    expect(limiter.stats()).toMatchObject({ coolingDown: false, cooldowns: 1, cooldownMs: 20_000 })
    // headers: false: the same 429 is only a retry after the backoff.
    const off = createLimiter({ clock, headers: false, retry: { minDelay: 1, jitter: 'none' } })
    let n = 0
    const value = off.run(() =>
      n++ === 0 ? Promise.reject(http(429, { headers: openai(0, '20s') })) : clock.now(),
    )
    const at = clock.now()
    await clock.advance(1)
    expect(await value).toBe(at + 1)
  })
})

describe('a server whose limits change mid-run (halved, then restored)', () => {
  it('the limiter follows within one window: no 429, each window used to its new limit', async () => {
    const clock = new FakeClock(0)
    const width = 10_000
    // A server enforcing `perWindow` requests per quantized 10 s window; it answers after 50 ms,
    // with OpenAI's headers computed when it answers.
    const server = { perWindow: 100, index: -1, used: 0, admitted: new Map<number, number>(), rejected: 0 }
    const roll = () => {
      const index = Math.floor(clock.now() / width)
      if (index !== server.index) Object.assign(server, { index, used: 0 })
      return (index + 1) * width - clock.now()
    }
    const headers = () => {
      const reset = roll()
      return openai(Math.max(0, server.perWindow - server.used), `${reset}ms`)
    }
    const call = () => {
      roll()
      const ok = server.used < server.perWindow
      if (ok) {
        server.used++
        server.admitted.set(server.index, (server.admitted.get(server.index) ?? 0) + 1)
      } else server.rejected++
      return new Promise((resolve) =>
        clock.setTimeout(
          () => resolve(response(ok ? 200 : 429, { ...headers(), 'retry-after-ms': `${roll()}` })),
          50,
        ),
      )
    }
    // The client's own window (1,200/min) is looser than the server: the headers must do the pacing.
    const limiter = createLimiter({ clock, concurrency: 10, rate: { limit: 1200, interval: 60_000 } })
    clock.setTimeout(() => {
      server.perWindow = 50
    }, 3 * width)
    clock.setTimeout(() => {
      server.perWindow = 100
    }, 6 * width)
    const done = limiter.map(
      Array.from({ length: 750 }, (_, i) => i),
      call,
    )
    await clock.runAll()
    await done
    const admitted = [...server.admitted.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n)
    expect(admitted).toEqual([100, 100, 100, 50, 50, 50, 100, 100, 100])
    expect(server.rejected).toBe(0)
    expect(limiter.stats().rateLimited).toBe(0)
  })
})
