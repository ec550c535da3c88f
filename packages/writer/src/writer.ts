import type { FileHandle } from 'node:fs/promises'
import { Mutex } from 'async-mutex'
import { Batch } from './batch'
import { type Encoded, encoderFor } from './encode'
import { ioError, WriterError } from './errors'
import { releaseLock } from './lock'
import type { Durability, ResolvedOptions } from './options'

/** Per-write options. */
export interface WriteOptions {
  /**
   * The record's sequence number; required in ordered mode, rejected otherwise.
   * @default undefined
   */
  seq?: number
  /**
   * Aborts the wait of a write held back by `maxPending`; an accepted write cannot be withdrawn.
   * @default undefined
   */
  signal?: AbortSignal
}

interface Deferred {
  resolve: () => void
  reject: (error: unknown) => void
}

/** A write waiting for room (`maxPending`). */
interface Waiter {
  encoded: Encoded
  seq: number
  resolve: (value: Promise<void>) => void
  reject: (error: unknown) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  cancelled: boolean
}

const RESOLVED = Promise.resolve()

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/**
 * An append-only writer for one file, made by `openWriter`. Writes arriving while a batch is being
 * written are grouped into the next batch: one `write` call and, under `'fsync'`, one `fdatasync`.
 */
export class Writer<T = unknown> {
  /** The absolute path of the file. */
  readonly path: string
  /** With `resume` and `key`: the keys of the records that were already in the file when it opened. */
  readonly completed: ReadonlySet<unknown>

  private readonly handle: FileHandle
  private readonly lockPath: string | undefined
  private readonly encode: (record: unknown) => Encoded
  private readonly durability: Durability
  private readonly ordered: boolean
  private readonly maxPending: number
  private readonly mutex = new Mutex()
  /** The sequence number of the first record this writer writes (ordered mode). */
  private readonly seqBase: number

  /** Records put into a batch, and records whose batch has been written. */
  private accepted = 0
  private flushed = 0
  private batch: Batch | null = null
  private inflight: Batch | null = null
  private draining = false

  /** Ordered mode: records that arrived ahead of their turn, by `seq % maxPending`. */
  private readonly ring: Array<Encoded | undefined>
  private readonly ringDeferred: Array<Deferred | undefined>
  private buffered = 0
  /** Ordered mode: writes whose seq is beyond the window, by seq; `admitted`: the window's end. */
  private readonly waitingBySeq = new Map<number, Waiter>()
  private admitted: number
  /** Unordered mode: writes waiting for room, oldest first from `queueHead`. */
  private queue: Array<Waiter | undefined> = []
  private queueHead = 0

  private closing = false
  private closePromise: Promise<void> | undefined
  private error: WriterError | undefined

  /** @internal Use `openWriter`. */
  constructor(
    path: string,
    handle: FileHandle,
    options: ResolvedOptions,
    completed: ReadonlySet<unknown>,
    firstSeq: number,
    lockPath: string | undefined,
  ) {
    this.path = path
    this.handle = handle
    this.completed = completed
    this.lockPath = lockPath
    this.encode = encoderFor(options.format)
    this.durability = options.durability
    this.ordered = options.ordered
    this.maxPending = options.maxPending
    this.seqBase = firstSeq
    this.admitted = firstSeq + options.maxPending
    this.ring = []
    this.ringDeferred = []
  }

  /** Ordered mode: the sequence number the next record written to the file must carry. */
  get nextSeq(): number {
    return this.seqBase + this.accepted
  }

  /** Records accepted and not yet written: the reorder buffer, the batch being formed, the one in flight. */
  get pending(): number {
    return this.accepted - this.flushed + this.buffered
  }

  /** Writes waiting for room under `maxPending`. */
  get waiting(): number {
    return this.ordered ? this.waitingBySeq.size : this.queue.length - this.queueHead
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.closing
  }

  /**
   * Appends one record. Resolves when it is written (`'flush'`), synced (`'fsync'`) or accepted
   * (`'none'`). Rejects with `ERR_INVALID_RECORD`, `ERR_INVALID_SEQ`, `ERR_CLOSED`, `ERR_ABORTED` or
   * `ERR_IO` (the writer then fails every later write too).
   */
  write(record: T, options?: WriteOptions): Promise<void> {
    if (this.closing || this.error !== undefined) return Promise.reject(this.unusable())
    let encoded: Encoded
    try {
      encoded = this.encode(record)
    } catch (error) {
      return Promise.reject(error)
    }
    const seq = options?.seq
    if (!this.ordered) {
      if (seq !== undefined) {
        return Promise.reject(
          new WriterError('ERR_INVALID_SEQ', '`seq` is only accepted with `ordered: true`'),
        )
      }
      if (this.accepted - this.flushed < this.maxPending && this.queueHead === this.queue.length) {
        return this.append(encoded)
      }
      return this.wait(encoded, -1, options?.signal)
    }
    if (!isSeq(seq)) {
      return Promise.reject(
        new WriterError(
          'ERR_INVALID_SEQ',
          `Expected \`seq\` to be an integer >= 0 in ordered mode, got ${String(seq)}`,
        ),
      )
    }
    const next = this.seqBase + this.accepted
    if (seq < next) {
      return Promise.reject(
        new WriterError('ERR_INVALID_SEQ', `seq ${seq} was already written (the next is ${next})`),
      )
    }
    if (seq >= this.admitted) {
      if (this.waitingBySeq.has(seq)) return Promise.reject(this.duplicate(seq))
      return this.wait(encoded, seq, options?.signal)
    }
    if (seq !== next && this.ring[seq % this.maxPending] !== undefined) {
      return Promise.reject(this.duplicate(seq))
    }
    return this.acceptOrdered(seq, encoded)
  }

  /** Resolves when every record accepted so far (not one held back by a gap in `seq`) is written. */
  flush(): Promise<void> {
    if (this.error !== undefined) return Promise.reject(this.error)
    const batch = this.batch ?? this.inflight
    return batch === null ? RESOLVED : batch.promise
  }

  /**
   * Writes what can be written, closes the file and removes the lock. Ordered records still waiting
   * for a missing `seq` are rejected with `ERR_CLOSED`. Rejects with the writer's `ERR_IO` error if
   * one occurred (records were lost). Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closePromise ??= this.shutdown()
    return this.closePromise
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  private async shutdown(): Promise<void> {
    this.closing = true
    let dropped: WriterError | undefined
    if (this.ordered && this.buffered > 0) {
      const missing = this.seqBase + this.accepted
      if (this.durability === 'none') {
        // Those writes already resolved: close() is the only place left to say they were lost.
        dropped = new WriterError(
          'ERR_CLOSED',
          `${this.buffered} record(s) accepted under durability 'none' were not written: seq ${missing} never arrived`,
        )
      }
      this.rejectBuffered(
        new WriterError(
          'ERR_CLOSED',
          `The writer closed while waiting for seq ${missing}; this record was not written`,
        ),
      )
    }
    this.rejectWaiters(new WriterError('ERR_CLOSED', 'The writer closed before this write had room'))
    await this.mutex.runExclusive(() => this.drain())
    try {
      if (this.error === undefined) {
        const { nlink } = await this.handle.stat()
        if (nlink === 0) {
          this.error = new WriterError('ERR_IO', `${this.path} was removed while the writer had it open`)
        }
      }
    } catch (error) {
      this.error ??= ioError(`Cannot check ${this.path}`, error)
    }
    try {
      await this.handle.close()
    } catch (error) {
      this.error ??= ioError(`Cannot close ${this.path}`, error)
    }
    if (this.lockPath !== undefined) await releaseLock(this.lockPath)
    if (this.error !== undefined) throw this.error
    if (dropped !== undefined) throw dropped
  }

  private unusable(): WriterError {
    return this.error ?? new WriterError('ERR_CLOSED', `The writer for ${this.path} is closed`)
  }

  private duplicate(seq: number): WriterError {
    return new WriterError('ERR_INVALID_SEQ', `seq ${seq} is already waiting to be written`)
  }

  /** Puts a record into the batch being formed and starts a drain if none is running. */
  private append(encoded: Encoded): Promise<void> {
    let batch = this.batch
    if (batch === null) {
      batch = this.batch = new Batch()
      this.kick()
    }
    batch.add(encoded)
    this.accepted++
    return this.durability === 'none' ? RESOLVED : batch.promise
  }

  private acceptOrdered(seq: number, encoded: Encoded): Promise<void> {
    if (seq === this.seqBase + this.accepted) {
      const promise = this.append(encoded)
      if (this.buffered > 0) this.drainRing()
      return promise
    }
    const slot = seq % this.maxPending
    this.ring[slot] = encoded
    this.buffered++
    if (this.durability === 'none') return RESOLVED
    return new Promise<void>((resolve, reject) => {
      this.ringDeferred[slot] = { resolve, reject }
    })
  }

  /** Moves the records that are now in turn from the reorder buffer into the batch. */
  private drainRing(): void {
    const batch = this.batch as Batch
    const size = this.maxPending
    let slot = (this.seqBase + this.accepted) % size
    let encoded = this.ring[slot]
    while (encoded !== undefined) {
      this.ring[slot] = undefined
      batch.add(encoded)
      this.accepted++
      this.buffered--
      const deferred = this.ringDeferred[slot]
      if (deferred !== undefined) {
        this.ringDeferred[slot] = undefined
        if (batch.followers === null) batch.followers = [deferred]
        else batch.followers.push(deferred)
      }
      slot = slot + 1 === size ? 0 : slot + 1
      encoded = this.ring[slot]
    }
  }

  private wait(encoded: Encoded, seq: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(this.aborted(signal))
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { encoded, seq, resolve, reject, signal, onAbort: undefined, cancelled: false }
      if (signal !== undefined) {
        waiter.onAbort = () => {
          waiter.cancelled = true
          if (this.ordered) this.waitingBySeq.delete(seq)
          reject(this.aborted(signal))
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      if (this.ordered) this.waitingBySeq.set(seq, waiter)
      else this.queue.push(waiter)
    })
  }

  private aborted(signal: AbortSignal): WriterError {
    return new WriterError('ERR_ABORTED', 'The write was aborted while waiting for room', {
      cause: signal.reason,
    })
  }

  /** After a batch was written: lets waiting writes in, as far as `maxPending` allows. */
  private admitWaiting(): void {
    if (this.ordered) {
      const limit = this.seqBase + this.flushed + this.maxPending
      if (this.waitingBySeq.size > 0) {
        for (let seq = this.admitted; seq < limit && this.waitingBySeq.size > 0; seq++) {
          const waiter = this.waitingBySeq.get(seq)
          if (waiter === undefined) continue
          this.waitingBySeq.delete(seq)
          this.admitted = seq + 1
          this.release(waiter)
          waiter.resolve(this.acceptOrdered(seq, waiter.encoded))
        }
      }
      this.admitted = limit
      return
    }
    const queue = this.queue
    while (this.queueHead < queue.length && this.accepted - this.flushed < this.maxPending) {
      const waiter = queue[this.queueHead] as Waiter
      queue[this.queueHead++] = undefined
      if (waiter.cancelled) continue
      this.release(waiter)
      waiter.resolve(this.append(waiter.encoded))
    }
    if (this.queueHead === queue.length) {
      this.queue = []
      this.queueHead = 0
    } else if (this.queueHead > 1024 && this.queueHead * 2 > queue.length) {
      this.queue = queue.slice(this.queueHead)
      this.queueHead = 0
    }
  }

  private release(waiter: Waiter): void {
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort)
  }

  private rejectWaiters(error: WriterError): void {
    for (const waiter of this.waitingBySeq.values()) {
      this.release(waiter)
      waiter.reject(error)
    }
    this.waitingBySeq.clear()
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const waiter = this.queue[i] as Waiter
      if (waiter.cancelled) continue
      this.release(waiter)
      waiter.reject(error)
    }
    this.queue = []
    this.queueHead = 0
  }

  private rejectBuffered(error: WriterError): void {
    if (this.buffered === 0) return
    for (let slot = 0; slot < this.ring.length; slot++) {
      if (this.ring[slot] === undefined) continue
      this.ring[slot] = undefined
      this.ringDeferred[slot]?.reject(error)
      this.ringDeferred[slot] = undefined
    }
    this.buffered = 0
  }

  /** Enters the failed state: this write and every later one reject with `error`. */
  private fail(error: WriterError): void {
    this.error ??= error
    const batch = this.batch
    this.batch = null
    batch?.settle(this.error)
    this.rejectBuffered(this.error)
    this.rejectWaiters(this.error)
  }

  private kick(): void {
    if (this.draining) return
    this.draining = true
    const drain = () => void this.mutex.runExclusive(() => this.drain())
    // Under 'fsync' every batch costs a disk sync. Writers woken by the last batch come back in the
    // same event-loop turn; starting at once would commit the first alone and the rest in a second
    // batch (two syncs where one does). One turn's wait lets them all join.
    if (this.durability === 'fsync') setImmediate(drain)
    else drain()
  }

  /** Writes batches until none is left; runs under the mutex. */
  private async drain(): Promise<void> {
    try {
      while (this.batch !== null && this.error === undefined) {
        const batch = this.batch
        this.batch = null
        this.inflight = batch
        try {
          const buffer = batch.toBuffer()
          let offset = 0
          while (offset < buffer.length) {
            const { bytesWritten } = await this.handle.write(buffer, offset, buffer.length - offset, null)
            offset += bytesWritten
          }
          this.flushed += batch.count
          this.admitWaiting()
          if (this.durability === 'fsync') await this.handle.datasync()
        } catch (error) {
          this.fail(ioError(`Cannot write to ${this.path}`, error))
          batch.settle(this.error)
          break
        } finally {
          this.inflight = null
        }
        batch.settle()
      }
    } finally {
      this.draining = false
    }
  }
}
