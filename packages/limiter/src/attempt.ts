import type { AttemptContext } from './retry'

/** One attempt of a job: its context for `fn`, its lazily created AbortController and slot state. */
export class Attempt implements AttemptContext {
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
