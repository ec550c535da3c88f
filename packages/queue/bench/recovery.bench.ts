import type { ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { httpJob } from '@boundkit/queue'
import { benchmark } from '../../../bench/harness.ts'
import { BenchCluster } from './processes.ts'

/** Jobs each worker process runs at once. */
const CONCURRENCY = 4
/** How long the local server takes to answer, in ms. */
const WAIT_MS = 300
const WORKERS = 3

const cluster = new BenchCluster()
let server: Server | undefined
let url = ''
let items = 0
let run = 0
/** Each job's requests: when each started (ms, performance.now()) and whether its answer was sent. */
let requests = new Map<number, { at: number; answered: boolean }[]>()

/** Starts the workers, distributes every item, and with `kill` kills one with SIGKILL once it runs jobs. */
async function distribute(kill: boolean) {
  requests = new Map()
  const name = `recovery-${++run}`
  const workers = await cluster.spawnWorkers(name, WORKERS, CONCURRENCY)
  const queue = cluster.producer(name)
  const start = performance.now()
  let killedAt: number | undefined
  const killing = kill ? killOnceBusy(workers[0] as ChildProcess).then((at) => (killedAt = at)) : undefined
  const keys = Array.from({ length: items }, (_, i) => i)
  await cluster.distribute(queue, keys, (i) => httpJob({ url: `${url}?i=${i}` }), 100)
  const batchMs = performance.now() - start
  await killing
  await queue.close()
  for (const worker of workers) worker.kill('SIGKILL')
  const metrics: Record<string, number> = { 'batch ms': batchMs }
  if (killedAt !== undefined) metrics['recovery ms'] = recoveryMs(killedAt)
  return { items, metrics }
}

/** Kills `worker` once it has had answers and has requests in flight; resolves with when. */
async function killOnceBusy(worker: ChildProcess): Promise<number> {
  const busy = () => [...requests.values()].flat().filter((r) => !r.answered).length >= CONCURRENCY
  while (!busy() || [...requests.values()].flat().filter((r) => r.answered).length < 4) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  worker.kill('SIGKILL')
  return performance.now()
}

/**
 * From the kill to the moment the last of the killed worker's jobs started again elsewhere: its jobs
 * are those requested before the kill and again after it (the server answers every request, so no
 * other job is requested twice).
 */
function recoveryMs(killedAt: number): number {
  let last = 0
  for (const attempts of requests.values()) {
    const again = attempts.find((r) => r.at > killedAt)
    if (again && attempts.some((r) => r.at < killedAt)) last = Math.max(last, again.at - killedAt)
  }
  return last
}

export default benchmark({
  title: `Recovery after kill -9: ${WORKERS} worker processes (each ${CONCURRENCY} at once, ${WAIT_MS} ms per answer), one killed mid-run`,
  description: `Each run starts ${WORKERS} worker processes with the default lockDuration (5 s), distributes \`http\` jobs answered by a local server after ${WAIT_MS} ms, and in the second case kills one worker with SIGKILL once requests are in flight. "recovery ms" is from the kill to when the last of its unanswered jobs started again on another worker (target: within 10 s); "batch ms" is the distribution alone (the case's time includes starting the workers).`,
  baseline: 'none killed',
  runs: 3,
  quickRuns: 1,
  warmup: 0,
  async setup(ctx) {
    items = ctx.scale(120, 24)
    await cluster.start()
    server = createServer((request, response) => {
      const i = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('i'))
      const attempt = { at: performance.now(), answered: false }
      requests.set(i, [...(requests.get(i) ?? []), attempt])
      setTimeout(() => {
        if (response.destroyed) return
        attempt.answered = true
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      }, WAIT_MS)
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
  },
  async teardown() {
    await cluster.stop()
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  },
  cases: {
    'none killed': () => distribute(false),
    'one killed with kill -9': () => distribute(true),
  },
})
