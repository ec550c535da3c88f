import { describe, expect, it, vi } from 'vitest'
import { FakeClock } from '../test/fake-clock'
import { MAX_TIMER_MS, timerSafe } from './clock'
import { Gate } from './gate'
import type { RateLimit, RetryPolicy } from './options'
import { Windows } from './windows'

/** A gate on a fake clock, with a log of what it told its owner. */
function setUp(windows: RateLimit[] = [], cooldown = { maxDelay: 300_000, jitter: 0 }, random = () => 0.5) {
  const clock = new FakeClock(0)
  const log: string[] = []
  const gate = new Gate(
    {
      clock: timerSafe(clock),
      random,
      cooldown: { after: 3, ...cooldown },
      windows,
      headers: undefined,
      adaptive: undefined,
      retry: { maxRetryAfter: 300_000 } as RetryPolicy,
    },
    {
      closed: () => log.push(`closed@${clock.now()}`),
      opened: (cooled) => log.push(`opened@${clock.now()}${cooled ? ' cooled' : ''}`),
    },
  )
  /** Admits at the clock's time; what admit returned. */
  const admit = () => gate.admit(clock.now(), undefined) !== undefined
  return { clock, log, gate, admit }
}

describe('Gate', () => {
  it('admits `limit` starts per sliding window, then reopens exactly when the oldest leaves it', async () => {
    const { clock, log, gate, admit } = setUp([{ limit: 2, interval: 100 }])
    expect(admit()).toBe(true)
    await clock.advance(30)
    expect(admit()).toBe(true) // the second start fills the window: closed at once
    expect(gate.open).toBe(false)
    expect(log).toEqual(['closed@30'])
    await clock.advance(69)
    expect(gate.open).toBe(false)
    await clock.advance(1)
    expect(log).toEqual(['closed@30', 'opened@100'])
    expect(admit()).toBe(true)
    // The window now holds 30 and 100: the next start is allowed at 130.
    await clock.advance(30)
    expect(log.at(-1)).toBe('opened@130')
  })

  it('with several windows, the one that frees up last decides', async () => {
    const { clock, log, admit } = setUp([
      { limit: 1, interval: 100 },
      { limit: 2, interval: 1000 },
    ])
    admit()
    await clock.advance(100)
    admit()
    await clock.runAll()
    expect(log).toEqual(['closed@0', 'opened@100', 'closed@100', 'opened@1000'])
  })

  it('a start refused by a closed gate returns false and keeps one timer', async () => {
    const { clock, admit } = setUp([{ limit: 1, interval: 100 }])
    admit()
    expect(admit()).toBe(false)
    expect(admit()).toBe(false)
    expect(clock.pending).toBe(1)
  })

  it('a cooldown holds starts until the Retry-After plus jitter, and only ever extends', async () => {
    const { clock, log, gate } = setUp([], { maxDelay: 300_000, jitter: 0.1 }, () => 0.5)
    expect(gate.coolDown(2000, clock.now())).toEqual({ until: 2100, delay: 2100 })
    expect(gate.coolingDown).toBe(true)
    expect(gate.timed).toBe(true)
    expect(gate.coolDown(1000, clock.now())).toBeUndefined()
    expect(gate.cooldownUntil).toBe(2100)
    await clock.advance(2099)
    expect(gate.open).toBe(false)
    await clock.advance(1)
    expect(log).toEqual(['closed@0', 'opened@2100 cooled'])
    expect(gate.coolingDown).toBe(false)
    expect(gate.admit(clock.now(), undefined)).toBeDefined()
  })

  it('caps a cooldown at maxDelay; a zero Retry-After changes nothing', () => {
    const { clock, gate } = setUp([], { maxDelay: 1000, jitter: 0 })
    expect(gate.coolDown(0, clock.now())).toBeUndefined()
    expect(gate.coolDown(3_600_000, clock.now())).toEqual({ until: 1000, delay: 1000 })
  })

  it('a cooldown longer than a timer holds is waited in steps, never fired early', async () => {
    const { clock, gate } = setUp([], { maxDelay: Number.POSITIVE_INFINITY, jitter: 0 })
    const tenYears = 10 * 365 * 86_400_000
    gate.coolDown(tenYears, clock.now())
    await clock.advance(MAX_TIMER_MS + 1)
    expect(gate.open).toBe(false)
    expect(clock.longest).toBeLessThanOrEqual(MAX_TIMER_MS)
    await clock.advance(tenYears)
    expect(gate.open).toBe(true)
  })

  it('pause refuses every start without a timer; resume reopens', () => {
    const { clock, log, gate, admit } = setUp()
    gate.pause()
    expect(gate.paused).toBe(true)
    expect(admit()).toBe(false)
    expect(clock.pending).toBe(0)
    gate.resume()
    expect(gate.open).toBe(true)
    expect(admit()).toBe(true)
    expect(log).toEqual(['closed@0', 'closed@0', 'opened@0'])
  })

  it('sleep drops the timer; wake checks again when work arrives', async () => {
    const { clock, log, gate, admit } = setUp([{ limit: 1, interval: 100 }])
    admit()
    gate.sleep()
    expect(clock.pending).toBe(0)
    await clock.advance(50)
    expect(gate.wake()).toBe(true) // still closed: re-arms for 100
    expect(clock.pending).toBe(1)
    expect(gate.wake()).toBe(false) // a timer is already armed
    await clock.advance(50)
    expect(log).toEqual(['closed@0', 'opened@100'])
    expect(gate.wake()).toBe(false) // open: nothing to do
  })

  it('a start in weighted windows reads them once; a window of starts is read again, to close when full', () => {
    const freeAt = vi.spyOn(Windows.prototype, 'freeAt')
    try {
      const tokens = setUp([{ limit: 100, interval: 100, cost: 'tokens' }])
      for (let i = 0; i < 4; i++) expect(tokens.gate.admit(0, [25])).toBeDefined()
      expect(freeAt).toHaveBeenCalledTimes(4)
      // Full, but only the next start's cost says so: it is refused, and then the gate closes.
      expect(tokens.gate.open).toBe(true)
      expect(tokens.gate.admit(0, [1])).toBeUndefined()
      expect(tokens.gate.open).toBe(false)
      freeAt.mockClear()
      const both = setUp([
        { limit: 2, interval: 100 },
        { limit: 100, interval: 100, cost: 'tokens' },
      ])
      expect(both.gate.admit(0, [25])).toBeDefined()
      expect(freeAt).toHaveBeenCalledTimes(2)
      expect(both.gate.admit(0, [25])).toBeDefined()
      expect(both.gate.open).toBe(false) // two starts fill the window of starts
    } finally {
      freeAt.mockRestore()
    }
  })

  it('stop closes it for good', async () => {
    const { clock, log, gate, admit } = setUp([{ limit: 1, interval: 100 }])
    admit()
    gate.stop()
    await clock.advance(1000)
    gate.resume()
    expect(log).toEqual(['closed@0'])
    expect(clock.pending).toBe(0)
  })
})
