import type { CostEntry } from './charge'
import type { LearnedWindow } from './learned-window'
import type { ServerBudget } from './server-budget'

/**
 * One sliding rate window that counts a cost (e.g. tokens): at most `limit` of it started in any
 * `interval` ms. Keeps each start's entry until it slides out, so a report can correct its cost and
 * a shorter window learned from the server can be read from the same log.
 */
export class WeightedWindow {
  readonly limit: number
  readonly interval: number
  /** The name of the cost counted. */
  readonly cost: string
  /** Whether a reported cost below the charge is given back (`'auto'`: once the server's headers show it). */
  readonly refund: boolean | 'auto'
  /** The server's view of this budget, when its headers are read. */
  server: ServerBudget | undefined = undefined
  /** How the server enforces this budget, as its headers taught it (when they are read). */
  learned: LearnedWindow | undefined = undefined
  #entries: CostEntry[] = []
  #head = 0
  /** Cost of the live entries. */
  #sum = 0
  /**
   * The learned server window's sum, kept: the cost of the entries from `#edge` on, the first one
   * started at or after `#edgeSince` (the last `since` read). It is asked at every start over a span
   * that moves with the clock, so the edge moves instead (each entry added and dropped once) of the
   * span being added up again.
   */
  #edge = 0
  #edgeSince = Number.NEGATIVE_INFINITY
  #edgeSum = 0

  constructor(limit: number, interval: number, cost: string, refund: boolean | 'auto' = true) {
    this.limit = limit
    this.interval = interval
    this.cost = cost
    this.refund = refund
  }

  /** Drops the entries that slid out of the window ending at `now`. */
  #expire(now: number): void {
    const entries = this.#entries
    let head = this.#head
    while (head < entries.length && entries[head]!.at + this.interval <= now) {
      const entry = entries[head]!
      entry.live = false
      this.#sum -= entry.cost
      if (head >= this.#edge) this.#edgeSum -= entry.cost
      head++
    }
    if (this.#edge < head) this.#edge = head
    if (head === entries.length) {
      this.#entries = []
      this.#head = 0
      this.#sum = 0
      this.#edge = 0
      this.#edgeSum = 0
    } else if (head > 1024 && head * 2 > entries.length) {
      this.#entries = entries.slice(head)
      this.#head = 0
      this.#edge -= head
    } else this.#head = head
  }

  /** When a start of `cost` fits: `now` or earlier if it fits right now. */
  freeAt(cost: number, now: number): number {
    this.#expire(now)
    return this.#freeAfter(this.#head, this.#sum + cost - this.limit, this.interval)
  }

  /**
   * When the entries from `from` on, sliding out `span` after they started, free `excess`; a cost
   * larger than the limit goes once they all have (an empty window admits it).
   */
  #freeAfter(from: number, excess: number, span: number): number {
    if (excess <= 0) return Number.NEGATIVE_INFINITY
    const entries = this.#entries
    for (let i = from; i < entries.length; i++) {
      excess -= entries[i]!.cost
      if (excess <= 0) return entries[i]!.at + span
    }
    return from < entries.length ? entries[entries.length - 1]!.at + span : Number.NEGATIVE_INFINITY
  }

  /** The first live entry started at or after `since` (entries.length when none). */
  #firstSince(since: number): number {
    let low = this.#head
    let high = this.#entries.length
    while (low < high) {
      const mid = (low + high) >> 1
      if (this.#entries[mid]!.at < since) low = mid + 1
      else high = mid
    }
    return low
  }

  /** Cost started at or after `since` (within the window). */
  usedSince(since: number, now: number): number {
    this.#expire(now)
    const entries = this.#entries
    let edge = this.#edge
    let sum = this.#edgeSum
    while (edge < entries.length && entries[edge]!.at < since) sum -= entries[edge++]!.cost
    while (edge > this.#head && entries[edge - 1]!.at >= since) sum += entries[--edge]!.cost
    // Nothing left past the edge: exactly 0, so that no rounding of the moves stays behind.
    if (edge === entries.length) sum = 0
    this.#edge = edge
    this.#edgeSince = since
    this.#edgeSum = sum
    return sum
  }

  /** When a start of `cost` fits in a sliding window of `limit` over `span` ms (<= interval). */
  freeAtOver(cost: number, limit: number, span: number, now: number): number {
    const used = this.usedSince(now - span, now)
    return this.#freeAfter(this.#edge, used + cost - limit, span)
  }

  /**
   * When the entries started at or after `since` free `excess` on the server's window: each at the
   * latest its answer's reset allows (`slidesAt`: a sliding window's newest start then slid out, a
   * quantized window's end), oldest first, if that is after `after`; an entry without one frees
   * nothing sure (-Infinity: not enough).
   */
  creditAt(excess: number, since: number, after: number, now: number): number {
    this.#expire(now)
    if (excess <= 0) return Number.NEGATIVE_INFINITY
    let at = Number.NEGATIVE_INFINITY
    for (let i = this.#firstSince(since); i < this.#entries.length; i++) {
      const entry = this.#entries[i]!
      if (entry.slidesAt === undefined) return Number.NEGATIVE_INFINITY
      // Freed before `after` (the view's time): the view did not count it.
      if (entry.slidesAt <= after) continue
      at = Math.max(at, entry.slidesAt)
      excess -= entry.cost
      if (excess <= 0) return at
    }
    return Number.NEGATIVE_INFINITY
  }

  /** The live entries started at or after `since`, oldest first. */
  *entriesSince(since: number, now: number): Iterable<CostEntry> {
    this.#expire(now)
    for (let i = this.#firstSince(since); i < this.#entries.length; i++) yield this.#entries[i]!
  }

  /** Whether an entry started within [from, to] (only entries still in the window are known). */
  startedWithin(from: number, to: number, now: number): boolean {
    this.#expire(now)
    const i = this.#firstSince(from)
    return i < this.#entries.length && this.#entries[i]!.at <= to
  }

  record(now: number, cost: number, estimate = cost): CostEntry {
    // Entries stay in time order whatever a given clock does: one that steps back records at the last
    // entry's time, and not before the span last read (the kept sums read entries by their place in
    // that order, and count from the edge of that span on).
    const last = this.#entries[this.#entries.length - 1]
    const at = Math.max(now, last?.at ?? now, this.#edgeSince)
    const entry: CostEntry = { at, cost, estimate, reported: undefined, live: true }
    this.#entries.push(entry)
    this.#sum += cost
    if (at >= this.#edgeSince) this.#edgeSum += cost
    return entry
  }

  /** The entry's start now counts `cost` (the real cost replacing the estimate). */
  adjust(entry: CostEntry, cost: number): void {
    if (entry.live) {
      this.#sum += cost - entry.cost
      if (entry.at >= this.#edgeSince) this.#edgeSum += cost - entry.cost
    }
    entry.cost = cost
  }

  /** Every live entry with a reported cost below what it counts now counts that cost (refunds shown). */
  refundReported(now: number): boolean {
    let freed = false
    for (const entry of this.entriesSince(Number.NEGATIVE_INFINITY, now)) {
      if (entry.reported !== undefined && entry.reported < entry.cost) {
        this.adjust(entry, entry.reported)
        freed = true
      }
    }
    return freed
  }

  /** Cost started in the window ending at `now`. */
  used(now: number): number {
    this.#expire(now)
    return this.#sum
  }
}
