import { rejection } from '@boundkit/internal'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fixturePool } from '../test/helpers'
import { type Pool, type PoolSliceEvent, shared, toShared } from './index'
import { sliceBounds } from './map-shared'
import { autoChunks } from './options'
import { reduceResults } from './reduce'

let pool: Pool
afterEach(async () => {
  await pool?.destroy()
})

describe('slicing', () => {
  it('cuts slices that cover the array exactly once', () => {
    expect(sliceBounds(10, 3)).toEqual([
      [0, 4],
      [4, 7],
      [7, 10],
    ])
    expect(sliceBounds(2, 5)).toEqual([
      [0, 1],
      [1, 2],
    ])
    expect(autoChunks(8_000_000, 2)).toBe(2)
    expect(autoChunks(1000, 8)).toBe(1)
    expect(reduceResults([3, 1, 2], 'min')).toBe(1)
    expect(reduceResults([3, 1, 2], 'max')).toBe(3)
    expect(reduceResults([3, 1, 2], (a: number, b: number) => a * b)).toBe(6)
  })
})

describe('mapShared', () => {
  it('gives a task a slice whose fields are plain own values, with no accessor of its own', async () => {
    // An object with an accessor of its own sits in V8's dictionary mode: a loop reading
    // `slice.array[i]` and `slice.end` ran 14x slower than one over destructured fields.
    pool = fixturePool()
    const [properties] = await pool.mapShared(shared(Int32Array, 8), 'sliceProperties', { chunks: 1 })
    expect(properties).toEqual([
      ['array', 'object'],
      ['start', 'number'],
      ['end', 'number'],
      ['index', 'number'],
    ])
  })

  it('sums a shared array in slices and reduces the results', async () => {
    pool = fixturePool()
    const array = shared(Float64Array, 100_001)
    for (let i = 0; i < array.length; i++) array[i] = i
    const expected = (100_000 * 100_001) / 2
    expect(await pool.mapShared(array, 'sum', { reduce: 'sum' })).toBe(expected)
    const parts = await pool.mapShared(array, 'sum', { chunks: 5 })
    expect(parts).toHaveLength(5)
    expect((parts as number[]).reduce((a, b) => a + b, 0)).toBe(expected)
  })

  it('lets workers write results in place (zero copy) and report progress', async () => {
    pool = fixturePool()
    const array = toShared(Float64Array.from({ length: 1000 }, (_, i) => i))
    const counts = await pool.mapShared(array, 'square', { chunks: 4 })
    expect(counts).toEqual([250, 250, 250, 250])
    expect(array[999]).toBe(999 * 999)
    const events: PoolSliceEvent[] = []
    const off = pool.on('slice', (event) => events.push(event))
    await pool.mapShared(array, 'sum', { chunks: 4 })
    off()
    await pool.mapShared(array, 'sum', { chunks: 4 })
    expect(events).toHaveLength(4)
    expect(events.map((e) => e.index).sort()).toEqual([0, 1, 2, 3])
    expect(events.every((e) => e.task === 'sum' && e.total === 1000)).toBe(true)
    expect(Math.max(...events.map((e) => e.done))).toBe(1000)
  })

  it('sets the shared cancelled flag on abort, and rejects with ERR_ABORTED', async () => {
    pool = fixturePool()
    const controller = new AbortController()
    const call = pool.mapShared(shared(Int32Array, 10), 'waitCancel', {
      chunks: 2,
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(), 100)
    expect((await rejection(call)).code).toBe('ERR_ABORTED')
    // Cooperative: the workers saw the flag and returned; none was stopped.
    await vi.waitFor(() => expect(pool.stats().done).toBe(2), { timeout: 10_000 })
    expect(pool.stats().crashed).toBe(0)
  })

  it('refuses an array that is not shared', async () => {
    pool = fixturePool()
    expect((await rejection(pool.mapShared(new Float64Array(4), 'sum'))).code).toBe('ERR_INVALID_OPTION')
  })
})
