import { rejection } from '@boundkit/internal'
import { afterEach, describe, expect, it } from 'vitest'
import { fixturePool } from '../test/helpers'
import type { Pool } from './index'

let pool: Pool
afterEach(async () => {
  await pool?.destroy()
})

function* counted(n: number, pulls: { count: number }) {
  for (let i = 0; i < n; i++) {
    pulls.count++
    yield i
  }
}

describe('map', () => {
  it('yields results in input order by default, from sync and async iterables', async () => {
    pool = fixturePool()
    const inputs = [
      { n: 1, ms: 60 },
      { n: 2, ms: 1 },
      { n: 3, ms: 30 },
      { n: 4, ms: 1 },
    ]
    const out = []
    for await (const value of pool.map(inputs, 'slowDouble')) out.push(value)
    expect(out).toEqual([2, 4, 6, 8])
    async function* source() {
      yield 5
      yield 6
    }
    expect(await pool.mapAll(source(), 'double')).toEqual([10, 12])
  })

  it('yields every result once with ordered: false', async () => {
    pool = fixturePool()
    const out: number[] = []
    for await (const value of pool.map([1, 2, 3, 4, 5, 6, 7], 'double', { ordered: false })) {
      out.push(value as number)
    }
    expect(out.sort((a, b) => a - b)).toEqual([2, 4, 6, 8, 10, 12, 14])
  })

  it('with ordered: false, a quick result is not held back by a slow one before it', async () => {
    pool = fixturePool()
    const inputs = [
      { n: 1, ms: 3000 },
      { n: 2, ms: 1 },
    ]
    const out = []
    for await (const value of pool.map(inputs, 'slowDouble', { ordered: false })) out.push(value)
    expect(out).toEqual([4, 2])
  })

  it('pulls inputs lazily: no more than the window ahead of the consumer', async () => {
    pool = fixturePool()
    const pulls = { count: 0 }
    const iterator = pool.map(counted(1000, pulls), 'double', { window: 3 })
    expect((await iterator.next()).value).toBe(0)
    expect(pulls.count).toBeLessThanOrEqual(4)
    await iterator.return(undefined)
    expect(pulls.count).toBeLessThanOrEqual(4)
  })

  it('sends chunks of inputs and still gives one result per input', async () => {
    pool = fixturePool()
    const inputs = Array.from({ length: 25 }, (_, i) => i)
    expect(await pool.mapAll(inputs, 'double', { chunkSize: 4 })).toEqual(inputs.map((i) => i * 2))
    expect(pool.stats().done).toBe(7)
  })

  it('throws at the first failed input', async () => {
    pool = fixturePool()
    const error = await rejection(pool.mapAll([1, 2, 3, 4], 'maybeFail'))
    expect(error.message).toBe('bad 3')
  })

  it('settle gives one outcome per input, chunked or not', async () => {
    pool = fixturePool()
    for (const chunkSize of [1, 3]) {
      const outcomes = await pool.settle([1, 2, 3, 4, 5, 6], 'maybeFail', { chunkSize })
      expect(outcomes.map((o) => o.index)).toEqual([0, 1, 2, 3, 4, 5])
      expect(outcomes.map((o) => o.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        'rejected',
      ])
      expect(outcomes[0]).toEqual({ index: 0, status: 'fulfilled', value: 1 })
      const failed = outcomes[2]
      expect(failed?.status === 'rejected' && (failed.error as Error).message).toBe('bad 3')
      expect(Object.keys(failed ?? {}).sort()).toEqual(['error', 'index', 'status'])
    }
  })

  it('counts a thrown null or undefined as a failure, chunked or not', async () => {
    pool = fixturePool()
    for (const chunkSize of [1, 2]) {
      const outcomes = await pool.settle(['null', 'undefined', 0], 'throwValue', { chunkSize })
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected'])
      expect(outcomes.map((o) => (o.status === 'rejected' ? o.error : 'fulfilled'))).toEqual([
        null,
        undefined,
        0,
      ])
      const error = await pool.mapAll(['null'], 'throwValue', { chunkSize }).then(
        () => 'fulfilled',
        (e: unknown) => e,
      )
      expect(error).toBeNull()
    }
  })

  it('stops with ERR_ABORTED when its signal aborts', async () => {
    pool = fixturePool()
    const controller = new AbortController()
    const inputs = Array.from({ length: 50 }, (_, i) => ({ n: i, ms: 20 }))
    const seen = []
    const error = await rejection(
      (async () => {
        for await (const value of pool.map(inputs, 'slowDouble', { signal: controller.signal })) {
          seen.push(value)
          if (seen.length === 2) controller.abort()
        }
      })(),
    )
    expect(error.code).toBe('ERR_ABORTED')
    expect(seen.length).toBeLessThan(50)
  })

  it('checks its options', async () => {
    pool = fixturePool()
    await expect(() => pool.map([1], 'double', { chunkSize: 0 }).next()).rejects.toThrow(
      'Expected `chunkSize` to be an integer >= 1, got `0` (number)',
    )
  })
})
