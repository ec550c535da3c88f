import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { machineLoad, OTHERS_MIN, ownThreadsNow, startMachineLoad } from './machine-load'

/** Readers that give fixed counts: the machine's mean over the scenario, and this process's every time. */
const fake = (machine: number | null, own: number | null) => ({
  startMachine: () => () => machine,
  ownNow: () => own,
})

describe('machineLoad: whether other work kept the machine busy while a scenario ran', () => {
  it('is busy with more threads ready to run than CPUs, other processes’ among them', () => {
    // Two CPU-bound processes beside the demo's pool of two on 2 CPUs.
    expect(machineLoad(4.38, 2.31, 2)).toEqual({ threads: 4.38, otherThreads: 2.07, cpus: 2, busy: true })
  })

  it('is not busy when the demo alone keeps more threads ready than CPUs', () => {
    // The mixed scenario on a quiet machine: the pool, the downloads and the demo server at once.
    expect(machineLoad(2.43, 2.4, 2)?.busy).toBe(false)
    expect(machineLoad(2.5, 2.5 - OTHERS_MIN, 2)?.busy).toBe(true)
  })

  it('is not busy when other work leaves cores free', () => {
    expect(machineLoad(1.5, 0.5, 2)).toMatchObject({ otherThreads: 1, busy: false })
    expect(machineLoad(2, 0, 2)?.busy).toBe(false)
  })

  it('is unknown when either reading is (off Linux)', () => {
    expect(machineLoad(null, 1, 2)).toBeNull()
    expect(machineLoad(3, null, 2)).toBeNull()
  })
})

describe('startMachineLoad', () => {
  it('reads the machine and this process while the scenario runs, and decides from the means', () => {
    const stop = startMachineLoad(fake(5, 1), 2)
    expect(stop()).toEqual({ threads: 5, otherThreads: 4, cpus: 2, busy: true })
    expect(startMachineLoad(fake(1.2, 1), 2)()).toMatchObject({ busy: false })
    expect(startMachineLoad(fake(null, 1), 2)()).toBeNull()
    expect(startMachineLoad(fake(5, null), 2)()).toBeNull()
  })

  it.runIf(process.platform === 'linux')('counts a thread of this process that computes', async () => {
    // Running or ready to run whenever it is read, however busy the machine is.
    const spinner = new Worker("require('node:worker_threads').parentPort.postMessage(0); for (;;) {}", {
      eval: true,
    })
    try {
      await once(spinner, 'message')
      expect(ownThreadsNow()).toBeGreaterThanOrEqual(1)
    } finally {
      await spinner.terminate()
    }
  })
})
