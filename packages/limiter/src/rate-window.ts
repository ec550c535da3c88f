import type { ServerBudget } from './server-budget'

/**
 * One sliding rate window that counts starts: at most `limit` in any `interval` ms. Keeps the last
 * `limit` start times in a ring, so the check is exact and O(1).
 */
export class RateWindow {
  readonly limit: number
  readonly interval: number
  readonly cost = undefined
  /** The server's view of this budget, when its headers are read. */
  server: ServerBudget | undefined = undefined
  #starts: Float64Array
  #next = 0
  #count = 0

  constructor(limit: number, interval: number) {
    this.limit = limit
    this.interval = interval
    this.#starts = new Float64Array(limit)
  }

  /** When a start is allowed again: `now` or earlier if one is allowed right now. */
  freeAt(): number {
    if (this.#count < this.limit) return Number.NEGATIVE_INFINITY
    // The oldest of the last `limit` starts sits where the next one will be written.
    return this.#starts[this.#next]! + this.interval
  }

  record(now: number): void {
    this.#starts[this.#next] = now
    this.#next = (this.#next + 1) % this.limit
    if (this.#count < this.limit) this.#count++
  }

  /** Starts in the window ending at `now` (a binary search of the ring, oldest to newest). */
  used(now: number): number {
    const oldest = this.#count < this.limit ? 0 : this.#next
    const at = (i: number) => this.#starts[(oldest + i) % this.limit]!
    let low = 0
    let high = this.#count
    while (low < high) {
      const mid = (low + high) >> 1
      if (at(mid) + this.interval <= now) low = mid + 1
      else high = mid
    }
    return this.#count - low
  }
}
