/** What each attempt receives (`run`'s `fn`, `retry`'s `fn`). */
export interface AttemptContext {
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number
  /** Aborts when the caller's signal aborts, or (in a limiter) when the attempt times out. */
  readonly signal: AbortSignal
}

/** What `map`/`stream` pass to `fn` besides the item. */
export interface ItemContext extends AttemptContext {
  /** The item's 0-based position in the input. */
  readonly index: number
}

/** One attempt of a job: its context for `fn`, its lazily created AbortController and slot state. */
export class Attempt implements ItemContext {
  readonly attempt: number
  /** The item's input position (map/stream); 0 for `run`. */
  readonly index: number
  /** True while the attempt holds its concurrency slot. */
  holding = true
  /** Per-attempt timeout timer, when `timeout` is set. */
  timer: unknown = undefined
  /** Resolves the promise p-queue awaits, releasing the slot early (timeout, abort). */
  release: (() => void) | undefined = undefined
  #controller: AbortController | undefined = undefined
  #aborted = false
  #reason: unknown = undefined

  constructor(attempt: number, index: number) {
    this.attempt = attempt
    this.index = index
  }

  /** Created on first read: attempts that never look at their signal cost no AbortController. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#aborted) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  abort(reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason
    this.#controller?.abort(reason)
  }
}
