import { benchmark } from '../../../bench/harness.ts'
import { createLimiter } from '../src/index.ts'

const concurrency = 100

/** Fake I/O: a turn of the event loop, so a million items finish in seconds. */
const fakeIo = () => new Promise<void>((resolve) => setImmediate(resolve))

async function* numbers(limit: number) {
  for (let i = 0; i < limit; i++) yield i
}

/** Runs `body` while sampling heap use; reports the peak growth over the starting heap, in MB. */
async function heapPeak(n: number, body: () => Promise<void>) {
  ;(globalThis as { gc?: () => void }).gc?.()
  const start = process.memoryUsage().heapUsed
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
  return { items: n, metrics: { 'heap growth MB': (peak - start) / 2 ** 20 } }
}

async function streamAll(n: number) {
  const limiter = createLimiter({ concurrency })
  let done = 0
  for await (const outcome of limiter.stream(numbers(n), fakeIo)) {
    if (outcome.status === 'fulfilled') done++
  }
  if (done !== n) throw new Error(`only ${done} of ${n} items finished`)
}

async function mapAll(n: number) {
  const limiter = createLimiter({ concurrency })
  const results = await limiter.map(numbers(n), async (i) => {
    await fakeIo()
    return i
  })
  if (results.length !== n) throw new Error('missing results')
}

export default benchmark({
  title: 'Memory vs input size: an async generator through the limiter, concurrency 100',
  description:
    'Fake I/O (one event-loop turn per item) so that a million items run in seconds. "heap growth MB" is the ' +
    'peak heap during the case over the heap at its start. stream keeps memory flat: items are pulled only as ' +
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
