import { createPool, type Pool } from '@boundkit/pool'
import { benchmark } from '../../../bench/harness.ts'
import { fib } from './fib.mjs'
import { RawWorkers } from './raw-workers.ts'

const THREADS = 2
const LIMIT = 'hand-written worker_threads (2, SAB results)'
let pool: Pool | undefined
let raw: RawWorkers | undefined
let n = 30
let count = 64

function serial(): number {
  let checksum = 0
  for (let i = 0; i < count; i++) checksum += fib(n)
  return checksum
}

export default benchmark({
  title: 'CPU-bound batch: 64 x fibonacci(30)',
  description: `The same recursive fibonacci (one plain function, bench/fib.mjs) run one call after the other on the main thread (warmed), on a 2-thread pool (\`mapAll\`), and on 2 hand-written worker threads, each sent half the calls in one message and writing its results into a SharedArrayBuffer (no pool: the physical limit, the baseline). Target: the pool within 1.1x of the limit.`,
  baseline: LIMIT,
  runs: 7,
  quickRuns: 1,
  async setup(ctx) {
    n = ctx.scale(30, 25)
    count = ctx.scale(64, 16)
    for (let i = 0; i < 3; i++) serial()
    pool = createPool({ worker: new URL('./fib-worker.mjs', import.meta.url), threads: THREADS })
    await pool.broadcast('fib', 20)
    const results = new Float64Array(new SharedArrayBuffer(count * 8))
    raw = new RawWorkers(new URL('./fib-raw-worker.mjs', import.meta.url), THREADS, { results })
    await raw.run(THREADS, { n: 20 })
  },
  async teardown() {
    await pool?.close()
    await raw?.close()
  },
  cases: {
    'serial loop (main thread, warmed)': () => {
      if (serial() === 0) throw new Error('no work')
      return { items: count }
    },
    '@boundkit/pool mapAll (2 threads)': async () => {
      const inputs = Array.from({ length: count }, () => n)
      const results = await pool!.mapAll(inputs, 'fib')
      if (results.length !== count) throw new Error('lost results')
      return { items: count }
    },
    [LIMIT]: async () => {
      await raw!.run(count, { n })
      return { items: count }
    },
  },
})
