import { type BenchContext, benchmark, median } from '../../../bench/harness.ts'
import { createLimiter, type LimiterOptions } from '../src/index.ts'
import { type LlmServer, startLlmServer } from '../test/llm-server.ts'
import { chat, sleep } from './llm-batch.ts'

/** The server's hidden capacity and its latency up to it; the client knows neither. */
const capacity = 12
const latency = 40
const sweep = [1, 2, 4, 8, 16, 32, 64]
let server: LlmServer
/** Requests/s of every measured run, per case, for the closing comparison. */
const seen = new Map<string, number[]>()

/** Items until `ms` from now: the stream then ends once the requests already started are answered. */
async function* until(ms: number) {
  const end = performance.now() + ms
  for (let i = 0; performance.now() < end; i++) yield i
}

/** Streams requests for `ms` at the given concurrency, lets them finish, and counts answers per second. */
async function throughput(name: string, concurrency: LimiterOptions['concurrency'], ms: number) {
  while (server.log.inFlight > 0) await sleep(10)
  server.resetLog()
  const limiter = createLimiter({ concurrency })
  const body = { model: 'local-model', messages: [{ role: 'user', content: 'ping' }], max_tokens: 8 }
  let done = 0
  const start = performance.now()
  for await (const outcome of limiter.stream(until(ms), async (_i, { signal }) => {
    return (await chat(server.baseURL, body, signal)).data
  })) {
    if (outcome.status !== 'fulfilled') throw outcome.error
    done++
  }
  const perSecond = (done * 1000) / (performance.now() - start)
  seen.set(name, [...(seen.get(name) ?? []), perSecond])
  return {
    metrics: {
      'requests/s': perSecond,
      'final limit': limiter.stats().concurrency,
      'server peak in flight': server.log.peak,
    },
  }
}

const definition = benchmark({
  title: `Adaptive concurrency: a server whose capacity (${capacity} in flight) the client does not know`,
  runs: 2,
  quickRuns: 1,
  warmup: 0,
  setup: async () => {
    seen.clear()
    server = await startLlmServer({ latency, capacity })
  },
  teardown: async () => {
    await server?.close()
    const medians = [...seen].map(([name, values]) => ({ name, perSecond: median(values) }))
    const fixed = medians.filter((m) => m.name !== 'auto')
    const best = fixed.reduce((a, b) => (b.perSecond > a.perSecond ? b : a))
    const auto = medians.find((m) => m.name === 'auto')!
    definition.description =
      `Each case streams requests for a fixed time (8 s), lets the last ones finish, and counts answers per second. The server answers after ` +
      `${latency} ms up to ${capacity} requests in flight; past that, latency grows with the square of the ` +
      `overload, so throughput falls, as a thrashing server's does. The sweep runs boundkit at fixed ` +
      `concurrencies ${sweep.join(', ')}; "auto" is \`concurrency: 'auto'\` (its default min 1, max 64, ` +
      `initial 4), its start-up included. Target: auto within 1.15x of the best fixed concurrency. ` +
      `This run: best fixed "${best.name}" ${best.perSecond.toFixed(0)} requests/s, auto ` +
      `${auto.perSecond.toFixed(0)} requests/s: the best fixed is ${(best.perSecond / auto.perSecond).toFixed(2)}x auto.`
  },
  cases: {
    ...Object.fromEntries(
      sweep.map((c) => [
        `fixed ${c}`,
        (ctx: BenchContext) => throughput(`fixed ${c}`, c, ctx.scale(8_000, 500)),
      ]),
    ),
    auto: (ctx) => throughput('auto', 'auto', ctx.scale(8_000, 500)),
  },
})

export default definition
