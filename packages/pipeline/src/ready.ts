import { Fifo } from '@boundkit/internal'

/**
 * Outcomes waiting for the consumer: in completion order, or in input order when `ordered` (an
 * outcome then waits until every earlier index has been taken).
 */
export class ReadyOutcomes<T extends { index: number }> {
  readonly #ordered: boolean
  readonly #inCompletionOrder = new Fifo<T>()
  readonly #byIndex = new Map<number, T>()
  #nextIndex = 0

  constructor(ordered: boolean) {
    this.#ordered = ordered
  }

  add(outcome: T): void {
    if (this.#ordered) this.#byIndex.set(outcome.index, outcome)
    else this.#inCompletionOrder.push(outcome)
  }

  /** The next outcome the consumer may have, if there is one yet. */
  take(): T | undefined {
    if (!this.#ordered) return this.#inCompletionOrder.shift()
    const next = this.#byIndex.get(this.#nextIndex)
    if (next) {
      this.#byIndex.delete(this.#nextIndex)
      this.#nextIndex++
    }
    return next
  }
}
