import { describe, expect, it } from 'vitest'
import { FakeClock } from '../test/fake-clock'
import { http } from '../test/http-error'
import { AdaptiveController } from './adaptive'
import { AimdStrategy } from './aimd'
import type { ConcurrencyEvent } from './events'
import { GradientStrategy } from './gradient'
import { createLimiter } from './index'

describe('AimdStrategy', () => {
  it('+1 per success while the limit is used (in flight >= half), unchanged otherwise; halves on a drop', () => {
    const aimd = new AimdStrategy()
    expect(aimd.succeeded(10, { rtt: 5, inflight: 5 })).toBe(11)
    expect(aimd.succeeded(10, { rtt: 5, inflight: 4 })).toBe(10)
    expect(aimd.dropped(10)).toBe(5)
  })
})

describe('GradientStrategy', () => {
  const feed = (g: GradientStrategy, limit: number, rtt: number, n: number, inflight = limit) => {
    let l = limit
    for (let i = 0; i < n; i++) l = g.succeeded(l, { rtt, inflight: inflight ?? l })
    return l
  }

  it('grows while latency holds and the limit is used; not while the limit is unused', () => {
    const g = new GradientStrategy()
    const grown = feed(g, 10, 100, 50)
    expect(grown).toBeGreaterThan(15)
    expect(feed(new GradientStrategy(), 10, 100, 50, 2)).toBe(10)
  })

  it('shrinks as the short-term RTT rises above the long-term baseline, down to half per step at most', () => {
    const g = new GradientStrategy()
    const limit = feed(g, 20, 100, 20)
    const shrunk = feed(g, limit, 400, 20)
    expect(shrunk).toBeLessThan(limit)
    expect(g.rtts.short).toBeGreaterThan(g.rtts.baseline * 2)
    expect(g.succeeded(100, { rtt: 10_000, inflight: 100 })).toBeGreaterThanOrEqual(100 * (0.8 + 0.2 * 0.5))
  })

  it('the baseline follows a lower short-term RTT at once, a higher one slowly, and ignores one fast outlier; zero RTTs do not divide by zero', () => {
    const g = new GradientStrategy()
    feed(g, 10, 100, 5)
    feed(g, 10, 10, 1) // one outlier moves the short-term average a tenth of the way
    expect(g.rtts.baseline).toBeCloseTo(91)
    feed(g, 10, 50, 100)
    expect(g.rtts.baseline).toBeCloseTo(50, 0)
    feed(g, 10, 1000, 10)
    expect(g.rtts.baseline).toBeLessThan(100)
    const zero = new GradientStrategy()
    expect(Number.isFinite(feed(zero, 4, 0, 10))).toBe(true)
  })
})

describe('AdaptiveController', () => {
  it('keeps an integer limit within [min, max] and says why it moved', () => {
    const events: ConcurrencyEvent[] = []
    const c = new AdaptiveController({ min: 2, max: 6, initial: 4, strategy: 'aimd' }, (e) => events.push(e))
    for (let i = 0; i < 10; i++) c.succeeded(0, 1, c.limit)
    expect(c.limit).toBe(6)
    c.dropped(2, 2, 'rate-limited')
    expect(c.limit).toBe(3)
    c.dropped(3, 3, 'timeout')
    c.dropped(4, 4, 'decrease')
    expect(c.limit).toBe(2)
    expect(events.map((e) => e.reason)).toEqual(['increase', 'increase', 'rate-limited', 'timeout'])
    expect(events[2]).toEqual({ limit: 3, previous: 6, reason: 'rate-limited' })
  })

  it('a burst of drops of attempts started before the last decrease lowers the limit once', () => {
    const c = new AdaptiveController({ min: 1, max: 64, initial: 32, strategy: 'aimd' }, () => {})
    for (let i = 0; i < 32; i++) c.dropped(0, 100, 'rate-limited')
    expect(c.limit).toBe(16)
    c.dropped(100, 200, 'rate-limited') // started after that decrease: news
    expect(c.limit).toBe(8)
  })
})

describe("concurrency: 'auto' in the limiter (fake clock)", () => {
  /** A server whose latency grows past a hidden capacity, that answers 429 while `storm` is on. */
  function server(clock: FakeClock, capacity: number) {
    const state = { inflight: 0, peak: 0, storm: false }
    const call = () => {
      state.inflight++
      state.peak = Math.max(state.peak, state.inflight)
      const overload = Math.max(1, state.inflight / capacity)
      const limited = state.storm
      return new Promise((resolve, reject) =>
        clock.setTimeout(
          () => {
            state.inflight--
            if (limited) reject(http(429))
            else resolve('ok')
          },
          limited ? 5 : 20 * overload ** 2,
        ),
      )
    }
    return { state, call }
  }

  it('never exceeds max nor drops below min, recovers after a 429 storm; stats and events show the limit', async () => {
    const clock = new FakeClock(0)
    const { state, call } = server(clock, 1000)
    const limiter = createLimiter({
      clock,
      concurrency: { min: 2, max: 12, initial: 4, strategy: 'aimd' },
      retry: { retries: Number.POSITIVE_INFINITY, minDelay: 1, maxDelay: 10 },
    })
    const events: ConcurrencyEvent[] = []
    limiter.on('concurrency', (e) => events.push(e))
    expect(limiter.stats().concurrency).toBe(4)
    const done = limiter.map(
      Array.from({ length: 3000 }, (_, i) => i),
      call,
    )
    await clock.advance(500)
    expect(limiter.stats().concurrency).toBe(12)
    state.storm = true
    await clock.advance(300)
    expect(limiter.stats().concurrency).toBe(2)
    expect(events.some((e) => e.reason === 'rate-limited')).toBe(true)
    state.storm = false
    await clock.advance(500)
    expect(limiter.stats().concurrency).toBe(12)
    await clock.runAll()
    await done
    expect(state.peak).toBeLessThanOrEqual(12)
    expect(Math.min(...events.map((e) => e.limit))).toBe(2)
    expect(Math.max(...events.map((e) => e.limit))).toBe(12)
    expect(limiter.stats().rateLimited).toBeGreaterThan(0)
  })

  it('the gradient strategy settles near a hidden capacity instead of at max', async () => {
    const clock = new FakeClock(0)
    const { state, call } = server(clock, 8)
    const limiter = createLimiter({ clock, concurrency: 'auto' })
    const done = limiter.map(
      Array.from({ length: 4000 }, (_, i) => i),
      call,
    )
    await clock.runAll()
    await done
    const limit = limiter.stats().concurrency
    expect(limit).toBeGreaterThanOrEqual(6)
    expect(limit).toBeLessThanOrEqual(14)
    expect(state.peak).toBeLessThan(64)
  })

  it('timeouts lower the limit; setting limiter.concurrency switches to that fixed number', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({
      clock,
      concurrency: { initial: 8, strategy: 'aimd' },
      timeout: 10,
      retry: false,
    })
    const events: ConcurrencyEvent[] = []
    limiter.on('concurrency', (e) => events.push(e))
    const slow = () => new Promise((resolve) => clock.setTimeout(() => resolve(1), 50))
    const outcomes = limiter.map([1, 2, 3], slow, { settle: true })
    await clock.runAll()
    await outcomes
    expect(events[0]).toEqual({ limit: 4, previous: 8, reason: 'timeout' })
    limiter.concurrency = 3
    const fast = () => 'ok'
    await limiter.map(
      Array.from({ length: 50 }, (_, i) => i),
      fast,
    )
    expect(limiter.stats().concurrency).toBe(3)
    expect(events).toHaveLength(1)
  })

  it('checks its options', () => {
    for (const bad of [{ min: 0 }, { min: 5, max: 4 }, { initial: 100 }, { strategy: 'vegas' }, 'fast']) {
      expect(() => createLimiter({ concurrency: bad as 'auto' }), JSON.stringify(bad)).toThrow(/concurrency/)
    }
    expect(createLimiter({ concurrency: { min: 10 } }).stats().concurrency).toBe(10)
  })
})
