import type { FileHandle } from 'node:fs/promises'
import { messageOf } from '@boundkit/internal'
import { Mutex } from 'async-mutex'
import { Batch } from './batch'
import type { Encoded } from './encode'
import { ioError, WriterError } from './errors'
import type { Durability } from './options'

const RESOLVED = Promise.resolve()

export interface GroupCommitOptions {
  path: string
  handle: FileHandle
  durability: Durability
  /**
   * The file's size at open when a failed write may cut it back to what was acknowledged (a regular
   * file this writer holds the lock of); `undefined` for a device, or a file others may append to.
   */
  size: number | undefined
  /** Ordered mode: the seq of the first record, to name the records a failure did not write. */
  firstSeq: number | undefined
  /** After each batch was written: waiting writes may now have room. */
  onWritten: () => void
  /** The writer failed: every write it still holds must reject with `error`. */
  onFail: (error: WriterError) => void
}

/**
 * Group commit: records are gathered into batches while the previous batch is being written; each
 * batch goes out with one `write` call (and one `fdatasync` under `'fsync'`), one at a time under the
 * mutex. A batch is cut at `MAX_BATCH_SIZE`, so many big records make several batches, never one
 * string past V8's limit.
 */
export class GroupCommit {
  readonly #o: GroupCommitOptions
  readonly #mutex = new Mutex()
  /** Batches formed and not yet written, oldest first; the last one still takes records. */
  readonly #queue: Batch[] = []
  #inflight: Batch | null = null
  #draining = false
  /** Under `'fsync'`: the turn a new batch waits for its writers (see `#kick`). */
  #turn: NodeJS.Immediate | undefined
  /** Under `'fsync'`: the records of the last batch written, whose writers it has just woken. */
  #joiners = Number.POSITIVE_INFINITY
  /** Records put into a batch; records handed to `write(2)`; records acknowledged (synced under 'fsync'). */
  #accepted = 0
  #written = 0
  #acknowledged = 0
  /** The file's length up to the last acknowledged record, when it can be cut back to it. */
  #committed: number | undefined
  #bytes = 0
  #batches = 0
  #syncs = 0
  #error: WriterError | undefined

  constructor(options: GroupCommitOptions) {
    this.#o = options
    this.#committed = options.size
  }

  /** Records put into a batch so far. */
  get accepted(): number {
    return this.#accepted
  }

  /** Records handed to `write(2)` so far. */
  get written(): number {
    return this.#written
  }

  /** Records in a batch not yet handed to `write(2)`: what `maxPending` bounds. */
  get unwritten(): number {
    return this.#accepted - this.#written
  }

  /** The error the writer failed with, if it did. */
  get error(): WriterError | undefined {
    return this.#error
  }

  counters(): { done: number; bytesWritten: number; batches: number; syncs: number } {
    return {
      done: this.#written,
      bytesWritten: this.#bytes,
      batches: this.#batches,
      syncs: this.#syncs,
    }
  }

  /** Puts a record into the batch being formed (a new one when it is full) and returns that batch. */
  append(encoded: Encoded): Batch {
    let batch = this.#queue.at(-1)
    if (batch === undefined || !batch.fits(encoded)) {
      batch = new Batch()
      this.#queue.push(batch)
      this.#kick()
    }
    batch.add(encoded)
    this.#accepted++
    // As many writers as the last batch held have joined: those it woke are all back, go now.
    if (this.#turn !== undefined && batch.count >= this.#joiners) this.#startDrain()
    return batch
  }

  /** The promise a caller gets for a record in `batch`: at once under `'none'`. */
  promise(batch: Batch): Promise<void> {
    return this.#o.durability === 'none' ? RESOLVED : batch.promise
  }

  /** Appends a record and returns its caller's promise. */
  write(encoded: Encoded): Promise<void> {
    return this.promise(this.append(encoded))
  }

  /** Resolves when every record put into a batch so far is written. */
  flush(): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error)
    return (this.#queue.at(-1) ?? this.#inflight)?.promise ?? RESOLVED
  }

  /**
   * Writes what is left, closes the file and returns the error that makes the close a failure: a
   * failed write, a file removed while open, or records accepted and never written.
   */
  async close(): Promise<WriterError | undefined> {
    await this.#mutex.runExclusive(() => this.#drain())
    const { path, handle } = this.#o
    if (this.#error === undefined && this.#acknowledged !== this.#accepted) {
      const lost = this.#accepted - this.#acknowledged
      this.#fail(
        new WriterError('ERR_IO', `${lost} record(s) accepted by the writer for ${path} were not written`),
      )
    }
    try {
      if (this.#error === undefined && (await handle.stat()).nlink === 0) {
        this.#error = new WriterError('ERR_IO', `${path} was removed while the writer had it open`)
      }
    } catch (error) {
      this.#error ??= ioError(`Cannot check ${path}`, error)
    }
    try {
      await handle.close()
    } catch (error) {
      this.#error ??= ioError(`Cannot close ${path}`, error)
    }
    return this.#error
  }

  #kick(): void {
    if (this.#draining) return
    this.#draining = true
    // Under 'fsync' every batch costs a disk sync. Writers woken by the last batch come back in the
    // same event-loop turn; starting at once would commit the first alone and the rest in a second
    // batch (two syncs where one does). One turn's wait lets them all join, and so does counting
    // them: the batch goes as soon as it holds as many records as the last one (`append`).
    if (this.#o.durability === 'fsync') this.#turn = setImmediate(() => this.#startDrain())
    else this.#startDrain()
  }

  #startDrain(): void {
    if (this.#turn !== undefined) clearImmediate(this.#turn)
    this.#turn = undefined
    void this.#mutex.runExclusive(() => this.#drain())
  }

  /** Writes batches until none is left; runs under the mutex. */
  async #drain(): Promise<void> {
    try {
      while (this.#error === undefined) {
        const batch = this.#queue.shift()
        if (batch === undefined) break
        this.#inflight = batch
        try {
          await this.#commit(batch)
        } catch (error) {
          await this.#failed(batch, error)
          break
        } finally {
          this.#inflight = null
        }
        this.#joiners = batch.count
        batch.settle()
      }
    } finally {
      this.#draining = false
    }
  }

  async #commit(batch: Batch): Promise<void> {
    const { handle, durability } = this.#o
    const buffer = batch.toBuffer()
    let offset = 0
    while (offset < buffer.length) {
      const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset, null)
      offset += bytesWritten
    }
    this.#bytes += buffer.length
    this.#batches++
    this.#written += batch.count
    // Room for waiting writes now; under 'fsync' they form the next batch while this one syncs.
    this.#o.onWritten()
    if (durability === 'fsync') {
      await handle.datasync()
      this.#syncs++
    }
    this.#acknowledged += batch.count
    if (this.#committed !== undefined) this.#committed += buffer.length
  }

  /** A batch failed: cut the file back to what was acknowledged, then fail everything held. */
  async #failed(batch: Batch, cause: unknown): Promise<void> {
    const { path, firstSeq } = this.#o
    const first = this.#acknowledged
    const last = this.#accepted - 1
    const records =
      firstSeq === undefined
        ? `records ${first + 1} to ${last + 1} accepted by this writer`
        : `seq ${firstSeq + first} to ${firstSeq + last}`
    const cut = await this.#cutBack()
    const message = `Cannot write to ${path}: ${messageOf(cause)}; ${records} (and every later write) were not written, ${cut}`
    this.#fail(new WriterError('ERR_IO', message, { cause }))
    batch.settle(this.#error)
  }

  /** Truncates the file to its last acknowledged record; says what the file holds. */
  async #cutBack(): Promise<string> {
    const size = this.#committed
    if (size === undefined) return 'though part of them may be in the file'
    try {
      await this.#o.handle.truncate(size)
      if (this.#o.durability === 'fsync') await this.#o.handle.datasync()
      return `and the file was cut back to its last acknowledged record (${size} bytes)`
    } catch (error) {
      return `though part of them may be in the file (cutting it back to ${size} bytes failed: ${messageOf(error)})`
    }
  }

  /** Enters the failed state: every batch not yet written, and every later write, fails with `error`. */
  #fail(error: WriterError): void {
    this.#error ??= error
    for (const batch of this.#queue.splice(0)) batch.settle(this.#error)
    this.#o.onFail(this.#error)
  }
}
