import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { startLoadReading } from './index'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe.runIf(process.platform === 'linux')('startLoadReading', () => {
  it('counts a thread that computes throughout', async () => {
    // The worker spins until it is terminated: running or ready to run at every reading, however
    // busy the machine is.
    const worker = new Worker(
      `require('node:worker_threads').parentPort.postMessage('spinning')
       for (;;) {}`,
      { eval: true },
    )
    try {
      await once(worker, 'message')
      const stop = startLoadReading()
      await sleep(200)
      expect(stop()).toBeGreaterThanOrEqual(1)
    } finally {
      await worker.terminate()
    }
  })
})
