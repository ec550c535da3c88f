import { describe, expect, it } from 'vitest'
import { FakeClock } from '../test/fake-clock'
import { http } from '../test/http-error'
import { createLimiter, type LimiterOptions } from './index'

/**
 * Runs items 0..n-1 at concurrency 1 on a fake clock; `fails(item, attempt)` gives the failure an
 * attempt throws, if any. Returns when each attempt started (`item.attempt@ms`) and the stats.
 */
async function run(
  n: number,
  fails: (item: number, attempt: number) => unknown,
  options: LimiterOptions = {},
) {
  const clock = new FakeClock()
  const t0 = clock.now()
  const limiter = createLimiter({
    concurrency: 1,
    retry: { minDelay: 1, jitter: 'none' },
    clock,
    cooldown: options.cooldown === false ? false : { jitter: 0, ...options.cooldown },
  })
  const starts: string[] = []
  const cooldowns: number[] = []
  limiter.on('cooldown', ({ delay }) => cooldowns.push(delay))
  const items = Array.from({ length: n }, (_, i) => i)
  const done = limiter.map(
    items,
    async (item, { attempt }) => {
      starts.push(`${item}.${attempt}@${clock.now() - t0}`)
      const failure = fails(item, attempt)
      if (failure) throw failure
      return item
    },
    { window: n }, // items waiting out a retry do not hold back the next ones
  )
  await clock.runAll()
  expect(await done).toEqual(items)
  // Starts due at the same time (a retry, a start after the cooldown) are listed by name.
  const at = (start: string) => Number(start.split('@')[1])
  starts.sort((a, b) => at(a) - at(b) || a.localeCompare(b))
  return { starts, cooldowns, stats: limiter.stats() }
}

const unavailable = () => http(503, { retryAfter: 1 })

describe('cooldown policy: who waits for a Retry-After', () => {
  it('one 503 with Retry-After: 1 delays only its own item; the others keep starting', async () => {
    const { starts, cooldowns, stats } = await run(4, (item, attempt) =>
      item === 0 && attempt === 1 ? unavailable() : undefined,
    )
    expect(starts).toEqual(['0.1@0', '1.1@0', '2.1@0', '3.1@0', '0.2@1000'])
    expect(cooldowns).toEqual([])
    expect(stats).toMatchObject({ cooldowns: 0, cooldownMs: 0, retryAfterDelays: 1, retried: 1 })
  })

  it('three 503s with Retry-After in a row start a cooldown of the whole limiter', async () => {
    const { starts, cooldowns, stats } = await run(5, (item, attempt) =>
      item < 3 && attempt === 1 ? unavailable() : undefined,
    )
    // Items 0 and 1 wait alone; item 2's 503 is the third in a row: item 3 waits for the cooldown.
    expect(starts).toEqual([
      '0.1@0',
      '1.1@0',
      '2.1@0',
      '0.2@1000',
      '1.2@1000',
      '2.2@1000',
      '3.1@1000',
      '4.1@1000',
    ])
    expect(cooldowns).toEqual([1000])
    expect(stats).toMatchObject({ cooldowns: 1, cooldownMs: 1000, retryAfterDelays: 2 })
  })

  it('a success between 503s starts the count again: no cooldown', async () => {
    const { starts, stats } = await run(6, (item, attempt) =>
      item % 2 === 0 && attempt === 1 ? unavailable() : undefined,
    )
    expect(starts.slice(0, 6)).toEqual(['0.1@0', '1.1@0', '2.1@0', '3.1@0', '4.1@0', '5.1@0'])
    expect(stats).toMatchObject({ cooldowns: 0, retryAfterDelays: 3 })
  })

  it('a 429 with Retry-After still pauses everyone at once', async () => {
    const { starts, cooldowns, stats } = await run(3, (item, attempt) =>
      item === 0 && attempt === 1 ? http(429, { retryAfter: 1 }) : undefined,
    )
    expect(starts).toEqual(['0.1@0', '0.2@1000', '1.1@1000', '2.1@1000'])
    expect(cooldowns).toEqual([1000])
    expect(stats).toMatchObject({ cooldowns: 1, retryAfterDelays: 0, rateLimited: 1 })
  })

  it('a 503 whose rate-limit headers say the budget is spent pauses everyone, as a 429 does', async () => {
    const spent = () =>
      http(503, {
        headers: {
          'retry-after': '1',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '1s',
        },
      })
    const { starts, stats } = await run(2, (item, attempt) =>
      item === 0 && attempt === 1 ? spent() : undefined,
    )
    expect(starts).toEqual(['0.1@0', '0.2@1000', '1.1@1000'])
    expect(stats).toMatchObject({ cooldowns: 1, retryAfterDelays: 0 })
  })

  it('after: 1 makes every Retry-After pause everyone; cooldown: false makes none, a 429 included', async () => {
    const lone = (item: number, attempt: number) => (item === 0 && attempt === 1 ? unavailable() : undefined)
    const everyone = await run(2, lone, { cooldown: { after: 1 } })
    expect(everyone.starts).toEqual(['0.1@0', '0.2@1000', '1.1@1000'])
    expect(everyone.stats).toMatchObject({ cooldowns: 1, retryAfterDelays: 0 })

    const none = await run(
      2,
      (item, attempt) => (item === 0 && attempt === 1 ? http(429, { retryAfter: 1 }) : undefined),
      {
        cooldown: false,
      },
    )
    expect(none.starts).toEqual(['0.1@0', '1.1@0', '0.2@1000'])
    expect(none.stats).toMatchObject({ cooldowns: 0, retryAfterDelays: 1 })
  })
})
