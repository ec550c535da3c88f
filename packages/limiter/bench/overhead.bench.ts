import Bottleneck from 'bottleneck'
import pLimit from 'p-limit'
import pMap from 'p-map'
import PQueue from 'p-queue'
import { benchmark } from '../../../bench/harness.ts'
import { createLimiter } from '../src/index.ts'

const concurrency = 8
const noop = async () => {}

/** Queues `n` no-op tasks at once, then waits for all: the backlog is `n` items. */
async function pQueue(n: number) {
  const queue = new PQueue({ concurrency })
  for (let i = 0; i < n; i++) queue.add(noop)
  await queue.onIdle()
  return { items: n }
}

async function boundkitRun(n: number) {
  const limiter = createLimiter({ concurrency })
  for (let i = 0; i < n; i++) limiter.run(noop)
  await limiter.onIdle()
  return { items: n }
}

export default [
  benchmark({
    title: 'Per-task overhead: no-op tasks at concurrency 8',
    description:
      'Each case queues every task up front (p-queue style) and waits for all of them; `boundkit map` pulls ' +
      'items from the array as slots free up. Target: boundkit within 1.3x of raw p-queue. bottleneck has a ' +
      '~2.4 ms floor per task, so it runs fewer items: compare the throughput column.',
    baseline: 'p-queue',
    runs: 5,
    quickRuns: 1,
    cases: {
      'p-queue': (ctx) => pQueue(ctx.scale(100_000, 10_000)),
      'boundkit run': (ctx) => boundkitRun(ctx.scale(100_000, 10_000)),
      'boundkit map': async (ctx) => {
        const n = ctx.scale(100_000, 10_000)
        await createLimiter({ concurrency }).map(new Array<number>(n).fill(0), noop)
        return { items: n }
      },
      'p-limit': async (ctx) => {
        const n = ctx.scale(100_000, 10_000)
        const limit = pLimit(concurrency)
        const all: Promise<void>[] = []
        for (let i = 0; i < n; i++) all.push(limit(noop))
        await Promise.all(all)
        return { items: n }
      },
      'p-map': async (ctx) => {
        const n = ctx.scale(100_000, 10_000)
        await pMap(new Array<number>(n).fill(0), noop, { concurrency })
        return { items: n }
      },
      bottleneck: async (ctx) => {
        const n = ctx.scale(400, 50)
        const limiter = new Bottleneck({ maxConcurrent: concurrency })
        const all: Promise<void>[] = []
        for (let i = 0; i < n; i++) all.push(limiter.schedule(noop))
        await Promise.all(all)
        return { items: n }
      },
    },
  }),
  benchmark({
    title: 'Overhead vs backlog: 1k and 1M queued no-op tasks at concurrency 8',
    description:
      'Per-task cost must not grow with the number of queued tasks. The 1k cases run 100 rounds of 1,000 ' +
      'queued tasks (100k tasks); the 1M cases queue 1,000,000 at once. Compare items/s within a library.',
    baseline: 'p-queue 1k backlog',
    runs: 3,
    quickRuns: 1,
    cases: {
      'p-queue 1k backlog': async (ctx) => {
        const rounds = ctx.scale(100, 10)
        for (let r = 0; r < rounds; r++) await pQueue(1000)
        return { items: rounds * 1000 }
      },
      'boundkit 1k backlog': async (ctx) => {
        const rounds = ctx.scale(100, 10)
        for (let r = 0; r < rounds; r++) await boundkitRun(1000)
        return { items: rounds * 1000 }
      },
      'p-queue 1M backlog': (ctx) => pQueue(ctx.scale(1_000_000, 50_000)),
      'boundkit 1M backlog': (ctx) => boundkitRun(ctx.scale(1_000_000, 50_000)),
    },
  }),
]
