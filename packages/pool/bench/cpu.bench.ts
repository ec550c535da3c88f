import { Worker } from 'node:worker_threads'
import { createPool, type Pool } from '@boundkit/pool'
import { benchmark } from '../../../bench/harness.ts'

// The same function as in fib-worker.mjs, for the main-thread baseline.
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}

const THREADS = 2
let pool: Pool | undefined
let raw: Worker[] = []
let n = 30
let count = 64

export default benchmark({
  title: 'CPU-bound batch: 64 x fibonacci(30)',
  description:
    'The same recursive fibonacci on the main thread one after the other (baseline), on a 2-thread pool (`mapAll`), and on 2 bare worker threads each given half the calls in one message (no pool: the most this machine allows). Target: the pool at least 1.8x faster than serial.',
  baseline: 'serial (main thread)',
  runs: 5,
  quickRuns: 1,
  async setup(ctx) {
    n = ctx.scale(30, 25)
    count = ctx.scale(64, 16)
    pool = createPool({ worker: new URL('./fib-worker.mjs', import.meta.url), threads: THREADS })
    await pool.broadcast('fib', 10)
    raw = Array.from({ length: THREADS }, () => new Worker(new URL('./fib-raw-worker.mjs', import.meta.url)))
  },
  async teardown() {
    await pool?.close()
    await Promise.all(raw.map((w) => w.terminate()))
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
    'bare worker_threads (2, no pool)': async () => {
      const half = count / THREADS
      await Promise.all(
        raw.map(
          (worker) =>
            new Promise((resolve) => {
              worker.once('message', resolve)
              worker.postMessage({ n, count: half })
            }),
        ),
      )
      return { items: count }
    },
  },
})
