import type { CostEntry } from './charge'

/** What a learned server window reads of a rate window's own log of starts (either kind). */
export interface WindowLog {
  /** The declared window's width: how long the log keeps a start (ms). */
  readonly interval: number
  /** Starts (or cost) at or after `since`. */
  usedSince(since: number, now: number): number
  /** When a start of `amount` fits in a sliding window of `limit` over `span` ms. */
  freeAtOver(amount: number, limit: number, span: number, now: number): number
  /** Whether a start kept falls within [from, to]. */
  startedWithin(from: number, to: number, now: number): boolean
}

/** The log of a window that counts a cost: its entries can be read. */
export interface CostLog extends WindowLog {
  entriesSince(since: number, now: number): Iterable<CostEntry>
}
