/** The benchmarks' redis-server and worker processes (bench/worker.mjs), started once per file. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createQueue, type Queue, type QueueJob } from '@boundkit/queue'
import { startRedis, type TestRedis } from '../test/redis.ts'

export class BenchCluster {
  #redis: TestRedis | undefined
  readonly #children: ChildProcess[] = []
  readonly #queues: Queue[] = []
  #run = 0

  async start(): Promise<void> {
    this.#redis = await startRedis()
  }

  /** Starts `processes` worker processes on the queue `name`, and returns a producer for it. */
  async workers(name: string, processes: number, concurrency: number, threads?: number): Promise<Queue> {
    await this.spawnWorkers(name, processes, concurrency, threads)
    return this.producer(name)
  }

  /** A producer of the queue `name` (it connects at its first use), closed by `stop` if not before. */
  producer(name: string): Queue {
    const queue = createQueue({ connection: this.#redis!.url, name })
    this.#queues.push(queue)
    return queue
  }

  /** Starts `processes` worker processes on the queue `name`; resolves with them once each is ready. */
  async spawnWorkers(
    name: string,
    processes: number,
    concurrency: number,
    threads?: number,
  ): Promise<ChildProcess[]> {
    const file = fileURLToPath(new URL('./worker.mjs', import.meta.url))
    const args = [file, this.#redis!.url, name, String(concurrency), ...(threads ? [String(threads)] : [])]
    return Promise.all(
      Array.from({ length: processes }, () => {
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
        this.#children.push(child)
        return new Promise<ChildProcess>((resolve, reject) => {
          child.stdout?.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('ready')) resolve(child)
          })
          child.on('exit', (code, signal) => reject(new Error(`a worker process exited (${code ?? signal})`)))
        })
      }),
    )
  }

  /** Distributes `inputs` as jobs with keys new to this run; resolves with how many fulfilled. */
  async distribute<T>(
    queue: Queue,
    inputs: T[],
    job: (input: T) => QueueJob,
    window: number,
  ): Promise<number> {
    const prefix = `${++this.#run}-`
    let done = 0
    for await (const outcome of queue.distribute(inputs, { key: (_, i) => `${prefix}${i}`, job, window })) {
      if (outcome.status === 'rejected') throw outcome.error
      done++
    }
    if (done !== inputs.length) throw new Error('lost outcomes')
    return done
  }

  async stop(): Promise<void> {
    await Promise.all(this.#queues.map((queue) => queue.close()))
    for (const child of this.#children) child.kill('SIGTERM')
    await this.#redis?.remove()
  }
}
