import { describe, expect, expectTypeOf, it } from 'vitest'
import { createLimiter, type KeyedOutcome, type Outcome } from './index'

const rows = [
  { id: 'conv-a', n: 1 },
  { id: 'conv-b', n: 2 },
  { id: 'conv-c', n: 3 },
]

async function* generate<T>(items: readonly T[]) {
  yield* items
}

describe('key(item, index): outcomes carry the item key', () => {
  it('map with settle and stream put the key on every outcome, typed', async () => {
    const limiter = createLimiter({ concurrency: 2, retry: false })
    const fn = async (row: { id: string; n: number }) => {
      if (row.n === 2) throw new Error('bad row')
      return row.n * 10
    }
    const outcomes = await limiter.map(rows, fn, { settle: true, key: (row, index) => `${row.id}#${index}` })
    expectTypeOf(outcomes).toEqualTypeOf<KeyedOutcome<number, string>[]>()
    expect(outcomes.map((o) => [o.index, o.key, o.status])).toEqual([
      [0, 'conv-a#0', 'fulfilled'],
      [1, 'conv-b#1', 'rejected'],
      [2, 'conv-c#2', 'fulfilled'],
    ])
    const first = outcomes[0]!
    if (first.status === 'fulfilled') expectTypeOf(first.key).toEqualTypeOf<string>()

    const streamed: KeyedOutcome<number, string>[] = []
    for await (const outcome of limiter.stream(generate(rows), fn, { key: (row) => row.id })) {
      expectTypeOf(outcome).toEqualTypeOf<KeyedOutcome<number, string>>()
      streamed.push(outcome)
    }
    expect(streamed.map((o) => o.key).sort()).toEqual(['conv-a', 'conv-b', 'conv-c'])
    expect(JSON.parse(JSON.stringify(streamed.find((o) => o.key === 'conv-c')))).toEqual({
      index: 2,
      key: 'conv-c',
      status: 'fulfilled',
      value: 30,
      attempts: 1,
    })
  })

  it('without key, outcomes have no key field', async () => {
    const limiter = createLimiter()
    const outcomes = await limiter.map(rows, (row) => row.n, { settle: true })
    expectTypeOf(outcomes).toEqualTypeOf<Outcome<number>[]>()
    expect(outcomes.every((o) => !('key' in o))).toBe(true)
  })

  it('a key that is not a function, or key on a map without settle, is ERR_INVALID_OPTION', async () => {
    const limiter = createLimiter()
    const fn = (row: { n: number }) => row.n
    await expect(limiter.map(rows, fn, { settle: true, key: 'id' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: expect.stringContaining('`key`'),
    })
    // @ts-expect-error: plain map resolves with values, not outcomes: key has nowhere to go
    await expect(limiter.map(rows, fn, { key: (row) => row.n })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: expect.stringContaining('settle: true'),
    })
    const stream = limiter.stream(rows, fn, { key: 42 as never })
    await expect(stream.next()).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
  })

  it('a key function that throws fails that item with ERR_CALLBACK_FAILED, unrun; the rest go on', async () => {
    const limiter = createLimiter({ concurrency: 2 })
    const ran: number[] = []
    const outcomes = await limiter.map(
      rows,
      (row) => {
        ran.push(row.n)
        return row.n
      },
      {
        settle: true,
        key: (row) => {
          if (row.n === 2) throw new TypeError('no id')
          return row.id
        },
      },
    )
    expect(ran.sort()).toEqual([1, 3])
    expect(outcomes[1]).toMatchObject({
      index: 1,
      key: undefined,
      status: 'rejected',
      attempts: 0,
      error: { code: 'ERR_CALLBACK_FAILED', message: '`key` threw: no id' },
    })
    expect(outcomes.map((o) => o.key)).toEqual(['conv-a', undefined, 'conv-c'])
    expect(limiter.stats()).toMatchObject({ done: 2, failed: 1 })
  })

  it('items a settle abort reports unrun carry their key too', async () => {
    const limiter = createLimiter({ concurrency: 1 })
    const controller = new AbortController()
    const outcomes = await limiter.map(
      generate(rows),
      async (row) => {
        controller.abort(new Error('stop'))
        return row.n
      },
      { settle: true, signal: controller.signal, key: (row) => row.id },
    )
    expect(outcomes.map((o) => [o.key, o.status])).toEqual([
      ['conv-a', 'rejected'],
      ['conv-b', 'rejected'],
      ['conv-c', 'rejected'],
    ])
    expect(outcomes[2]).toMatchObject({ attempts: 0, error: { code: 'ERR_ABORTED' } })
  })
})
