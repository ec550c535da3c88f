import { describe, expect, it } from 'vitest'
import { busyShare, windowWait } from './measure'

describe('busyShare', () => {
  it('does not read a waiting thread as busy because other threads compiled for a few ms', () => {
    // A child process that sleeps 50 ms: its exit keeps the event loop "active", the thread itself
    // computed 3 ms, and V8's background threads 8 ms. The task is I/O (below `mixedBusy`, 0.2).
    const busy = busyShare({
      wallMs: 54,
      mainActiveMs: 54,
      threadCpuMs: 3,
      threadWaitMs: 0,
      others: { cpuMs: 8, waitMs: 0 },
    })
    expect(busy).toBeCloseTo(6 / 54)
  })

  it('counts helpers that share the thread’s work, such as parallel GC', () => {
    const busy = busyShare({
      wallMs: 100,
      mainActiveMs: 100,
      threadCpuMs: 60,
      threadWaitMs: 0,
      others: { cpuMs: 30, waitMs: 0 },
    })
    expect(busy).toBeCloseTo(0.9)
  })

  it('takes the time spent waiting for a core out of the wall time', () => {
    // CPU-bound on a loaded machine: on a core half the time, queued the other half.
    const busy = busyShare({
      wallMs: 100,
      mainActiveMs: 100,
      threadCpuMs: 49,
      threadWaitMs: 50,
      others: null,
    })
    expect(busy).toBeCloseTo(0.98)
  })

  it('does not trust a lagging CPU counter when the thread barely had a core', () => {
    // A sync loop on a crowded machine: 4 ms on a core in a 40 ms window, and the thread's own
    // counter not yet advanced (it moves once per scheduler tick while the thread runs).
    const busy = busyShare({ wallMs: 40, mainActiveMs: 40, threadCpuMs: 0, threadWaitMs: 36, others: null })
    expect(busy).toBe(1)
  })

  it('is the event loop’s share when the CPU bound is higher', () => {
    const busy = busyShare({
      wallMs: 100,
      mainActiveMs: 30,
      threadCpuMs: 40,
      threadWaitMs: 0,
      others: { cpuMs: 5, waitMs: 5 },
    })
    expect(busy).toBeCloseTo(0.3)
  })
})

describe('windowWait', () => {
  it('keeps a wait that fits in the time the thread did not run', () => {
    expect(windowWait(50, 20, 25)).toBe(25)
  })

  it('cuts a wait charged beyond the window to the time the thread did not run', () => {
    // Seen under load: a 3 ms window of a thread computing throughout, charged with 20 ms of wait
    // (the kernel adds a wait when the thread gets its core back). Uncut, busyShare read it as 0.
    expect(windowWait(3, 3.1, 20.4)).toBe(0)
    expect(windowWait(30, 12.8, 30.8)).toBeCloseTo(17.2)
    const wait = windowWait(30, 12.8, 30.8)
    expect(
      busyShare({ wallMs: 30, mainActiveMs: 30, threadCpuMs: 12.8, threadWaitMs: wait, others: null }),
    ).toBe(1)
  })

  it('is never negative', () => {
    expect(windowWait(10, 2, -1)).toBe(0)
  })
})
