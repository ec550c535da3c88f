import PQueue from 'p-queue'
import { benchmark } from '../../../bench/harness.ts'
import { createLimiter } from '../src/index.ts'

const concurrency = 8
const noop = async () => {}
/** A token window so large it never binds: what it costs is the bookkeeping alone. */
const tokenWindow = { limit: 1e12, interval: 60_000, cost: 'tokens' }

/**
 * Runs a case and reports its CPU time (user + system, GC threads included) beside the wall time:
 * on a busy machine the wall time also holds the waits for a core, the CPU time what the case cost.
 */
async function withCpu(run: () => Promise<number>) {
  const start = process.cpuUsage()
  const items = await run()
  const used = process.cpuUsage(start)
  return { items, metrics: { 'CPU ms': (used.user + used.system) / 1000 } }
}

export default benchmark({
  title: 'Per-task overhead with a weighted (token) window on: no-op tasks at concurrency 8',
  description:
    "P1 with issue 14's weighted windows: each boundkit task carries a token cost charged to a token window " +
    'that never binds (limit 1e12 per minute), beside raw p-queue and boundkit without windows. Target: ' +
    'within 1.3x of raw p-queue. "CPU ms" is the CPU time the case used (the wall time also holds waits for a core).',
  baseline: 'p-queue',
  runs: 15,
  quickRuns: 1,
  cases: {
    'p-queue': (ctx) =>
      withCpu(async () => {
        const n = ctx.scale(100_000, 10_000)
        const queue = new PQueue({ concurrency })
        for (let i = 0; i < n; i++) queue.add(noop)
        await queue.onIdle()
        return n
      }),
    'boundkit run, no window': (ctx) =>
      withCpu(async () => {
        const n = ctx.scale(100_000, 10_000)
        const limiter = createLimiter({ concurrency })
        for (let i = 0; i < n; i++) limiter.run(noop)
        await limiter.onIdle()
        return n
      }),
    'boundkit run, token window': (ctx) =>
      withCpu(async () => {
        const n = ctx.scale(100_000, 10_000)
        const limiter = createLimiter({ concurrency, rate: [tokenWindow] })
        for (let i = 0; i < n; i++) limiter.run(noop, { cost: { tokens: 100 + (i % 900) } })
        await limiter.onIdle()
        return n
      }),
    'boundkit map, token window': (ctx) =>
      withCpu(async () => {
        const n = ctx.scale(100_000, 10_000)
        const items = Array.from({ length: n }, (_, i) => 100 + (i % 900))
        await createLimiter({ concurrency, rate: [tokenWindow] }).map(items, noop, {
          cost: (tokens) => ({ tokens }),
        })
        return n
      }),
  },
})
