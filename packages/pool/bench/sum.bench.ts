import { createPool, type Pool, shared } from '@boundkit/pool'
import { type BenchContext, type Benchmark, benchmark } from '../../../bench/harness.ts'
import { RawWorkers } from './raw-workers.ts'
import { sumRange } from './sum-range.mjs'

const THREADS = 2
const LIMIT = 'hand-written worker_threads + SAB (2, one slice each)'

function sumBenchmark(label: string, full: number, quick: number, runs: number): Benchmark {
  let pool: Pool
  let raw: RawWorkers
  let plainArray: Float64Array
  let sharedArray: Float64Array
  let expected = 0
  const close = (value: number) => {
    if (Math.abs(value - expected) > 1e-6 * Math.abs(expected)) throw new Error(`wrong sum ${value}`)
  }
  return benchmark({
    title: `Sum of ${label} float64 values`,
    description: `One summing loop (a plain function, bench/sum-range.mjs) everywhere: on the main thread over a plain Float64Array (warmed); on 2 hand-written worker threads, each summing one half of a SharedArrayBuffer (no pool: the physical limit, the baseline); on a 2-thread pool given copies (each worker gets \`array.slice()\` of its half, structured-cloned: the copy a naive user pays); and with the pool's \`mapShared\` on the SharedArrayBuffer (default: one slice per thread, as the hand-written split; and two per thread). Target: \`mapShared\` within 1.1x of the limit.`,
    baseline: LIMIT,
    runs,
    quickRuns: 1,
    async setup(ctx: BenchContext) {
      const length = ctx.scale(full, quick)
      plainArray = new Float64Array(length)
      sharedArray = shared(Float64Array, length)
      for (let i = 0; i < length; i++) {
        const v = (i % 1000) * 0.5
        plainArray[i] = v
        sharedArray[i] = v
      }
      for (let i = 0; i < 5; i++) expected = sumRange(plainArray, 0, length)
      pool = createPool({ worker: new URL('./sum-worker.mjs', import.meta.url), threads: THREADS })
      raw = new RawWorkers(new URL('./sum-raw-worker.mjs', import.meta.url), THREADS, { array: sharedArray })
      for (let i = 0; i < 3; i++) {
        await pool.mapShared(sharedArray, 'sumShared', { reduce: 'sum' })
        await raw.run(length)
      }
      await pool.broadcast('sumCopy', new Float64Array(8))
    },
    async teardown() {
      await pool.close()
      await raw.close()
    },
    cases: {
      'serial loop (main thread, warmed)': () => {
        close(sumRange(plainArray, 0, plainArray.length))
        return { items: plainArray.length }
      },
      [LIMIT]: async () => {
        close(((await raw.run(sharedArray.length)) as number[]).reduce((a, b) => a + b, 0))
        return { items: sharedArray.length }
      },
      'pool, mapShared (zero copy, default: one slice per thread)': async () => {
        close((await pool.mapShared(sharedArray, 'sumShared', { reduce: 'sum' })) as number)
        return { items: sharedArray.length }
      },
      'pool, mapShared (zero copy, chunks: 4, two per thread)': async () => {
        close(
          (await pool.mapShared(sharedArray, 'sumShared', { reduce: 'sum', chunks: THREADS * 2 })) as number,
        )
        return { items: sharedArray.length }
      },
      'pool, array copied to workers': async () => {
        const half = plainArray.length >> 1
        const parts = await Promise.all([
          pool.run('sumCopy', plainArray.slice(0, half)),
          pool.run('sumCopy', plainArray.slice(half)),
        ])
        close((parts as number[]).reduce((a, b) => a + b, 0))
        return { items: plainArray.length }
      },
    },
  })
}

// More runs where a run is cheap: on a shared machine the median needs them.
export default [sumBenchmark('8M', 8_000_000, 1_000_000, 21), sumBenchmark('64M', 64_000_000, 2_000_000, 9)]
