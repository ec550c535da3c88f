import { parentPort, workerData } from 'node:worker_threads'
import { type ServerOptions, startServer } from '@boundkit/server'

/**
 * The demo server in a worker thread of the demo's process: its CPU work (rendering images, JSON)
 * runs on its own thread, so it never blocks the main thread whose work the scenarios measure.
 * Messages: it posts `{ url }` once listening (or `{ error }`), and `{ closed: true }` after `'close'`.
 */
const port = parentPort
if (port) {
  try {
    const server = await startServer(workerData as ServerOptions)
    port.on('message', async (message) => {
      if (message !== 'close') return
      await server.close()
      port.postMessage({ closed: true })
    })
    port.postMessage({ url: server.url })
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.message : String(error) })
  }
}
