import { type Admission, closedError, enter, refuse, type Waiter, waitForRoom } from './admission'
import type { Deferred } from './batch'
import type { GroupCommit } from './commit'
import type { Encoded } from './encode'
import { WriterError } from './errors'

const RESOLVED = Promise.resolve()

/**
 * Writes go into the file in `seq` order. A record ahead of its turn waits in a reorder buffer (a
 * ring of `maxPending` slots, by `seq % maxPending`); a record beyond the window (`maxPending` past
 * the oldest unwritten one) waits for room, by seq. The record in turn is always accepted, so the
 * window never deadlocks.
 */
export class OrderedAdmission implements Admission {
  readonly #commit: GroupCommit
  readonly #firstSeq: number
  readonly #maxPending: number
  /** Under `'none'` a buffered record's write resolves at once (no promise of its own). */
  readonly #lazy: boolean
  readonly #ring: Array<Encoded | undefined> = []
  readonly #ringDeferred: Array<Deferred | undefined> = []
  #buffered = 0
  /** Writes beyond the window, by seq; `#admitted`: the window's end. */
  readonly #waiting = new Map<number, Waiter>()
  #admitted: number

  constructor(commit: GroupCommit, firstSeq: number, maxPending: number, lazy: boolean) {
    this.#commit = commit
    this.#firstSeq = firstSeq
    this.#maxPending = maxPending
    this.#lazy = lazy
    this.#admitted = firstSeq + maxPending
  }

  /** The seq the next record written to the file must carry. */
  get nextSeq(): number {
    return this.#firstSeq + this.#commit.accepted
  }

  get buffered(): number {
    return this.#buffered
  }

  get waiting(): number {
    return this.#waiting.size
  }

  admit(encoded: Encoded, seq: number, signal: AbortSignal | undefined): Promise<void> {
    const next = this.nextSeq
    if (seq < next) return invalidSeq(`seq ${seq} was already written (the next is ${next})`)
    if (seq >= this.#admitted) {
      if (this.#waiting.has(seq)) return duplicate(seq)
      const waiting = this.#waiting
      return waitForRoom(
        encoded,
        seq,
        signal,
        (waiter) => waiting.set(seq, waiter),
        () => waiting.delete(seq),
      )
    }
    if (seq !== next && this.#ring[seq % this.#maxPending] !== undefined) return duplicate(seq)
    return this.#accept(seq, encoded)
  }

  written(): void {
    const limit = this.#firstSeq + this.#commit.written + this.#maxPending
    for (let seq = this.#admitted; seq < limit && this.#waiting.size > 0; seq++) {
      const waiter = this.#waiting.get(seq)
      if (waiter === undefined) continue
      this.#waiting.delete(seq)
      this.#admitted = seq + 1
      enter(waiter, this.#accept(seq, waiter.encoded))
    }
    this.#admitted = limit
  }

  reject(error: WriterError): void {
    this.#rejectBuffered(error)
    this.#rejectWaiting(error)
  }

  close(): WriterError | undefined {
    const missing = this.nextSeq
    const buffered = this.#buffered
    this.#rejectBuffered(
      closedError(`The writer closed while waiting for seq ${missing}; this record was not written`),
    )
    this.#rejectWaiting(closedError('The writer closed before this write had room'))
    if (buffered === 0 || !this.#lazy) return undefined
    // Those writes already resolved: close() is the only place left to say they were lost.
    return closedError(
      `${buffered} record(s) accepted under durability 'none' were not written: seq ${missing} never arrived`,
    )
  }

  #rejectWaiting(error: WriterError): void {
    for (const waiter of this.#waiting.values()) refuse(waiter, error)
    this.#waiting.clear()
  }

  #rejectBuffered(error: WriterError): void {
    if (this.#buffered === 0) return
    for (let slot = 0; slot < this.#ring.length; slot++) {
      if (this.#ring[slot] === undefined) continue
      this.#ring[slot] = undefined
      this.#ringDeferred[slot]?.reject(error)
      this.#ringDeferred[slot] = undefined
    }
    this.#buffered = 0
  }

  #accept(seq: number, encoded: Encoded): Promise<void> {
    if (seq === this.nextSeq) {
      const promise = this.#commit.write(encoded)
      if (this.#buffered > 0) this.#drainRing()
      return promise
    }
    const slot = seq % this.#maxPending
    this.#ring[slot] = encoded
    this.#buffered++
    if (this.#lazy) return RESOLVED
    return new Promise<void>((resolve, reject) => {
      this.#ringDeferred[slot] = { resolve, reject }
    })
  }

  /** Moves the records that are now in turn from the reorder buffer into the group commit. */
  #drainRing(): void {
    const size = this.#maxPending
    let slot = this.nextSeq % size
    let encoded = this.#ring[slot]
    while (encoded !== undefined) {
      this.#ring[slot] = undefined
      this.#buffered--
      const batch = this.#commit.append(encoded)
      const deferred = this.#ringDeferred[slot]
      if (deferred !== undefined) {
        this.#ringDeferred[slot] = undefined
        batch.follow(deferred)
      }
      slot = slot + 1 === size ? 0 : slot + 1
      encoded = this.#ring[slot]
    }
  }
}

function invalidSeq(message: string): Promise<never> {
  return Promise.reject(new WriterError('ERR_INVALID_SEQ', message))
}

function duplicate(seq: number): Promise<never> {
  return invalidSeq(`seq ${seq} is already waiting to be written`)
}
