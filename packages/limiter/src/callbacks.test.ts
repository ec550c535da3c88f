import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../test/fake-clock'
import { http } from '../test/http-error'
import { createLimiter, type LimiterOptions, retry } from './index'

// A listener's error becomes a process warning; collect them instead of printing them.
let warnings: Error[] = []
const onWarning = (warning: Error) => warnings.push(warning)
beforeEach(() => {
  warnings = []
  process.on('warning', onWarning)
})
afterEach(() => {
  process.off('warning', onWarning)
})

/** Item 0 fails with `failure`; the other items succeed. */
const task = (failure: unknown) => async (x: number) => {
  if (x === 0) throw failure
  return x
}

const throwers: [string, LimiterOptions, unknown][] = [
  // biome-ignore lint/suspicious/noExplicitAny: the user's careless callback
  ['retryOn reading a field of null', { retry: { retryOn: (f: any) => f.status >= 500 } }, null],
  [
    'a jitter function',
    {
      retry: {
        jitter: () => {
          throw new Error('jitter broke')
        },
      },
    },
    http(503),
  ],
  [
    'random',
    {
      random: () => {
        throw new Error('random broke')
      },
    },
    http(500),
  ],
  [
    'a headers.get of the failure',
    {},
    http(429, {
      headers: {
        get() {
          throw new Error('headers broke')
        },
      },
    }),
  ],
]

describe('a throwing user callback fails that item with ERR_CALLBACK_FAILED, never the process', () => {
  it.each(throwers)('%s, in run', async (_name, options, failure) => {
    const clock = new FakeClock()
    const limiter = createLimiter({ ...options, clock })
    const error = await limiter.run(() => Promise.reject(failure)).catch((e) => e)
    expect(error).toMatchObject({ code: 'ERR_CALLBACK_FAILED', attempts: 1 })
    expect(error.cause).toBeDefined()
    await expect(limiter.run(() => 'next')).resolves.toBe('next')
  })

  it.each(throwers)('%s, in map with settle', async (_name, options, failure) => {
    const clock = new FakeClock()
    const limiter = createLimiter({ ...options, clock, concurrency: 2 })
    const outcomes = await limiter.map([0, 1, 2], task(failure), { settle: true })
    expect(outcomes[0]).toMatchObject({ status: 'rejected', error: { code: 'ERR_CALLBACK_FAILED' } })
    expect(outcomes.slice(1)).toMatchObject([
      { status: 'fulfilled', value: 1 },
      { status: 'fulfilled', value: 2 },
    ])
  })

  it.each(throwers)('%s, in stream', async (_name, options, failure) => {
    const clock = new FakeClock()
    const limiter = createLimiter({ ...options, clock })
    const seen: string[] = []
    for await (const o of limiter.stream([0, 1, 2], task(failure))) {
      seen.push(`${o.index}:${o.status}:${o.status === 'rejected' ? (o.error as { code: string }).code : ''}`)
    }
    expect(seen.sort()).toEqual(['0:rejected:ERR_CALLBACK_FAILED', '1:fulfilled:', '2:fulfilled:'])
  })

  it('names the callback and keeps what it threw as the cause', async () => {
    const limiter = createLimiter({
      retry: {
        retryOn: () => {
          throw thrown
        },
      },
    })
    const thrown = new Error('mine')
    const error = await limiter.run(() => Promise.reject(new Error('task'))).catch((e) => e)
    expect(error.code).toBe('ERR_CALLBACK_FAILED')
    expect(error.message).toContain('retryOn')
    expect(error.cause).toBe(thrown)
  })

  it('a throwing progress listener becomes a warning; every item still succeeds (map settle and stream)', async () => {
    const limiter = createLimiter({ concurrency: 2 })
    limiter.on('progress', () => {
      throw new Error('listener broke')
    })
    const outcomes = await limiter.map([0, 1, 2], async (x) => x, { settle: true })
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
    let n = 0
    for await (const o of limiter.stream([0, 1, 2], async (x) => x)) if (o.status === 'fulfilled') n++
    expect(n).toBe(3)
    await new Promise((resolve) => setImmediate(resolve))
    expect(warnings.length).toBeGreaterThan(0)
    expect((warnings[0]!.cause as Error).message).toBe('listener broke')
  })

  it('standalone retry(): a throwing retryOn, jitter or onRetry rejects with ERR_CALLBACK_FAILED', async () => {
    const clock = new FakeClock()
    const boom = () => {
      throw new Error('callback broke')
    }
    for (const options of [{ retryOn: boom }, { jitter: boom }, { onRetry: boom }]) {
      const error = await retry(() => Promise.reject(http(500)), { clock, ...options }).catch((e) => e)
      expect(error).toMatchObject({ code: 'ERR_CALLBACK_FAILED', attempts: 1 })
      expect(error.cause.message).toBe('callback broke')
    }
  })
})

describe('values whose getters throw', () => {
  it('a cost whose `tokens` getter throws fails that item (or run) with ERR_CALLBACK_FAILED, from options or from report', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ clock, rate: { limit: 1000, interval: 60_000, cost: 'tokens' } })
    const broken = new Error('getter broke')
    const trap = {
      get tokens(): number {
        throw broken
      },
    }
    const error = await limiter.run(() => 1, { cost: trap }).catch((e) => e)
    expect(error).toMatchObject({ code: 'ERR_CALLBACK_FAILED', cause: broken })
    expect(error.message).toContain('`cost`')
    const outcomes = await limiter.map([0, 1], (x) => x, {
      settle: true,
      cost: (x) => (x === 0 ? trap : { tokens: 1 }),
    })
    expect(outcomes[0]).toMatchObject({
      status: 'rejected',
      error: { code: 'ERR_CALLBACK_FAILED', cause: broken },
    })
    expect(outcomes[1]).toMatchObject({ status: 'fulfilled', value: 1 })
    const reported = await limiter
      .run(({ report }) => report({ cost: trap }), { cost: { tokens: 1 } })
      .catch((e) => e)
    expect(reported).toMatchObject({ code: 'ERR_CALLBACK_FAILED', cause: broken })
    await expect(limiter.run(() => 'next', { cost: { tokens: 1 } })).resolves.toBe('next')
  })

  it('a cost is read once: a getter giving a checked value, then a bad one, cannot slip the bad one in', async () => {
    const clock = new FakeClock()
    const limiter = createLimiter({ clock, rate: { limit: 1000, interval: 60_000, cost: 'tokens' } })
    let reads = 0
    const shifty = {
      get tokens(): number {
        return ++reads === 1 ? 10 : Number.POSITIVE_INFINITY
      },
    }
    await limiter.run(() => 1, { cost: shifty })
    expect(reads).toBe(1)
    expect(limiter.stats().windows[0]?.used).toBe(10)
  })

  it('a value whose `status` getter throws is a plain value, not a crash', async () => {
    const limiter = createLimiter()
    const trap = new Proxy(
      {},
      {
        get(_target, key) {
          if (key === 'then' || typeof key === 'symbol') return undefined
          throw new Error('getter broke')
        },
      },
    )
    await expect(limiter.run(() => Promise.resolve(trap))).resolves.toBe(trap)
    const outcomes = await limiter.map([trap], async (x) => x, { settle: true })
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled' })
  })
})
