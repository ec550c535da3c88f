import pLimit from 'p-limit'
import PQueue from 'p-queue'
import { benchmark } from '../../../bench/harness.ts'
import { createLimiter } from '../src/index.ts'
import { type LatencyServer, startLatencyServer } from './latency-client.ts'

const requests = 2000
const concurrency = 100
const latency = 50
let server: LatencyServer

async function get(signal?: AbortSignal): Promise<string> {
  const response = await fetch(`${server.base}/?delay=${latency}`, { signal })
  return response.text()
}

/** The metrics every case reports: wall time over the ideal, and the server's peak concurrency. */
async function timed(n: number, body: () => Promise<unknown>) {
  // Requests a previous case aborted may still be held by the server: let them drain first.
  await server.drained()
  const start = performance.now()
  await body()
  const ms = performance.now() - start
  const ideal = (n / concurrency) * latency
  return { items: n, metrics: { 'x ideal': ms / ideal, 'server peak': (await server.stats()).peak } }
}

async function* numbers(limit: number) {
  for (let i = 0; i < limit; i++) yield i
}

export default benchmark({
  title: `${requests.toLocaleString('en-US')} requests to a local server with ${latency} ms latency, concurrency ${concurrency}`,
  description:
    `The ideal is ${(requests / concurrency) * latency} ms (${requests / concurrency} waves of ${latency} ms); ` +
    'target: within 1.15x of it ("x ideal" column). The server runs in a child process and reports the ' +
    'most requests it held at once ("server peak"). "no limiter" is the floor on this machine: 100 plain ' +
    'async loops sharing a counter, no scheduling at all. The generator case streams from a 1,000,000-item ' +
    'async generator and stops after 2,000 outcomes: only the items it needed are pulled.',
  baseline: 'p-queue',
  runs: 5,
  quickRuns: 1,
  setup: async () => {
    server = await startLatencyServer()
  },
  teardown: () => server?.stop(),
  cases: {
    'no limiter: 100 loops': () =>
      timed(requests, async () => {
        let next = 0
        const loop = async () => {
          while (next++ < requests) await get()
        }
        await Promise.all(Array.from({ length: concurrency }, loop))
      }),
    'p-queue': () =>
      timed(requests, async () => {
        const queue = new PQueue({ concurrency })
        await Promise.all(Array.from({ length: requests }, () => queue.add(() => get())))
      }),
    'p-limit': () =>
      timed(requests, async () => {
        const limit = pLimit(concurrency)
        await Promise.all(Array.from({ length: requests }, () => limit(() => get())))
      }),
    'boundkit map': () =>
      timed(requests, async () => {
        const limiter = createLimiter({ concurrency })
        await limiter.map(
          Array.from({ length: requests }, (_, i) => i),
          (_i, { signal }) => get(signal),
        )
      }),
    'boundkit stream, 1M-item generator, first 2,000': () =>
      timed(requests, async () => {
        const limiter = createLimiter({ concurrency })
        let n = 0
        for await (const outcome of limiter.stream(numbers(1_000_000), (_i, { signal }) => get(signal))) {
          if (outcome.status !== 'fulfilled') throw outcome.error
          if (++n === requests) break
        }
      }),
  },
})
