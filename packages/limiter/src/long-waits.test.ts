import { describe, expect, it } from 'vitest'
import { FakeClock } from '../test/fake-clock'
import { http } from '../test/http-error'
import { createLimiter, retry } from './index'

const MAX_TIMER = 2 ** 31 - 1

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false, value: undefined as unknown }
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error) => Object.assign(state, { settled: true, value: error }),
  )
  return state
}

describe('Retry-After too long for a retry', () => {
  it('Retry-After: 2000000 (23 days) fails the item with ERR_RETRY_AFTER_TOO_LONG instead of sleeping', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ clock })
    const failure = http(429, { headers: { 'retry-after': '2000000' } })
    const result = track(limiter.run(() => Promise.reject(failure)))
    await clock.advance(0)
    expect(result.settled).toBe(true)
    const error = result.value as { code: string; message: string; cause: unknown; attempts: number }
    expect(error).toMatchObject({ code: 'ERR_RETRY_AFTER_TOO_LONG', attempts: 1 })
    expect(error.message).toContain('2000000000 ms')
    expect(error.message).toContain('300000 ms')
    expect(error.cause).toBe(failure)
    // Nor does it pause the other items: the next call starts at once.
    expect(limiter.stats()).toMatchObject({ cooldowns: 0, cooldownUntil: 0 })
    const next = track(limiter.run(() => 'next'))
    await clock.advance(0)
    expect(next.value).toBe('next')
  })

  it('an HTTP date beyond retry.maxRetryAfter fails too; one within it is waited for', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ clock, retry: { maxRetryAfter: 60_000 }, cooldown: false })
    const far = new Date(clock.now() + 61_000).toUTCString()
    const near = new Date(clock.now() + 59_000).toUTCString()
    const tooFar = track(limiter.run(() => Promise.reject(http(503, { retryAfter: far }))))
    const waits = track(
      limiter.run(({ attempt }) => (attempt === 1 ? Promise.reject(http(503, { retryAfter: near })) : 'ok')),
    )
    await clock.advance(0)
    expect(tooFar.value).toMatchObject({ code: 'ERR_RETRY_AFTER_TOO_LONG' })
    expect(waits.settled).toBe(false)
    await clock.advance(59_000)
    expect(waits.value).toBe('ok')
  })

  it('standalone retry() refuses it as well', async () => {
    const clock = new FakeClock()
    const promise = retry(() => Promise.reject(http(429, { retryAfter: 2_000_000 })), { clock })
    const result = track(promise)
    await clock.advance(0)
    expect(result.value).toMatchObject({ code: 'ERR_RETRY_AFTER_TOO_LONG', attempts: 1 })
  })
})

describe('no timer is given more than 2^31-1 ms', () => {
  it('a cooldown until a date ten years ahead is re-armed, never fired early', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({
      clock,
      retry: false,
      cooldown: { maxDelay: Number.POSITIVE_INFINITY, jitter: 0 },
    })
    const tenYears = new Date(clock.now() + 10 * 365 * 86_400_000).toUTCString()
    await limiter.run(() => Promise.reject(http(429, { retryAfter: tenYears }))).catch(() => {})
    const starts: number[] = []
    const later = track(limiter.run(() => starts.push(clock.now())))
    await clock.advance(MAX_TIMER + 1000)
    expect(starts).toEqual([])
    expect(later.settled).toBe(false)
    expect(clock.longest).toBeLessThanOrEqual(MAX_TIMER)
    limiter.clear()
  })

  it('a timeout of 3e9 ms does not fire after 1 ms', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ clock, timeout: 3e9, retry: false })
    const result = track(limiter.run(() => new Promise(() => {})))
    await clock.advance(MAX_TIMER + 1)
    expect(result.settled).toBe(false)
    expect(clock.longest).toBeLessThanOrEqual(MAX_TIMER)
    await clock.advance(3e9)
    expect(result.value).toMatchObject({ code: 'ERR_TIMEOUT' })
  })

  it('a backoff longer than a timer can hold is re-armed', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({
      clock,
      retry: { minDelay: 3e9, maxDelay: 3e9, jitter: 'none', retries: 1 },
    })
    const result = track(limiter.run(({ attempt }) => (attempt === 1 ? Promise.reject(http(500)) : 'ok')))
    await clock.advance(MAX_TIMER + 1)
    expect(result.settled).toBe(false)
    await clock.advance(3e9)
    expect(result.value).toBe('ok')
    expect(clock.longest).toBeLessThanOrEqual(MAX_TIMER)
  })
})

describe('abort, clear and close end jobs that wait out a backoff or a Retry-After cooldown at once', () => {
  const setUp = () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ clock, concurrency: 1, cooldown: { jitter: 0 } })
    // Item 0 gets a 429 with Retry-After: 20 (a 20 s cooldown and a 20 s wait for its retry);
    // the other items are queued behind the cooldown.
    const fn = async (x: number) => {
      if (x === 0) throw http(429, { retryAfter: '20' })
      return x
    }
    return { clock, limiter, fn }
  }

  it('aborting a map signal during a 20 s cooldown settles it with ERR_ABORTED and leaves no timer', async () => {
    const { clock, limiter, fn } = setUp()
    const controller = new AbortController()
    const result = track(limiter.map([0, 1, 2], fn, { signal: controller.signal }))
    await clock.advance(0)
    controller.abort()
    await clock.advance(0)
    expect(result.value).toMatchObject({ code: 'ERR_ABORTED' })
    expect(clock.pending).toBe(0)
  })

  it('aborting a run signal during its Retry-After wait', async () => {
    const { clock, limiter, fn } = setUp()
    const controller = new AbortController()
    const result = track(limiter.run(() => fn(0), { signal: controller.signal }))
    await clock.advance(0)
    controller.abort()
    await clock.advance(0)
    expect(result.value).toMatchObject({ code: 'ERR_ABORTED', attempts: 1 })
    expect(clock.pending).toBe(0)
  })

  it('clear() during the cooldown ends the waiting and the queued jobs with ERR_CLEARED', async () => {
    const { clock, limiter, fn } = setUp()
    limiter.concurrency = 2 // item 1 runs beside item 0; item 2 is queued behind the cooldown
    const result = track(limiter.map([0, 1, 2], fn, { settle: true }))
    await clock.advance(0)
    limiter.clear()
    await clock.advance(0)
    expect(result.value).toMatchObject([
      { status: 'rejected', error: { code: 'ERR_CLEARED', cause: { status: 429 } }, attempts: 1 },
      { status: 'fulfilled', value: 1, attempts: 1 },
      { status: 'rejected', error: { code: 'ERR_CLEARED' }, attempts: 0 },
    ])
    expect(clock.pending).toBe(0)
  })

  it('close() during the cooldown resolves at once; the waiting jobs end with ERR_CLOSED', async () => {
    const { clock, limiter, fn } = setUp()
    const result = track(limiter.map([0, 1, 2], fn, { settle: true }))
    await clock.advance(0)
    const closed = track(limiter.close())
    await clock.advance(0)
    expect(closed.settled).toBe(true)
    expect(result.value).toMatchObject([
      { status: 'rejected', error: { code: 'ERR_CLOSED', cause: { status: 429 } }, attempts: 1 },
      { status: 'rejected', error: { code: 'ERR_CLOSED' }, attempts: 0 },
      { status: 'rejected', error: { code: 'ERR_CLOSED' }, attempts: 0 },
    ])
    expect(clock.pending).toBe(0)
  })

  it('close() during a plain backoff ends the waiting retry with ERR_CLOSED; queued work still runs', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ clock, concurrency: 1, retry: { minDelay: 10_000, jitter: 'none' } })
    const flaky = track(limiter.run(() => Promise.reject(http(500))))
    await clock.advance(0)
    const queued = track(limiter.run(() => 'queued'))
    const closed = track(limiter.close())
    await clock.advance(0)
    expect(flaky.value).toMatchObject({ code: 'ERR_CLOSED', attempts: 1 })
    expect(queued.value).toBe('queued')
    expect(closed.settled).toBe(true)
    expect(limiter.close()).toBe(limiter.close())
  })
})
