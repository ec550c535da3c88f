import { createPool, type Pool } from '@boundkit/pool'
import { benchmark } from '../../../bench/harness.ts'
import { fib } from './fib.mjs'
import { RawWorkers } from './raw-workers.ts'

const THREADS = 2
const LIMIT = 'hand-written worker_threads (2, half the inputs each)'
let pool: Pool
let noPrefetch: Pool
let raw: RawWorkers
let n = 30
let count = 32

function serial(): number {
  let checksum = 0
  for (let i = 0; i < count; i++) checksum += fib(n)
  return checksum
}

function check(results: unknown[]): { items: number } {
  if (results.length !== count || results.some((r) => r !== results[0])) throw new Error('lost results')
  return { items: count }
}

const inputs = () => Array.from({ length: count }, () => n)

export default benchmark({
  title: 'CPU-bound batch: 32 x fibonacci(30) on 2 threads',
  description: `The same recursive fibonacci (one plain function, bench/fib.mjs) run one call after the other on the main thread (warmed); on 2 hand-written worker threads kept alive, each sent half the inputs in one message and writing its results into a SharedArrayBuffer (no pool, no round trip between two calls: the physical limit, the baseline); and on a 2-thread pool, one \`pool.run\` per input (all at once), \`mapAll\`, and \`map\` with \`ordered: false\`; and \`pool.run\` with \`prefetch: false\`, where a worker that finishes a task waits for the main thread to send the next. Target: a batch of equal tasks within 1.05x of the limit.`,
  baseline: LIMIT,
  runs: 21,
  quickRuns: 1,
  async setup(ctx) {
    n = ctx.scale(30, 25)
    count = ctx.scale(32, 8)
    for (let i = 0; i < 3; i++) serial()
    const worker = new URL('./fib-worker.mjs', import.meta.url)
    pool = createPool({ worker, threads: THREADS })
    noPrefetch = createPool({ worker, threads: THREADS, prefetch: false })
    const results = new Float64Array(new SharedArrayBuffer(count * 8))
    raw = new RawWorkers(new URL('./fib-raw-worker.mjs', import.meta.url), THREADS, { results })
    // Warm both the same way: every thread has run fib before timing starts.
    const warm = Array(THREADS * 4).fill(20)
    await Promise.all([
      pool.mapAll(warm, 'fib'),
      noPrefetch.mapAll(warm, 'fib'),
      raw.run(THREADS * 4, { n: 20 }),
    ])
  },
  async teardown() {
    await pool?.close()
    await noPrefetch?.close()
    await raw?.close()
  },
  cases: {
    'serial loop (main thread, warmed)': () => {
      if (serial() === 0) throw new Error('no work')
      return { items: count }
    },
    [LIMIT]: async () => {
      await raw.run(count, { n })
      return { items: count }
    },
    '@boundkit/pool run (one call per input, all at once)': async () =>
      check(await Promise.all(inputs().map((input) => pool.run('fib', input)))),
    '@boundkit/pool run, prefetch: false (a worker waits for the main thread between tasks)': async () =>
      check(await Promise.all(inputs().map((input) => noPrefetch.run('fib', input)))),
    '@boundkit/pool mapAll': async () => check(await pool.mapAll(inputs(), 'fib')),
    '@boundkit/pool map, ordered: false': async () => {
      const results: unknown[] = []
      for await (const value of pool.map(inputs(), 'fib', { ordered: false })) results.push(value)
      return check(results)
    },
  },
})
