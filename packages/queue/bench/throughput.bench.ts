import { type ChildProcess, spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { createQueue, httpJob, type Queue } from '@boundkit/queue'
import { benchmark } from '../../../bench/harness.ts'
import { startRedis, type TestRedis } from '../test/redis.ts'

/** Jobs each worker process runs at once. */
const CONCURRENCY = 8
/** How long the local server takes to answer, in ms. */
const WAIT_MS = 100
const WORKERS = [1, 2, 4]

let redis: TestRedis | undefined
let server: Server | undefined
let url = ''
let items = 0
let run = 0
const children: ChildProcess[] = []
const queues = new Map<number, Queue>()

function startWorkerProcess(queue: string): Promise<ChildProcess> {
  const file = fileURLToPath(new URL('./io-worker.mjs', import.meta.url))
  const child = spawn(process.execPath, [file, redis!.url, queue, String(CONCURRENCY)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child)
    })
    child.on('exit', (code) => reject(new Error(`a worker process exited (${code})`)))
  })
}

async function distribute(workers: number) {
  const queue = queues.get(workers)!
  const prefix = `${++run}-`
  const keys = Array.from({ length: items }, (_, i) => `${prefix}${i}`)
  let done = 0
  for await (const outcome of queue.distribute(keys, {
    key: (k) => k,
    job: () => httpJob({ url }),
    window: 200,
  })) {
    if (outcome.status === 'rejected') throw outcome.error
    done++
  }
  if (done !== items) throw new Error('lost outcomes')
  return { items, metrics: { 'ideal ms': (WAIT_MS * items) / (workers * CONCURRENCY) } }
}

export default benchmark({
  title: `I/O-bound jobs over BullMQ: 1, 2 and 4 worker processes (each ${CONCURRENCY} at once, ${WAIT_MS} ms per answer)`,
  description: `Each item is an \`http\` job answered by a local server after ${WAIT_MS} ms; the producer (this process, window 200) and the worker processes share one private redis-server. The throughput ratio to one worker shows how it scales with processes. Target: N workers at least 0.9 x N times one worker's throughput. "ideal ms" is the time the waits alone allow.`,
  baseline: '1 worker process',
  runs: 3,
  quickRuns: 1,
  async setup(ctx) {
    items = ctx.scale(640, 64)
    redis = await startRedis()
    server = createServer((_, response) => {
      setTimeout(
        () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
        WAIT_MS,
      )
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
    for (const workers of WORKERS) {
      const name = `bench-${workers}`
      await Promise.all(Array.from({ length: workers }, () => startWorkerProcess(name)))
      queues.set(workers, createQueue({ connection: redis.url, name }))
    }
  },
  async teardown() {
    await Promise.all([...queues.values()].map((queue) => queue.close()))
    for (const child of children) child.kill('SIGTERM')
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    await redis?.remove()
  },
  cases: Object.fromEntries(
    WORKERS.map((workers) => [
      `${workers} worker process${workers > 1 ? 'es' : ''}`,
      () => distribute(workers),
    ]),
  ),
})
