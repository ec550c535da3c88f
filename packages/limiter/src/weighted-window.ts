import type { CostEntry } from './charge'
import type { ServerBudget } from './server-budget'

/**
 * One sliding rate window that counts a cost (e.g. tokens): at most `limit` of it started in any
 * `interval` ms. Keeps each start's entry until it slides out, so a report can correct its cost.
 */
export class WeightedWindow {
  readonly limit: number
  readonly interval: number
  /** The name of the cost counted. */
  readonly cost: string
  /** The server's view of this budget, when its headers are read. */
  server: ServerBudget | undefined = undefined
  #entries: CostEntry[] = []
  #head = 0
  /** Cost of the live entries. */
  #sum = 0

  constructor(limit: number, interval: number, cost: string) {
    this.limit = limit
    this.interval = interval
    this.cost = cost
  }

  /** Drops the entries that slid out of the window ending at `now`. */
  #expire(now: number): void {
    const entries = this.#entries
    let head = this.#head
    while (head < entries.length && entries[head]!.at + this.interval <= now) {
      const entry = entries[head++]!
      entry.live = false
      this.#sum -= entry.cost
    }
    if (head === entries.length) {
      this.#entries = []
      this.#head = 0
      this.#sum = 0
    } else if (head > 1024 && head * 2 > entries.length) {
      this.#entries = entries.slice(head)
      this.#head = 0
    } else this.#head = head
  }

  /** When a start of `cost` fits: `now` or earlier if it fits right now. */
  freeAt(cost: number, now: number): number {
    this.#expire(now)
    let excess = this.#sum + cost - this.limit
    if (excess <= 0) return Number.NEGATIVE_INFINITY
    const entries = this.#entries
    for (let i = this.#head; i < entries.length; i++) {
      excess -= entries[i]!.cost
      if (excess <= 0) return entries[i]!.at + this.interval
    }
    return Number.NEGATIVE_INFINITY
  }

  record(now: number, cost: number): CostEntry {
    const entry: CostEntry = { at: now, cost, live: true }
    this.#entries.push(entry)
    this.#sum += cost
    return entry
  }

  /** The entry's start now counts `cost` (the real cost replacing the estimate). */
  adjust(entry: CostEntry, cost: number): void {
    if (entry.live) this.#sum += cost - entry.cost
    entry.cost = cost
  }

  /** Cost started in the window ending at `now`. */
  used(now: number): number {
    this.#expire(now)
    return this.#sum
  }
}
