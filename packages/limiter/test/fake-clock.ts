import type { Clock } from '../src/index'

/**
 * A manual clock for tests: timers fire only when `advance` (or `runAll`) moves time past them, so
 * backoff, rate windows and cooldowns run with no real sleeps.
 */
export class FakeClock implements Clock {
  time: number
  #timers = new Map<number, { at: number; callback: () => void }>()
  #nextId = 1
  /** The longest delay any timer was given, in ms. */
  longest = 0

  constructor(start = 1_700_000_000_000) {
    this.time = start
  }

  now = (): number => this.time

  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.#nextId++
    if (ms > this.longest) this.longest = ms
    this.#timers.set(id, { at: this.time + Math.max(0, ms), callback })
    return id
  }

  clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number)
  }

  get pending(): number {
    return this.#timers.size
  }

  /** The time of the next timer, or undefined. */
  nextAt(): number | undefined {
    let at: number | undefined
    for (const t of this.#timers.values()) if (at === undefined || t.at < at) at = t.at
    return at
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms
    await flush()
    for (;;) {
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      this.#timers.delete(due[0])
      this.time = Math.max(this.time, due[1].at)
      due[1].callback()
      await flush()
    }
    this.time = end
    await flush()
  }

  /** Fires timers one after another until none is left (or `limit` is reached). */
  async runAll(limit = 10_000): Promise<void> {
    await flush()
    for (let i = 0; i < limit; i++) {
      const at = this.nextAt()
      if (at === undefined) return
      await this.advance(at - this.time)
    }
    throw new Error('timers keep coming')
  }
}

/** Lets queued promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
