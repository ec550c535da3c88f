import { createPool, type Pool, shared } from '@boundkit/pool'
import { type BenchContext, benchmark } from '../../../bench/harness.ts'

const THREADS = 2
const DESTRUCTURED = 'mapShared, task destructures the slice first'

let pool: Pool
let array: Float64Array
let expected = 0
const check = (value: unknown) => {
  if (value !== expected) throw new Error(`wrong sum ${value}`)
}

export default benchmark({
  title: 'Reading a SharedSlice: its fields in the loop against destructured first (200 MB)',
  description:
    "A `mapShared` sum over 25M float64 values (200 MB) on 2 threads, written two ways: `slice.array[i]` and `slice.end` read in the loop, or `{ array, start, end }` destructured first (the baseline). The slice's fields are plain own properties, so both should run alike.",
  baseline: DESTRUCTURED,
  runs: 21,
  quickRuns: 1,
  async setup(ctx: BenchContext) {
    array = shared(Float64Array, ctx.scale(25_000_000, 1_000_000))
    expected = 0
    for (let i = 0; i < array.length; i++) {
      array[i] = i % 7
      expected += i % 7
    }
    pool = createPool({ worker: new URL('./slice-access-worker.mjs', import.meta.url), threads: THREADS })
    for (let i = 0; i < 3; i++) {
      await pool.mapShared(array, 'fields', { reduce: 'sum' })
      await pool.mapShared(array, 'destructured', { reduce: 'sum' })
    }
  },
  async teardown() {
    await pool.close()
  },
  cases: {
    'mapShared, task reads slice.array[i] and slice.end in its loop': async () => {
      check(await pool.mapShared(array, 'fields', { reduce: 'sum' }))
      return { items: array.length }
    },
    [DESTRUCTURED]: async () => {
      check(await pool.mapShared(array, 'destructured', { reduce: 'sum' }))
      return { items: array.length }
    },
  },
})
