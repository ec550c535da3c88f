import type { HeadersLike } from './rate-headers'

/** What `context.report()` takes: the task's real cost and the answer's headers. */
export interface LimiterReport {
  /**
   * The real cost (e.g. `{ tokens: usage.total_tokens }`): replaces the estimate in the weighted
   * windows. An amount that is not a number from 0 to the window's limit is ignored there.
   */
  cost?: Readonly<Record<string, number>>
  /** The answer's headers (a fetch `Headers` or a plain record): the server's rate-limit view. */
  headers?: HeadersLike
}

/** One start counted in a weighted window: its time and the cost it counts now. */
export interface CostEntry {
  readonly at: number
  /** What it counts now: the estimate as the server is believed to charge it, or a real cost reported. */
  cost: number
  /** The task's estimate, as given. */
  readonly estimate: number
  /** The real cost `report` gave, undefined before. */
  reported: number | undefined
  /** Still counted in its window (false once it slid out). */
  live: boolean
  /** Its attempt was answered 429: the server did not admit it (its charge still counts here). */
  refused?: boolean
  /** By its answer's reset, when a sliding server window frees it at the latest (clock ms). */
  slidesAt?: number
}

/** Applies a report to the windows (the limiter's `Windows`). */
export interface Reporter {
  report(charge: Charge, report: LimiterReport): void
  /** The attempt ended (answered, failed, timed out or cancelled): it is no longer in transit. */
  ended(charge: Charge): void
}

/**
 * What one attempt's start was charged: its time and its entries in the weighted windows, so that
 * `report` can correct them and date the headers it brings.
 */
export class Charge {
  /** `report({ headers })` was called: the attempt's end does not read its headers again. */
  headersRead = false
  /** Neighbours in the windows' list of attempts in transit (started, not ended). */
  prev: Charge | undefined = undefined
  next: Charge | undefined = undefined

  constructor(
    readonly reporter: Reporter | undefined,
    /** When the attempt started (clock ms). */
    readonly start: number,
    /** Aligned with the weighted windows; undefined when there are none. */
    readonly entries: readonly CostEntry[] | undefined,
  ) {}
}

/** The charge of every attempt when nothing is tracked (no weighted window, no header, fixed concurrency). */
export const UNTRACKED = new Charge(undefined, 0, undefined)
