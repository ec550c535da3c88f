import { describe, expect, it } from 'vitest'
import { FakeClock } from '../test/fake-clock'
import { type ApiRule, WindowApi } from '../test/window-api'
import { createLimiter, type LimiterOptions } from './index'

const T0 = 1_700_000_000_000

/**
 * A limiter declaring `tokensPerMinute` (as `--tpm` does: one 60 s window) against a model API on a
 * fake clock. Each task is charged `estimate` at the API when it starts (`charge` x the estimate:
 * the API may count differently), answers after `latency` ms with `used` tokens, and reports the
 * usage and the headers as `boundkit llm` does; a refusal is a 429 with the API's headers.
 */
function setup(rule: ApiRule, tokensPerMinute: number, options: Partial<LimiterOptions> = {}, charge = 1) {
  const clock = new FakeClock(T0)
  const api = new WindowApi(clock, rule, tokensPerMinute)
  const limiter = createLimiter({
    clock,
    concurrency: 'auto',
    rate: { limit: tokensPerMinute, interval: 60_000, cost: 'tokens' },
    retry: { retries: 20, minDelay: 10, jitter: 'none' },
    ...options,
  })
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
  const task = (estimate: number, used: number, latency = 100) =>
    limiter.run(
      async ({ report }) => {
        const entry = api.admit(estimate * charge)
        await sleep(latency)
        if (!entry)
          throw Object.assign(new Error('429'), { status: 429, headers: new Headers(api.headers()) })
        api.settle(entry, used)
        report({ headers: new Headers(api.headers()), cost: { tokens: used } })
        return clock.now() - T0
      },
      { cost: { tokens: estimate } },
    )
  /** Admissions per window of `width` ms from the start. */
  const perWindow = (width: number) => {
    const counts: number[] = []
    for (const at of api.log.admitted) {
      const k = Math.floor((at - T0) / width)
      counts[k] = (counts[k] ?? 0) + 1
    }
    return Array.from(counts, (c) => c ?? 0)
  }
  return { clock, api, limiter, task, perWindow }
}

describe('pacing as the server counts (fake clock, model API)', () => {
  it("reserve, 10 s fixed windows: a minute's budget never goes at once; each window's goes when it opens, no refund counted", async () => {
    // 6,000 tokens/min enforced as 1,000 per 10 s; each request charged 90, using 40.
    const { clock, api, limiter, task, perWindow } = setup(
      { accounting: 'reserve', window: 10_000, mode: 'fixed' },
      6000,
    )
    const all = Array.from({ length: 25 }, () => task(90, 40))
    await clock.advance(30_000)
    await Promise.all(all)
    expect(api.log.refused).toEqual([])
    // 11 a window (1,000 / 90), the first second paced until the first answer showed the window.
    expect(perWindow(10_000)).toEqual([11, 11, 3])
    expect(api.log.admitted.slice(0, 2).map((at) => at - T0)).toEqual([0, 100])
    // Each window's budget goes when the window opens.
    expect(api.log.admitted.slice(22).map((at) => at - T0)).toEqual([20_000, 20_000, 20_000])
    expect(limiter.stats().windows[0]?.serverWindow).toMatchObject({
      interval: 10_000,
      limit: 1000,
      refunds: false,
    })
  })

  it('refund, 10 s fixed windows: once the headers show refunds, what the answers did not use is spent in the same window', async () => {
    const { clock, api, limiter, task, perWindow } = setup(
      { accounting: 'refund', window: 10_000, mode: 'fixed' },
      6000,
    )
    const all = Array.from({ length: 23 }, () => task(100, 40))
    await clock.advance(20_000)
    await Promise.all(all)
    expect(api.log.refused).toEqual([])
    // 1,000 a window, 40 each once refunded, 100 at admission: 22 x 40 + 100 fit in the first window.
    expect(perWindow(10_000)).toEqual([23])
    expect(limiter.stats().windows[0]?.serverWindow?.refunds).toBe(true)
  })

  it('reserve, 1 s sliding windows: starts go as the earlier ones slide out, not a whole window later', async () => {
    // 6,000 tokens/min enforced as 100 in any 1 s; each request charged 50.
    const { clock, api, limiter, task } = setup(
      { accounting: 'reserve', window: 1000, mode: 'sliding' },
      6000,
    )
    const starts = Array.from({ length: 4 }, (_, i) => task(50, 20, i < 2 ? 100 : 10))
    const later = Array.from({ length: 6 }, () => task(50, 20, 10))
    await clock.advance(5_000)
    await Promise.all([...starts, ...later])
    expect(api.log.refused).toEqual([])
    expect(limiter.stats().windows[0]?.serverWindow).toMatchObject({ interval: 1000, limit: 100 })
    // Two a second: 10 requests in 5 windows.
    expect(api.log.admitted.at(-1)! - T0).toBeLessThan(4_100)
  })

  it('learns what the server charges per unit of estimate and paces by it', async () => {
    // The API counts twice what the client estimates.
    const { clock, api, limiter, task } = setup(
      { accounting: 'reserve', window: 10_000, mode: 'fixed' },
      6000,
      {},
      2,
    )
    const all = Array.from({ length: 20 }, () => task(50, 20))
    await clock.advance(40_000)
    await Promise.all(all)
    expect(limiter.stats().windows[0]?.serverWindow?.scale).toBeCloseTo(2, 1)
    expect(api.log.refused.length).toBeLessThanOrEqual(1)
  })

  it("concurrency 'auto' with rate windows starts at its maximum and a 429 does not lower it", async () => {
    const { clock, limiter, task } = setup({ accounting: 'reserve', window: 10_000, mode: 'fixed' }, 600)
    expect(limiter.concurrency).toBe(64)
    // 100 tokens a window: the third request is refused once (a 429 the window explains).
    const all = [task(50, 50), task(50, 50)]
    await clock.advance(200)
    const third = task(50, 50, 0)
    await clock.advance(30_000)
    await Promise.all([...all, third])
    expect(limiter.concurrency).toBe(64)
  })
})

describe('refunds', () => {
  it('a report below the estimate gives nothing back by default (no headers read)', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({
      clock,
      headers: false,
      rate: { limit: 100, interval: 1000, cost: 'tokens' },
    })
    await limiter.run(({ report }) => report({ cost: { tokens: 10 } }), { cost: { tokens: 90 } })
    const next = limiter.run(() => clock.now(), { cost: { tokens: 80 } })
    await clock.advance(999)
    expect(limiter.stats().windows[0]?.used).toBe(90)
    await clock.advance(1)
    expect(await next).toBe(1000)
  })

  it('refund: true gives it back at once', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({
      clock,
      headers: false,
      rate: { limit: 100, interval: 1000, cost: 'tokens', refund: true },
    })
    await limiter.run(({ report }) => report({ cost: { tokens: 10 } }), { cost: { tokens: 90 } })
    const next = limiter.run(() => clock.now(), { cost: { tokens: 80 } })
    await clock.advance(0)
    expect(await next).toBe(0)
  })

  it('checks refund', () => {
    expect(() =>
      createLimiter({ rate: { limit: 1, interval: 1, cost: 'tokens', refund: 'yes' as 'auto' } }),
    ).toThrow("Expected `rate.refund` to be true, false or 'auto'")
  })
})

describe('a window learned from resets read late in it', () => {
  it("a start above a too-short learned window's budget still goes once the window holds none of ours (no stall)", async () => {
    // 42,000 tokens/min enforced as 700 per 1 s fixed window, started 850 ms into a window (as a
    // --resume run may be): 8 x 80 tokens start at once (640 of the 700 assumed before any answer),
    // and their answers, 50 ms before the window's end, say 60 remain and reset in 50 ms. The window
    // learned is 100 ms of 70 tokens: the 9th start (80) never fits one, and with nothing in flight no
    // answer can widen it.
    const clock = new FakeClock(T0)
    const api = new WindowApi(clock, { accounting: 'reserve', window: 1000, mode: 'fixed' }, 42_000, T0 - 850)
    const limiter = createLimiter({
      clock,
      concurrency: 'auto',
      rate: { limit: 42_000, interval: 60_000, cost: 'tokens' },
      retry: { retries: 20, minDelay: 10, jitter: 'none' },
    })
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
    let settled = 0
    const all = Array.from({ length: 10 }, () =>
      limiter
        .run(
          async ({ report }) => {
            const entry = api.admit(80)
            await sleep(100)
            if (!entry)
              throw Object.assign(new Error('429'), { status: 429, headers: new Headers(api.headers()) })
            report({ headers: new Headers(api.headers()), cost: { tokens: 80 } })
          },
          { cost: { tokens: 80 } },
        )
        .finally(() => settled++),
    )
    await clock.advance(5000)
    // Before the fix: 8, the 9th re-checked every 100 ms for ever.
    expect(settled).toBe(10)
    await Promise.all(all)
    expect(api.log.refused).toEqual([])
    // Its answer, read early in the next window, showed the server's 1 s window.
    expect(limiter.stats().windows[0]?.serverWindow?.interval).toBe(1000)
  })
})
