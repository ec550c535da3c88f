import { Fifo } from '@boundkit/internal'
import { type Admission, closedError, enter, refuse, type Waiter, waitForRoom } from './admission'
import type { GroupCommit } from './commit'
import type { Encoded } from './encode'
import type { WriterError } from './errors'

/** Writes go into the file in arrival order; beyond `maxPending` unwritten records they queue. */
export class UnorderedAdmission implements Admission {
  readonly #commit: GroupCommit
  readonly #maxPending: number
  readonly #queue = new Fifo<Waiter>()

  constructor(commit: GroupCommit, maxPending: number) {
    this.#commit = commit
    this.#maxPending = maxPending
  }

  get buffered(): number {
    return 0
  }

  get waiting(): number {
    return this.#queue.size
  }

  admit(encoded: Encoded, _seq: undefined, signal: AbortSignal | undefined): Promise<void> {
    if (this.#queue.size === 0 && this.#hasRoom()) return this.#commit.write(encoded)
    const queue = this.#queue
    return waitForRoom(
      encoded,
      -1,
      signal,
      (waiter) => queue.push(waiter),
      (waiter) => queue.remove(waiter),
    )
  }

  written(): void {
    while (this.#queue.size > 0 && this.#hasRoom()) {
      const waiter = this.#queue.shift() as Waiter
      enter(waiter, this.#commit.write(waiter.encoded))
    }
  }

  reject(error: WriterError): void {
    for (let waiter = this.#queue.shift(); waiter !== undefined; waiter = this.#queue.shift()) {
      refuse(waiter, error)
    }
  }

  close(): undefined {
    this.reject(closedError('The writer closed before this write had room'))
    return undefined
  }

  #hasRoom(): boolean {
    return this.#commit.unwritten < this.#maxPending
  }
}
