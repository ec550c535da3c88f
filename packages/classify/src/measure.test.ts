import { describe, expect, it } from 'vitest'
import { busyShare, loopActiveMs } from './measure'
import { windowWait } from './thread-times'

type Times = Parameters<typeof busyShare>[0]

/** A 100 ms window of an event loop busy throughout, with the given thread figures. */
const busy = (times: Partial<Times>) =>
  busyShare({ wallMs: 100, mainActiveMs: 100, threadCpuMs: 0, threadWaitMs: 0, others: null, ...times })

describe('busyShare', () => {
  it('does not read a waiting thread as busy because other threads compiled for a few ms', () => {
    // A child process that sleeps 50 ms: its exit keeps the event loop "active", the thread itself
    // computed 3 ms, and V8's background threads 8 ms. The task is I/O (below `mixedBusy`, 0.2).
    const share = busy({ wallMs: 54, mainActiveMs: 54, threadCpuMs: 3, others: { cpuMs: 8, waitMs: 0 } })
    expect(share).toBeCloseTo(6 / 54)
  })

  it('counts helpers that share the thread’s work, such as parallel GC', () => {
    expect(busy({ threadCpuMs: 60, others: { cpuMs: 30, waitMs: 0 } })).toBeCloseTo(0.9)
  })

  it('takes the time spent waiting for a core out of the wall time', () => {
    // CPU-bound on a loaded machine: on a core half the time, queued the other half.
    expect(busy({ threadCpuMs: 49, threadWaitMs: 50 })).toBeCloseTo(0.98)
  })

  it('does not trust a lagging CPU counter when the thread barely had a core', () => {
    // A sync loop on a crowded machine: 4 ms on a core in a 40 ms window, and the thread's own
    // counter not yet advanced (it moves once per scheduler tick while the thread runs).
    expect(busy({ wallMs: 40, mainActiveMs: 40, threadCpuMs: 0, threadWaitMs: 36 })).toBe(1)
  })

  it('reads a thread that computed as busy when its waits for a core fell in the idle time', () => {
    // Seen under load (fetch, then parse 2 MB): 22.9 ms on a core in a 116.8 ms window, charged
    // with 49 ms of waits, more than the event loop's 48.6 ms of active time. A wait after a wake-up
    // falls in the loop's idle time, so active - wait read 0 and the sample read as I/O.
    const share = busy({ wallMs: 116.8, mainActiveMs: 48.6, threadCpuMs: 22.9, threadWaitMs: 49 })
    expect(share).toBeCloseTo(22.9 / (116.8 - 49))
  })

  it('is the event loop’s share when the CPU bound is higher', () => {
    expect(busy({ mainActiveMs: 30, threadCpuMs: 40, others: { cpuMs: 5, waitMs: 5 } })).toBeCloseTo(0.3)
  })

  it('reads a window whose charged wait was cut by windowWait as busy', () => {
    // Seen under load: a 30 ms window of a thread computing 12.8 ms, charged with 30.8 ms of wait.
    const wait = windowWait(30, 12.8, 30.8)
    expect(busy({ wallMs: 30, mainActiveMs: 30, threadCpuMs: 12.8, threadWaitMs: wait })).toBe(1)
  })
})

describe('loopActiveMs', () => {
  it('reads a window before the event loop starts as active throughout', () => {
    // A sync task classified at a script's top level: utilization reads 0 until the loop starts.
    expect(loopActiveMs(100, 160, 0, -1)).toBe(60)
  })

  it('counts the time before the loop started as active, then the loop’s own figure', () => {
    expect(loopActiveMs(100, 160, 15, 130)).toBe(45)
  })

  it('is the loop’s own figure, at most the window, once the loop runs', () => {
    expect(loopActiveMs(100, 160, 20, 50)).toBe(20)
    expect(loopActiveMs(100, 160, 61, 50)).toBe(60)
  })
})
