import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import type { ServerOptions } from '@boundkit/server'

export const serverWorker = new URL('./workers/server.js', import.meta.url)

export interface DemoServer {
  url: string
  close(): Promise<void>
}

/** Starts `@boundkit/server` in a worker thread of this process on a free port. */
export async function startDemoServer(options: ServerOptions): Promise<DemoServer> {
  const worker = new Worker(serverWorker, { workerData: options })
  const [first] = (await Promise.race([
    once(worker, 'message'),
    once(worker, 'error').then(([e]) => Promise.reject(e)),
  ])) as [{ url?: string; error?: string }]
  if (first.url === undefined) {
    await worker.terminate()
    throw new Error(`The demo server did not start: ${first.error ?? 'no address'}`)
  }
  let closing: Promise<void> | undefined
  return {
    url: first.url,
    close() {
      closing ??= (async () => {
        const closed = once(worker, 'message')
        worker.postMessage('close')
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 15_000).unref())])
        await worker.terminate()
      })()
      return closing
    },
  }
}
