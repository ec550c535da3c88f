import { createPool, type Pool } from '@boundkit/pool'
import { benchmark } from '../../../bench/harness.ts'
import { fib } from './fib.mjs'
import { RawWorkers } from './raw-workers.ts'

/** One call as `timedFib` reports it: `[value, start, end, thread]`, times in epoch ms. */
type Timed = [number, number, number, number]

const THREADS = 2
const LIMIT = 'hand-written worker_threads (2, half the inputs each)'
let pool: Pool
let noPrefetch: Pool
let raw: RawWorkers
let rawResults: Float64Array
let n = 30
let count = 32

function serial(): number {
  let checksum = 0
  for (let i = 0; i < count; i++) checksum += fib(n)
  return checksum
}

const now = () => performance.timeOrigin + performance.now()

/**
 * Where the threads' time went, in % of threads x the batch's wall time: idle between two of its
 * calls (waiting for the next one), and idle at the end (done while another thread still ran).
 */
function idle(calls: Timed[], start: number, end: number): Record<string, number> {
  const byThread = new Map<number, Timed[]>()
  for (const call of calls) byThread.set(call[3], [...(byThread.get(call[3]) ?? []), call])
  let between = 0
  let tail = 0
  for (const list of byThread.values()) {
    list.sort((a, b) => a[1] - b[1])
    for (let i = 1; i < list.length; i++) between += list[i]![1] - list[i - 1]![2]
    tail += end - list.at(-1)![2]
  }
  const capacity = THREADS * (end - start)
  return { 'idle between calls %': (100 * between) / capacity, 'idle at the end %': (100 * tail) / capacity }
}

/** Checks a batch's results and says where its time went. */
async function batch(run: () => Promise<Timed[]>) {
  const start = now()
  const calls = await run()
  const end = now()
  if (calls.length !== count || calls.some((call) => call[0] !== calls[0]![0]))
    throw new Error('lost results')
  return { items: count, metrics: idle(calls, start, end) }
}

const inputs = () => Array.from({ length: count }, () => n)
const timed = (pool: Pool) => pool as Pool<{ tasks: { timedFib: (n: number) => Timed } }>

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
    rawResults = new Float64Array(new SharedArrayBuffer(count * 4 * 8))
    raw = new RawWorkers(new URL('./fib-raw-worker.mjs', import.meta.url), THREADS, { results: rawResults })
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
    [LIMIT]: () =>
      batch(async () => {
        await raw.run(count, { n })
        return Array.from({ length: count }, (_, i) => [...rawResults.subarray(i * 4, i * 4 + 4)] as Timed)
      }),
    '@boundkit/pool run (one call per input, all at once)': () =>
      batch(() => Promise.all(inputs().map((input) => timed(pool).run('timedFib', input)))),
    '@boundkit/pool run, prefetch: false (a worker waits for the main thread between tasks)': () =>
      batch(() => Promise.all(inputs().map((input) => timed(noPrefetch).run('timedFib', input)))),
    '@boundkit/pool mapAll': () => batch(() => timed(pool).mapAll(inputs(), 'timedFib')),
    '@boundkit/pool map, ordered: false': () =>
      batch(async () => {
        const calls: Timed[] = []
        for await (const call of timed(pool).map(inputs(), 'timedFib', { ordered: false })) calls.push(call)
        return calls
      }),
  },
})
