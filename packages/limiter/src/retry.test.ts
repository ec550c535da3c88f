import { describe, expect, it } from 'vitest'
import { FakeClock } from '../test/fake-clock'
import { http } from '../test/http-error'
import { retry, type StandaloneRetryOptions } from './index'

describe('retry', () => {
  /** The delays `retry` waits when the first `failures` attempts fail with a 500, and what it returns. */
  async function delaysOf(failures: number, options: StandaloneRetryOptions) {
    const clock = new FakeClock()
    const delays: number[] = []
    const promise = retry(
      async ({ attempt }) => {
        if (attempt <= failures) throw http(500)
        return attempt
      },
      { clock, ...options, onRetry: (e) => delays.push(e.delay) },
    )
    await clock.runAll()
    return { value: await promise, delays }
  }

  it('retries with exponential backoff (jitter none) and returns the value', async () => {
    const options = { jitter: 'none', minDelay: 100, factor: 3, maxDelay: 500 } as const
    expect(await delaysOf(3, options)).toEqual({ value: 4, delays: [100, 300, 500] })
  })

  it('uses full jitter from the injected random source', async () => {
    expect((await delaysOf(2, { random: () => 0.5, minDelay: 100 })).delays).toEqual([50, 100])
  })

  it('accepts a jitter function, its result kept within maxDelay', async () => {
    expect((await delaysOf(1, { minDelay: 100, jitter: (d, a) => d + a })).delays).toEqual([101])
    expect((await delaysOf(1, { minDelay: 100, maxDelay: 150, jitter: () => 1e12 })).delays).toEqual([150])
  })

  it('gives up with ERR_RETRIES_EXHAUSTED, the last error as cause and the attempt count', async () => {
    const clock = new FakeClock()
    let n = 0
    const last = http(502)
    const promise = retry(
      async () => {
        n++
        throw n === 3 ? last : http(502)
      },
      { clock, retries: 2, jitter: 'none', minDelay: 10 },
    )
    const settled = promise.catch((e) => e)
    await clock.runAll()
    const error = await settled
    expect(error).toMatchObject({ code: 'ERR_RETRIES_EXHAUSTED', attempts: 3 })
    expect(error.cause).toBe(last)
  })

  it('does not retry a 404 or an AbortError: the original error comes back', async () => {
    const clock = new FakeClock()
    let calls = 0
    for (const failure of [http(404), new DOMException('stop', 'AbortError')]) {
      const thrower = async () => {
        calls++
        throw failure
      }
      await expect(retry(thrower, { clock })).rejects.toBe(failure)
    }
    expect(calls).toBe(2)
  })

  it('honours retryOn(error, attempt)', async () => {
    const clock = new FakeClock()
    const seen: number[] = []
    const promise = retry(
      async () => {
        throw new Error('custom')
      },
      {
        clock,
        retries: 5,
        minDelay: 1,
        retryOn: (_e, attempt) => {
          seen.push(attempt)
          return attempt < 2
        },
      },
    ).catch((e) => e)
    await clock.runAll()
    expect((await promise).message).toBe('custom')
    expect(seen).toEqual([1, 2])
  })

  it('stops at maxRetryTime', async () => {
    const clock = new FakeClock()
    let calls = 0
    const promise = retry(
      async () => {
        calls++
        throw http(500)
      },
      { clock, retries: 100, jitter: 'none', minDelay: 100, factor: 1, maxRetryTime: 350 },
    ).catch((e) => e)
    await clock.runAll()
    expect(await promise).toMatchObject({ code: 'ERR_RETRIES_EXHAUSTED', attempts: 4 })
    expect(calls).toBe(4)
  })

  it('waits at least Retry-After on a 429', async () => {
    const clock = new FakeClock()
    const delays: number[] = []
    const promise = retry(
      async ({ attempt }) => {
        if (attempt === 1) throw http(429, { retryAfter: '7' })
        return 'ok'
      },
      { clock, minDelay: 10, jitter: 'none', onRetry: (e) => delays.push(e.delay) },
    )
    await clock.runAll()
    await promise
    expect(delays).toEqual([7000])
  })

  it('retries a returned Response with a retryable status and returns the last one', async () => {
    const clock = new FakeClock()
    const statuses = [503, 500, 200]
    const promise = retry(async ({ attempt }) => new Response('x', { status: statuses[attempt - 1]! }), {
      clock,
      minDelay: 1,
    })
    await clock.runAll()
    expect((await promise).status).toBe(200)
    const exhausted = retry(async () => new Response('x', { status: 503 }), {
      clock,
      retries: 1,
      minDelay: 1,
    })
    await clock.runAll()
    expect((await exhausted).status).toBe(503)
  })

  it('rejects with ERR_ABORTED when the signal aborts during a backoff, and passes the signal', async () => {
    const clock = new FakeClock()
    const controller = new AbortController()
    let seen: AbortSignal | undefined
    const promise = retry(
      async ({ signal }) => {
        seen = signal
        throw http(503)
      },
      { clock, signal: controller.signal, minDelay: 1000 },
    ).catch((e) => e)
    await clock.advance(0)
    controller.abort(new Error('user'))
    expect(await promise).toMatchObject({ code: 'ERR_ABORTED', attempts: 1 })
    expect(seen).toBe(controller.signal)
    expect(clock.pending).toBe(0)
  })
})
