import { type BenchContext, benchmark } from '../../../bench/harness.ts'
import { createLimiter, type LimiterOptions } from '../src/index.ts'
import { type LatencyServer, startLatencyServer } from './latency-client.ts'

const concurrency = 16
const latency = 50
/** Share of requests the flaky server answers 503 with Retry-After: 1. */
const share = 0.01
let server: LatencyServer

async function get(fail: number, signal: AbortSignal): Promise<string> {
  const response = await fetch(`${server.base}/?delay=${latency}&fail=${fail}`, { signal })
  if (!response.ok) {
    await response.body?.cancel()
    throw Object.assign(new Error(`HTTP ${response.status}`), {
      status: response.status,
      headers: response.headers,
    })
  }
  return response.text()
}

/**
 * `n` requests through a limiter with `cooldown`; the ideal is the time the requests made (503s
 * included) take at full concurrency, with no wait at all.
 */
async function run(ctx: BenchContext, fail: number, cooldown: LimiterOptions['cooldown']) {
  const n = ctx.scale(1000, 100)
  await server.drained()
  await server.stats()
  const limiter = createLimiter({ concurrency, cooldown, retry: { retries: 5, minDelay: 100 } })
  const start = performance.now()
  const outcomes = await limiter.map(
    Array.from({ length: n }, (_, i) => i),
    (_i, { signal }) => get(fail, signal),
    { settle: true },
  )
  const ms = performance.now() - start
  const failed = outcomes.filter((o) => o.status === 'rejected')
  if (failed.length > 0) throw new Error(`${failed.length} requests failed`)
  const { failed: unavailable } = await server.stats()
  const stats = limiter.stats()
  const ideal = ((n + unavailable) / concurrency) * latency
  return {
    items: n,
    metrics: {
      'x ideal': ms / ideal,
      '503s': unavailable,
      cooldowns: stats.cooldowns,
      'cooling s': stats.cooldownMs / 1000,
      'item delays': stats.retryAfterDelays,
    },
  }
}

export default benchmark({
  title: `Cooldown policy: 1,000 requests, ${share * 100}% answered 503 with Retry-After: 1, concurrency ${concurrency}, ${latency} ms latency`,
  description:
    'A flaky server (not an overloaded one): a random 1% of requests get a 503 with Retry-After: 1. ' +
    '"x ideal": wall time over the time the requests made (503s included) take at full concurrency with no ' +
    'wait. "no 503s" is the same server without faults; "cooldown: false" lets every Retry-After delay its ' +
    'own item only, the best these 503s allow (each failed item still waits 1 s for its retry). The default ' +
    'policy cools the whole limiter down only after 3 Retry-After 503s in a row; "after: 1" is the policy ' +
    'before it: every Retry-After pauses every request. "item delays": Retry-Afters that delayed only ' +
    'their own item (`stats().retryAfterDelays`).',
  baseline: 'no 503s',
  runs: 3,
  quickRuns: 1,
  warmup: 0,
  setup: async () => {
    server = await startLatencyServer()
  },
  teardown: () => server?.stop(),
  cases: {
    'no 503s': (ctx) => run(ctx, 0, undefined),
    'cooldown: false (each 503 delays its item)': (ctx) => run(ctx, share, false),
    'default policy (cooldown.after: 3)': (ctx) => run(ctx, share, undefined),
    'every Retry-After pauses everyone (after: 1, before)': (ctx) => run(ctx, share, { after: 1 }),
  },
})
