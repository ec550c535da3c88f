import { createServer, type Server } from 'node:http'
import { httpJob } from '@boundkit/queue'
import { benchmark } from '../../../bench/harness.ts'
import { BenchCluster } from './processes.ts'

/** Jobs each worker process runs at once. */
const CONCURRENCY = 4
/** How long the local server takes to answer, in ms. */
const WAIT_MS = 100
const WORKERS = [1, 2, 3]

const cluster = new BenchCluster()
let server: Server | undefined
let url = ''
let items = 0

/** A run as a program makes it: a new producer connects, distributes every item and closes. */
async function distribute(workers: number) {
  const keys = Array.from({ length: items }, (_, i) => i)
  const queue = cluster.producer(`io-${workers}`)
  await cluster.distribute(queue, keys, () => httpJob({ url }), 100)
  await queue.close()
  return { items, metrics: { 'ideal ms': (WAIT_MS * items) / (workers * CONCURRENCY) } }
}

export default benchmark({
  title: `I/O-bound jobs over BullMQ: 1, 2 and 3 worker processes (each ${CONCURRENCY} at once, ${WAIT_MS} ms per answer)`,
  description: `Each item is an \`http\` job answered by a local server after ${WAIT_MS} ms; each run is a new producer in this process (it connects, distributes with the default window of 100, and closes: a program's run, less Node's start), and the worker processes share one private redis-server with it. The throughput ratio to one worker shows how it scales with processes. Target: 3 workers at least 2.8x one worker's throughput. "ideal ms" is the time the waits alone allow.`,
  baseline: '1 worker process',
  runs: 3,
  quickRuns: 1,
  async setup(ctx) {
    items = ctx.scale(400, 48)
    await cluster.start()
    server = createServer((_, response) => {
      setTimeout(
        () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
        WAIT_MS,
      )
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
    for (const workers of WORKERS) await cluster.spawnWorkers(`io-${workers}`, workers, CONCURRENCY)
  },
  async teardown() {
    await cluster.stop()
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  },
  cases: Object.fromEntries(
    WORKERS.map((workers) => [
      `${workers} worker process${workers > 1 ? 'es' : ''}`,
      () => distribute(workers),
    ]),
  ),
})
