import { describe, expect, it } from 'vitest'
import { otherThreadsDelta, windowWait } from './thread-times'

describe('windowWait', () => {
  it('keeps a wait that fits in the time the thread did not run', () => {
    expect(windowWait(50, 20, 25)).toBe(25)
  })

  it('cuts a wait charged beyond the window to the time the thread did not run', () => {
    // Seen under load: a 3 ms window of a thread computing throughout, charged with 20 ms of wait
    // (the kernel adds a wait when the thread gets its core back). Uncut, busyShare read it as 0.
    expect(windowWait(3, 3.1, 20.4)).toBe(0)
    expect(windowWait(30, 12.8, 30.8)).toBeCloseTo(17.2)
  })

  it('is never negative', () => {
    expect(windowWait(10, 2, -1)).toBe(0)
  })
})

describe('otherThreadsDelta', () => {
  it('sums the other threads, each busy over the time neither it nor the main thread waited', () => {
    const before = new Map([['11', [100, 50] as [number, number]]])
    // Thread 11 computed 40 ms and waited 20; thread 12 started in the window and computed 10 ms.
    const after = new Map<string, [number, number]>([
      ['11', [140, 70]],
      ['12', [10, 0]],
    ])
    const delta = otherThreadsDelta(before, after, 100, 20)
    expect(delta?.cpuMs).toBeCloseTo(50)
    expect(delta?.waitMs).toBeCloseTo(20)
    expect(delta?.share).toBeCloseTo(40 / 60 + 10 / 80)
  })

  it('is unknown when either reading is', () => {
    expect(otherThreadsDelta(null, new Map(), 100, 0)).toBeNull()
  })
})
