import { Worker } from 'node:worker_threads'

/**
 * Hand-written `worker_threads` (no pool), the physical limit every CPU benchmark shows: one worker
 * per thread, each sent its slice's bounds in one message, the data already shared with it.
 */
export class RawWorkers {
  readonly #workers: Worker[]

  constructor(file: URL, threads: number, shared: Record<string, unknown>) {
    this.#workers = Array.from({ length: threads }, () => new Worker(file))
    for (const worker of this.#workers) worker.postMessage(shared)
  }

  /** Sends each worker one slice of `[0, length)` and resolves with their replies. */
  run(length: number, extra: Record<string, unknown> = {}): Promise<unknown[]> {
    const count = this.#workers.length
    return Promise.all(
      this.#workers.map(
        (worker, i) =>
          new Promise((resolve, reject) => {
            const done = (value: unknown) => {
              worker.off('error', fail)
              resolve(value)
            }
            const fail = (error: unknown) => {
              worker.off('message', done)
              reject(error)
            }
            worker.once('message', done)
            worker.once('error', fail)
            const start = Math.floor((length * i) / count)
            const end = Math.floor((length * (i + 1)) / count)
            worker.postMessage({ ...extra, start, end })
          }),
      ),
    )
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()))
  }
}
