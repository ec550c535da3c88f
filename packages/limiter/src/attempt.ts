import { type Charge, type LimiterReport, UNTRACKED } from './charge'
import { checkReport } from './cost'

/** What each attempt receives (`run`'s `fn`, `retry`'s `fn`). */
export interface AttemptContext {
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number
  /** Aborts when the caller's signal aborts, or (in a limiter) when the attempt times out. */
  readonly signal: AbortSignal
  /**
   * Tells the limiter what this attempt really cost (`{ cost: { tokens: usage.total_tokens } }`:
   * replaces the estimate in the weighted windows) and the answer's rate-limit `headers`. Call it
   * once per attempt; a later call replaces the cost. An amount that is no count for its window (not
   * a number, NaN, negative, infinite, above the window's limit) is ignored: the estimate stays. A
   * bad argument throws `ERR_INVALID_OPTION`; a getter in it that throws, `ERR_CALLBACK_FAILED`.
   * Standalone `retry()` only checks the argument.
   */
  readonly report: (report: LimiterReport) => void
}

/** What `map`/`stream` pass to `fn` besides the item. */
export interface ItemContext extends AttemptContext {
  /** The item's 0-based position in the input. */
  readonly index: number
}

/** `report` outside a limiter: checks its argument, nothing else. */
export function checkOnly(report: LimiterReport): void {
  checkReport(report)
}

/** One attempt of a job: its context for `fn`, its lazily created AbortController and slot state. */
export class Attempt implements ItemContext {
  readonly attempt: number
  /** The item's input position (map/stream); 0 for `run`. */
  readonly index: number
  /** What its start was charged in the rate windows. */
  readonly charge: Charge
  /** True while the attempt holds its concurrency slot. */
  holding = true
  /** Per-attempt timeout timer, when `timeout` is set. */
  timer: unknown = undefined
  /** Resolves the promise p-queue awaits, releasing the slot early (timeout, abort). */
  release: (() => void) | undefined = undefined
  #controller: AbortController | undefined = undefined
  #aborted = false
  #reason: unknown = undefined
  #report: ((report: LimiterReport) => void) | undefined = undefined

  constructor(attempt: number, index: number, charge: Charge = UNTRACKED) {
    this.attempt = attempt
    this.index = index
    this.charge = charge
  }

  /** Created on first read: attempts that never look at their signal cost no AbortController. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#aborted) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  /** Bound on first read, so that `{ report }` can be destructured; free for attempts that never report. */
  get report(): (report: LimiterReport) => void {
    if (this.#report === undefined) {
      const charge = this.charge
      this.#report = (report) => {
        charge.reporter?.report(charge, checkReport(report))
      }
    }
    return this.#report
  }

  abort(reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason
    this.charge.reporter?.ended(this.charge)
    this.#controller?.abort(reason)
  }
}
