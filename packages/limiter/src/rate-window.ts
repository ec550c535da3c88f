/**
 * One sliding rate window: at most `limit` starts in any `interval` ms. Keeps the last `limit`
 * start times in a ring, so the check is exact and O(1).
 */
export class RateWindow {
  readonly limit: number
  readonly interval: number
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
}
