import { createPool, type Pool } from '@boundkit/pool'
import { benchmark } from '../../../bench/harness.ts'

// The same function as in fib-worker.mjs, for the main-thread baseline.
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}

const THREADS = 2
let pool: Pool | undefined
let n = 30
let count = 64

export default benchmark({
  title: 'CPU-bound batch: 64 x fibonacci(30)',
  description:
    'The same recursive fibonacci on the main thread one after the other (baseline) and on a 2-thread pool (`mapAll`). Target: the pool at least 1.8x faster.',
  baseline: 'serial (main thread)',
  runs: 5,
  quickRuns: 1,
  async setup(ctx) {
    n = ctx.scale(30, 25)
    count = ctx.scale(64, 16)
    pool = createPool({ worker: new URL('./fib-worker.mjs', import.meta.url), threads: THREADS })
    await pool.broadcast('fib', 10)
  },
  async teardown() {
    await pool?.close()
  },
  cases: {
    'serial (main thread)': () => {
      let checksum = 0
      for (let i = 0; i < count; i++) checksum += fib(n)
      if (checksum === 0) throw new Error('no work')
      return { items: count }
    },
    '@boundkit/pool mapAll (2 threads)': async () => {
      const results = await pool!.mapAll(
        Array.from({ length: count }, () => n),
        'fib',
      )
      if (results.length !== count) throw new Error('lost results')
      return { items: count }
    },
  },
})
