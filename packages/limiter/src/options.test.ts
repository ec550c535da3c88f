import { describe, expect, it } from 'vitest'
import { createLimiter, type LimiterOptions, retry, Semaphore } from './index'

function codeOf(fn: () => unknown): { code: unknown; message: string } {
  try {
    fn()
  } catch (error) {
    return { code: (error as { code?: unknown }).code, message: (error as Error).message }
  }
  throw new Error('expected a throw')
}

describe('invalid options fail at construction with ERR_INVALID_OPTION naming the option', () => {
  const cases: [string, LimiterOptions, string][] = [
    [
      'concurrency 0',
      { concurrency: 0 },
      'Expected `concurrency` to be an integer >= 1 (or Infinity), got `0` (number)',
    ],
    ['concurrency -1', { concurrency: -1 }, '`concurrency`'],
    ['concurrency NaN', { concurrency: Number.NaN }, '`concurrency`'],
    ['concurrency 1.5', { concurrency: 1.5 }, '`concurrency`'],
    ['concurrency -Infinity', { concurrency: Number.NEGATIVE_INFINITY }, '`concurrency`'],
    ['rate.limit 0', { rate: { limit: 0, interval: 1000 } }, 'Expected `rate.limit` to be an integer >= 1'],
    [
      'rate[1].interval 0',
      {
        rate: [
          { limit: 1, interval: 10 },
          { limit: 5, interval: 0 },
        ],
      },
      '`rate[1].interval`',
    ],
    ['rate.interval Infinity', { rate: { limit: 1, interval: Number.POSITIVE_INFINITY } }, '`rate.interval`'],
    ['rate missing interval', { rate: { limit: 3 } as never }, '`rate.interval`'],
    ['negative minDelay', { retry: { minDelay: -1 } }, 'Expected `retry.minDelay` to be a number >= 0'],
    ['negative maxDelay', { retry: { maxDelay: -5 } }, '`retry.maxDelay`'],
    ['maxDelay < minDelay', { retry: { minDelay: 100, maxDelay: 10 } }, '`retry.maxDelay`'],
    ['retries 1.5', { retry: { retries: 1.5 } }, '`retry.retries`'],
    ['factor 0.5', { retry: { factor: 0.5 } }, '`retry.factor`'],
    ['jitter "half"', { retry: { jitter: 'half' as never } }, '`retry.jitter`'],
    ['retryOn not a function', { retry: { retryOn: true as never } }, '`retry.retryOn`'],
    ['negative maxRetryTime', { retry: { maxRetryTime: -1 } }, '`retry.maxRetryTime`'],
    ['timeout 0', { timeout: 0 }, '`timeout`'],
    ['timeout NaN', { timeout: Number.NaN }, '`timeout`'],
    ['signal not a signal', { signal: {} as never }, '`signal`'],
    ['cooldown.jitter 2', { cooldown: { jitter: 2 } }, '`cooldown.jitter`'],
    ['cooldown.maxDelay -1', { cooldown: { maxDelay: -1 } }, '`cooldown.maxDelay`'],
    [
      'cooldown.after 0',
      { cooldown: { after: 0 } },
      'Expected `cooldown.after` to be an integer >= 1 (or Infinity), got `0` (number)',
    ],
    ['cooldown.after 1.5', { cooldown: { after: 1.5 } }, '`cooldown.after`'],
    ['timeout -1', { timeout: -1 }, '`timeout`'],
    ['maxRetryAfter -1', { retry: { maxRetryAfter: -1 } }, '`retry.maxRetryAfter`'],
    ['clock without setTimeout', { clock: { now: () => 0 } as never }, '`clock.setTimeout`'],
    ['random not a function', { random: 0.5 as never }, '`random`'],
    ['cooldown not an object', { cooldown: 5 as never }, '`cooldown`'],
  ]
  it.each(cases)('%s', (_name, options, fragment) => {
    const { code, message } = codeOf(() => createLimiter(options))
    expect(code).toBe('ERR_INVALID_OPTION')
    expect(message).toContain(fragment)
  })

  it('accepts Infinity for concurrency and sane defaults', () => {
    const limiter = createLimiter({ concurrency: Number.POSITIVE_INFINITY })
    expect(limiter.concurrency).toBe(Number.POSITIVE_INFINITY)
    expect(createLimiter().concurrency).toBe(10)
  })

  it('checks the concurrency setter', () => {
    const limiter = createLimiter({ concurrency: 2 })
    expect(codeOf(() => (limiter.concurrency = 0)).code).toBe('ERR_INVALID_OPTION')
    expect(limiter.concurrency).toBe(2)
    limiter.concurrency = 5
    expect(limiter.concurrency).toBe(5)
  })

  it('rejects bad per-call options and bad items without starting anything', async () => {
    const limiter = createLimiter()
    await expect(limiter.run(async () => 1, { timeout: -1 })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
    })
    await expect(limiter.run('nope' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(limiter.map(42 as never, async () => 1)).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: expect.stringContaining('`items`'),
    })
    await expect(limiter.map([1], async () => 1, { window: 0 })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: expect.stringContaining('`window`'),
    })
    expect(limiter.stats().done).toBe(0)
  })

  const perCall: [string, object, string][] = [
    ['timeout 0.5', { timeout: 0.5 }, '`timeout`'],
    ['timeout NaN', { timeout: Number.NaN }, '`timeout`'],
    ['signal not a signal', { signal: 'stop' }, '`signal`'],
    ['retry 5', { retry: 5 }, '`retry`'],
    ['retry.retries -1', { retry: { retries: -1 } }, '`retry.retries`'],
    ['retry.maxRetryAfter NaN', { retry: { maxRetryAfter: Number.NaN } }, '`retry.maxRetryAfter`'],
    ['window 1.5', { window: 1.5 }, '`window`'],
  ]
  it.each(perCall)('per call, in run, map and stream: %s', async (_name, options, fragment) => {
    const limiter = createLimiter()
    const invalid = { code: 'ERR_INVALID_OPTION', message: expect.stringContaining(fragment) }
    const isWindow = fragment === '`window`'
    if (!isWindow) await expect(limiter.run(async () => 1, options)).rejects.toMatchObject(invalid)
    await expect(limiter.map([1], async () => 1, options)).rejects.toMatchObject(invalid)
    await expect(limiter.stream([1], async () => 1, options).next()).rejects.toMatchObject(invalid)
    expect(limiter.stats().done).toBe(0)
  })

  it('checks settle, the options object, and on()', async () => {
    const limiter = createLimiter()
    const invalid = { code: 'ERR_INVALID_OPTION' }
    await expect(limiter.map([1], async () => 1, { settle: 'yes' as never })).rejects.toMatchObject(invalid)
    await expect(limiter.run(async () => 1, null as never)).rejects.toMatchObject(invalid)
    await expect(limiter.run(async () => 1, 5 as never)).rejects.toMatchObject(invalid)
    expect(codeOf(() => limiter.on('done' as never, () => {})).code).toBe('ERR_INVALID_OPTION')
    expect(codeOf(() => limiter.on('progress', 5 as never)).code).toBe('ERR_INVALID_OPTION')
  })

  it('checks retry() and Semaphore options', async () => {
    await expect(retry(async () => 1, { retries: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(retry(async () => 1, null as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(retry(async () => 1, { onRetry: 1 as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
    })
    expect(codeOf(() => new Semaphore(0)).code).toBe('ERR_INVALID_OPTION')
    expect(codeOf(() => new Semaphore(1.5)).code).toBe('ERR_INVALID_OPTION')
    expect(codeOf(() => new Semaphore(undefined as never)).code).toBe('ERR_INVALID_OPTION')
    await expect(new Semaphore(1).run('nope' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
  })
})
