import { describe, expect, it, vi } from 'vitest'
import { FakeClock } from '../test/fake-clock'
import { createLimiter, type ItemContext, type Outcome } from './index'
import { WeightedWindow } from './weighted-window'

/** Whether (and with what) a promise has settled, without awaiting it. */
const track = (promise: Promise<unknown>) => {
  const state: { settled: boolean; value?: unknown } = { settled: false }
  const settle = (value: unknown) => {
    state.settled = true
    state.value = value
  }
  promise.then(settle, settle)
  return state
}

/** A token window that gives back what a report says was not used (as a refunding server does). */
const tokens = (limit: number, interval = 1000) => ({ limit, interval, cost: 'tokens', refund: true })

describe('WeightedWindow', () => {
  it('admits costs up to the limit, then frees exactly when enough cost slides out', () => {
    const w = new WeightedWindow(100, 1000, 'tokens')
    expect(w.freeAt(60, 0)).toBe(Number.NEGATIVE_INFINITY)
    w.record(0, 60)
    w.record(200, 30)
    expect(w.freeAt(10, 300)).toBe(Number.NEGATIVE_INFINITY)
    // 90 used: 50 more fits once the 60 of t=0 slid out (t=1000), 80 only once both did (t=1200).
    expect(w.freeAt(50, 300)).toBe(1000)
    expect(w.freeAt(80, 300)).toBe(1200)
    expect(w.used(999)).toBe(90)
    expect(w.used(1000)).toBe(30)
  })

  it('a corrected cost replaces the estimate while the entry counts; not after it slid out', () => {
    const w = new WeightedWindow(100, 1000, 'tokens')
    const a = w.record(0, 80)
    expect(w.freeAt(50, 10)).toBe(1000)
    w.adjust(a, 20) // refund 60
    expect(w.freeAt(50, 10)).toBe(Number.NEGATIVE_INFINITY)
    w.adjust(a, 120) // charge more than the limit: blocks until it slides out
    expect(w.freeAt(0, 10)).toBe(1000)
    expect(w.used(1000)).toBe(0)
    w.adjust(a, 5)
    expect(w.used(1000)).toBe(0)
  })

  it('usedSince and freeAtOver agree with a sum over every entry while starts, reports and expiry move the window', () => {
    const w = new WeightedWindow(1e9, 1000, 'tokens')
    const entries: { at: number; cost: number }[] = []
    let seed = 7
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    let now = 0
    for (let step = 0; step < 3000; step++) {
      now += Math.floor(random() * 4)
      const roll = random()
      if (roll < 0.5) entries.push(w.record(now, Math.floor(random() * 100)))
      else if (roll < 0.6 && entries.length > 0) {
        w.adjust(entries[Math.floor(random() * entries.length)] as never, Math.floor(random() * 100))
      } else {
        // Spans that shrink and grow, as a learned window's does.
        const since = now - Math.floor(random() * 1200)
        const expected = entries
          .filter((e) => e.at + 1000 > now && e.at >= since)
          .reduce((sum, e) => sum + e.cost, 0)
        expect(w.usedSince(since, now)).toBe(expected)
        expect(w.freeAtOver(0, expected, now - since, now)).toBe(Number.NEGATIVE_INFINITY)
      }
    }
  })
})

describe('WeightedWindow under a clock that steps back', () => {
  it('keeps its sums equal to the entries it holds', () => {
    const w = new WeightedWindow(1e9, 1000, 'tokens')
    w.record(1000, 10)
    expect(w.usedSince(600, 1000)).toBe(10)
    // The clock steps back 500 ms: the start counts at the last entry's time, and its report too.
    const back = w.record(500, 10)
    w.adjust(back, 100)
    expect(w.usedSince(600, 1100)).toBe(110)
    for (let t = 1200; t <= 5000; t += 100) w.record(t, 10)
    // Only the last second's entries: a start every 100 ms after 4,000 ms.
    expect(w.usedSince(4000, 5000)).toBe(100)
    expect(w.usedSince(4500, 5000)).toBe(60)
  })

  it('counts a start the clock dates before the span last read within that span, as the walk counts it', () => {
    const w = new WeightedWindow(1e9, 1000, 'tokens')
    w.record(1000, 10)
    expect(w.usedSince(1800, 1900)).toBe(0)
    // The clock steps back below the span just read: these starts count from its start, 1,800 ms.
    w.record(1200, 5)
    w.record(1300, 7)
    w.record(1900, 3)
    expect(w.usedSince(1800, 1950)).toBe(15)
    expect([...w.entriesSince(1800, 1950)].map((e) => e.at)).toEqual([1800, 1800, 1900])
  })
})

describe('weighted rate windows in the limiter (fake clock)', () => {
  it('counts each start at its cost and holds a start until its cost fits', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({ clock, rate: tokens(100) })
    const starts: number[] = []
    const task = (n: number) => limiter.run(() => starts.push(clock.now()), { cost: { tokens: n } })
    const all = [task(40), task(40), task(40), task(0)].map(track)
    await clock.advance(0)
    // The third does not fit (80 + 40 > 100) and the one behind it waits its turn (FIFO).
    expect(starts).toEqual([0, 0])
    expect(limiter.stats().windows).toMatchObject([{ limit: 100, interval: 1000, cost: 'tokens', used: 80 }])
    await clock.advance(999)
    expect(starts).toEqual([0, 0])
    await clock.advance(1)
    expect(starts).toEqual([0, 0, 1000, 1000])
    expect(all.every((s) => s.settled)).toBe(true)
  })

  it("report({ cost }) refunds the estimate's excess: the next start goes at once", async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({ clock, rate: tokens(100) })
    const first = track(
      limiter.run(({ report }) => report({ cost: { tokens: 10 } }), { cost: { tokens: 90 } }),
    )
    const second = track(limiter.run(() => clock.now(), { cost: { tokens: 80 } }))
    await clock.advance(0)
    expect(first.settled).toBe(true)
    expect(second.value).toBe(0)
    expect(limiter.stats().windows[0]?.used).toBe(90)
  })

  it('report({ cost }) above the estimate charges the difference (later starts wait for it)', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({ clock, rate: tokens(100) })
    await limiter.run(({ report }) => report({ cost: { tokens: 100 } }), { cost: { tokens: 10 } })
    const next = track(limiter.run(() => clock.now(), { cost: { tokens: 1 } }))
    await clock.advance(999)
    expect(next.settled).toBe(false)
    await clock.advance(1)
    expect(next.value).toBe(1000)
  })

  it('a reported cost that is no count (NaN, Infinity, 1e308, negative, a string, above the limit) is ignored: the estimate stays', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({ clock, rate: tokens(100, 60_000), headers: false })
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e308, -5, '5', null, 101]) {
      await limiter.run(({ report }) => report({ cost: { tokens: bad as number } }), { cost: { tokens: 10 } })
    }
    expect(limiter.stats().windows[0]?.used).toBe(70)
    // The window was not poisoned: the next start that fits goes at once.
    const next = track(limiter.run(() => clock.now(), { cost: { tokens: 30 } }))
    await clock.advance(0)
    expect(next.value).toBe(0)
  })

  it('a later report replaces the earlier one (it does not add to it)', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({ clock, rate: tokens(100) })
    await limiter.run(
      ({ report }) => {
        report({ cost: { tokens: 70 } })
        report({ cost: { tokens: 30 } })
      },
      { cost: { tokens: 50 } },
    )
    expect(limiter.stats().windows[0]?.used).toBe(30)
  })

  it('a cost alone above a window fails at once with ERR_COST_TOO_HIGH (run, map item, stream item)', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({ clock, rate: [{ limit: 5, interval: 1000 }, tokens(100)] })
    await expect(limiter.run(() => 'never', { cost: { tokens: 101 } })).rejects.toMatchObject({
      code: 'ERR_COST_TOO_HIGH',
    })
    const outcomes = await limiter.map([40, 101, 40], (n) => n, {
      settle: true,
      cost: (n) => ({ tokens: n }),
    })
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((outcomes[1] as { error: { code: string } }).error.code).toBe('ERR_COST_TOO_HIGH')
    const streamed: Outcome<number>[] = []
    for await (const o of limiter.stream([1, 500], (n) => n, { cost: (n) => ({ tokens: n }) }))
      streamed.push(o)
    expect(streamed.find((o) => o.index === 1)).toMatchObject({ status: 'rejected', attempts: 0 })
    expect(limiter.stats().failed).toBe(2) // the refused run() never became a job
  })

  it('costs of 0 count nothing; negative, NaN, Infinity and non-numbers are ERR_INVALID_OPTION at the call', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({ clock, rate: tokens(10) })
    for (let i = 0; i < 50; i++) await limiter.run(() => i, { cost: { tokens: 0 } })
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5', null]) {
      await expect(limiter.run(() => 1, { cost: { tokens: bad as number } })).rejects.toMatchObject({
        code: 'ERR_INVALID_OPTION',
      })
    }
    for (const bad of [undefined, 5, 'x', { requests: 1 }]) {
      await expect(
        limiter.run(() => 1, { cost: bad as unknown as { tokens: number } }),
      ).rejects.toMatchObject({
        code: 'ERR_INVALID_OPTION',
      })
    }
    // A weighted window needs a cost: map without one is refused at the call.
    await expect(limiter.map([1], (n) => n)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    expect(() => createLimiter({ rate: { limit: 1, interval: 1, cost: '' } })).toThrow(/rate.cost/)
  })

  it("map/stream: the cost function's bad result fails that item (ERR_INVALID_OPTION), a throw fails it with ERR_CALLBACK_FAILED; the batch goes on", async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({ clock, rate: tokens(100) })
    const boom = new Error('no estimate')
    const outcomes = await limiter.map([1, 2, 3, 4], (n) => n, {
      settle: true,
      cost: (n) => {
        if (n === 2) return { tokens: -5 }
        if (n === 3) throw boom
        return { tokens: 1 }
      },
    })
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled'])
    expect(outcomes[1]).toMatchObject({ error: { code: 'ERR_INVALID_OPTION' }, attempts: 0 })
    expect(outcomes[2]).toMatchObject({ error: { code: 'ERR_CALLBACK_FAILED', cause: boom } })
    // Without settle, the first bad item rejects the map.
    await expect(
      limiter.map([1, 2], (n) => n, { cost: () => ({ tokens: Number.NaN }) }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
    })
  })

  it('many bad items in a row neither recurse nor stall', async () => {
    const limiter = createLimiter({ rate: tokens(100) })
    const outcomes = await limiter.map(
      Array.from({ length: 20_000 }, (_, i) => i),
      (n) => n,
      { settle: true, cost: (n) => ({ tokens: n === 19_999 ? 1 : -1 }) },
    )
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
  })

  it("each start reads a few of the window's entries, not every entry of the learned server window", async () => {
    // The learned window (1 s before any header) is summed at every start: kept as a running sum,
    // not added up again over all the starts of its last second.
    const reads = { count: 0 }
    const record = WeightedWindow.prototype.record
    const spy = vi.spyOn(WeightedWindow.prototype, 'record').mockImplementation(function (
      this: WeightedWindow,
      ...args: Parameters<WeightedWindow['record']>
    ) {
      const entry = record.apply(this, args)
      for (const key of ['at', 'cost'] as const) {
        let value = entry[key]
        Object.defineProperty(entry, key, {
          get: () => {
            reads.count++
            return value
          },
          set: (v: number) => {
            value = v
          },
        })
      }
      return entry
    })
    try {
      const clock = new FakeClock(0)
      const limiter = createLimiter({ clock, concurrency: 8, rate: tokens(1e12, 60_000) })
      const n = 4000
      for (let i = 0; i < n; i++) limiter.run(() => i, { cost: { tokens: 100 + (i % 900) } })
      await limiter.onIdle()
      expect(limiter.stats().windows[0]?.used).toBe(
        Array.from({ length: n }, (_, i) => 100 + (i % 900)).reduce((a, b) => a + b, 0),
      )
      expect(reads.count / n).toBeLessThan(20)
    } finally {
      spy.mockRestore()
    }
  })

  it('a retry is charged again at its start; report corrects the attempt that made it', async () => {
    const clock = new FakeClock(0)
    const limiter = createLimiter({
      clock,
      rate: tokens(1000, 10_000),
      headers: false,
      retry: { minDelay: 10, jitter: 'none' },
    })
    const value = limiter.run(
      ({ attempt, report }: ItemContext | { attempt: number; report: ItemContext['report'] }) => {
        report({ cost: { tokens: 5 } })
        if (attempt === 1) throw Object.assign(new Error('busy'), { status: 503 })
        return attempt
      },
      { cost: { tokens: 100 } },
    )
    await clock.advance(10)
    expect(await value).toBe(2)
    expect(limiter.stats().windows[0]?.used).toBe(10)
  })
})
