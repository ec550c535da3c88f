import { benchmark, type CaseResult } from '../../../bench/harness.ts'
import { fibBatch, type LatencySummary, measureLatency, type ServerProcess, startServerProcess } from './load'

/** Concurrent CPU requests in flight while /healthz is measured. */
const CPU_REQUESTS = 16
/** autocannon connections on /healthz. */
const CONNECTIONS = 4

let server: ServerProcess

const healthzMetrics = (latency: LatencySummary): Record<string, number> => ({
  'healthz p50 ms': latency.p50Ms,
  'healthz p99 ms': latency.p99Ms,
  'healthz max ms': latency.maxMs,
  'healthz requests': latency.requests,
  'healthz errors': latency.errors,
})

/** /healthz latency while CPU_REQUESTS fib(n) requests run in `mode`; the case's time is the batch's. */
async function underCpuLoad(mode: string, n: number): Promise<CaseResult> {
  const start = performance.now()
  const batch = fibBatch(server.url, n, CPU_REQUESTS, mode).then(() => performance.now() - start)
  const latency = await measureLatency(`${server.url}/healthz`, { connections: CONNECTIONS, until: batch })
  return { metrics: { 'CPU batch ms': await batch, ...healthzMetrics(latency) } }
}

export default benchmark({
  title: `Event-loop responsiveness: /healthz latency while ${CPU_REQUESTS} fib(35) requests run`,
  description:
    `autocannon (${CONNECTIONS} connections) measures GET /healthz on the built server (a child process) ` +
    `while ${CPU_REQUESTS} concurrent GET /cpu/fib/35 run; "idle" is /healthz with no CPU load. ` +
    'Target: mode=pool p99 at least 20x lower than mode=inline (the pool case is added with @boundkit/pool). ' +
    '"CPU batch ms" is the time for the 16 CPU requests; the case time adds the load generator\'s start and ' +
    'stop (idle: a fixed 2 s window).',
  baseline: 'inline',
  runs: 5,
  quickRuns: 1,
  async setup() {
    server = await startServerProcess(['--max-fib-n', '40'])
  },
  async teardown() {
    await server.stop()
  },
  cases: {
    idle: async (ctx) => {
      const latency = await measureLatency(`${server.url}/healthz`, {
        connections: CONNECTIONS,
        seconds: ctx.scale(2, 1),
      })
      return { metrics: healthzMetrics(latency) }
    },
    inline: (ctx) => underCpuLoad('inline', ctx.scale(35, 27)),
    // pool: (ctx) => underCpuLoad('pool', ctx.scale(35, 27)),  -- added when @boundkit/pool lands
  },
})
