import type { LearnedWindow } from './learned-window'
import type { ServerBudget } from './server-budget'

/**
 * One sliding rate window that counts starts: at most `limit` in any `interval` ms. Keeps the last
 * `limit` start times in a ring, so the check is exact and O(1), and a shorter window learned from
 * the server (of at most `limit` starts) can be read from the same ring.
 */
export class RateWindow {
  readonly limit: number
  readonly interval: number
  readonly cost = undefined
  /** The server's view of this budget, when its headers are read. */
  server: ServerBudget | undefined = undefined
  /** How the server enforces this budget, as its headers taught it (when they are read). */
  learned: LearnedWindow | undefined = undefined
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

  /** The i-th start kept, oldest first. */
  #at(i: number): number {
    const oldest = this.#count < this.limit ? 0 : this.#next
    return this.#starts[(oldest + i) % this.limit]!
  }

  /** The index of the first start kept at or after `since` (a binary search, oldest to newest). */
  #firstSince(since: number): number {
    let low = 0
    let high = this.#count
    while (low < high) {
      const mid = (low + high) >> 1
      if (this.#at(mid) < since) low = mid + 1
      else high = mid
    }
    return low
  }

  /** Starts at or after `since` (at most `limit` are kept). */
  usedSince(since: number, _now?: number): number {
    return this.#count - this.#firstSince(since)
  }

  /** When a start (`_amount` is 1) fits in a sliding window of `limit` (<= this one's) over `span` ms. */
  freeAtOver(_amount: number, limit: number, span: number, now: number): number {
    const excess = this.usedSince(now - span) + 1 - limit
    if (excess <= 0) return Number.NEGATIVE_INFINITY
    return this.#at(this.#firstSince(now - span) + excess - 1) + span
  }

  /** When the starts at or after `since` free `excess` starts, each `span` after it. */
  creditAt(excess: number, since: number, span: number, _now?: number): number {
    if (excess <= 0) return Number.NEGATIVE_INFINITY
    const i = this.#firstSince(since) + Math.ceil(excess) - 1
    return i < this.#count ? this.#at(i) + span : Number.NEGATIVE_INFINITY
  }

  /** Whether a start kept falls within [from, to]. */
  startedWithin(from: number, to: number, _now?: number): boolean {
    const i = this.#firstSince(from)
    return i < this.#count && this.#at(i) <= to
  }

  /** Starts in the window ending at `now` (those that have not slid out). */
  used(now: number): number {
    let low = 0
    let high = this.#count
    while (low < high) {
      const mid = (low + high) >> 1
      if (this.#at(mid) + this.interval <= now) low = mid + 1
      else high = mid
    }
    return this.#count - low
  }
}
