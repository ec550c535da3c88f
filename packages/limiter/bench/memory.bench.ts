import { benchmark } from '../../../bench/harness.ts'
import { createLimiter } from '../src/index.ts'

const concurrency = 100

/** Fake I/O: a turn of the event loop, so a million items finish in seconds. */
const fakeIo = () => new Promise<void>((resolve) => setImmediate(resolve))

async function* numbers(limit: number) {
  for (let i = 0; i < limit; i++) yield i
}

const gc = () => (globalThis as { gc?: () => void }).gc?.()
let start = 0
let retained = 0

/** Ten times per run: a full GC, then the heap still in use (what the run holds, not garbage). */
function checkpoint(i: number, n: number) {
  if (i % Math.max(1, Math.floor(n / 10)) !== 0) return
  gc()
  retained = Math.max(retained, process.memoryUsage().heapUsed)
}

/**
 * Runs `body` while sampling heap use. Reports the peak heap growth over the heap at the start
 * (garbage included) and the retained growth measured after forced GCs during the run, in MB.
 */
async function heapPeak(n: number, body: () => Promise<void>) {
  gc()
  start = process.memoryUsage().heapUsed
  retained = start
  let peak = start
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }, 5)
  try {
    await body()
  } finally {
    clearInterval(timer)
  }
  peak = Math.max(peak, process.memoryUsage().heapUsed)
  return {
    items: n,
    metrics: {
      'peak heap growth MB': (peak - start) / 2 ** 20,
      'retained heap MB': (retained - start) / 2 ** 20,
    },
  }
}

async function streamAll(n: number) {
  const limiter = createLimiter({ concurrency })
  let done = 0
  for await (const outcome of limiter.stream(numbers(n), fakeIo)) {
    if (outcome.status === 'fulfilled') done++
    checkpoint(done, n)
  }
  if (done !== n) throw new Error(`only ${done} of ${n} items finished`)
}

async function mapAll(n: number) {
  const limiter = createLimiter({ concurrency })
  const results = await limiter.map(numbers(n), async (i) => {
    await fakeIo()
    checkpoint(i, n)
    return i
  })
  if (results.length !== n) throw new Error('missing results')
}

export default benchmark({
  title: 'Memory vs input size: an async generator through the limiter, concurrency 100',
  description:
    'Fake I/O (one event-loop turn per item) so that a million items run in seconds. "peak heap growth" is the ' +
    'peak heap during the case over the heap at its start, uncollected garbage included; "retained heap" is ' +
    'measured after a forced full GC ten times per run: what the run really holds. stream keeps memory flat: items are pulled only as ' +
    'slots free up. map must hold one result per item (the array it returns), so it grows with the input by ' +
    'that array alone.',
  baseline: 'stream 10k',
  runs: 3,
  quickRuns: 1,
  cases: {
    'stream 10k': () => heapPeak(10_000, () => streamAll(10_000)),
    'stream 1M': (ctx) => {
      const n = ctx.scale(1_000_000, 100_000)
      return heapPeak(n, () => streamAll(n))
    },
    'map 10k': () => heapPeak(10_000, () => mapAll(10_000)),
    'map 1M': (ctx) => {
      const n = ctx.scale(1_000_000, 100_000)
      return heapPeak(n, () => mapAll(n))
    },
  },
})
