import type { FileHandle } from 'node:fs/promises'
import { asyncDispose, Emitter, type Listener, messageOf } from '@boundkit/internal'
import type { Admission } from './admission'
import { GroupCommit } from './commit'
import { type Encoded, encoderFor } from './encode'
import { invalidOption, WriterError } from './errors'
import { WRITER_EVENTS, type WriterEvents } from './events'
import { releaseLock } from './lock'
import { type ResolvedWriterOptions, resolveWriteOptions, type WriterWriteOptions } from './options'
import { OrderedAdmission } from './ordered'
import type { WriterStats } from './stats'
import { UnorderedAdmission } from './unordered'

/** What `openWriter` hands the constructor. */
export interface WriterParts {
  /** The absolute path of the file. */
  path: string
  handle: FileHandle
  options: ResolvedWriterOptions
  completed: ReadonlySet<unknown>
  /** The seq of the first record this writer writes (ordered mode). */
  firstSeq: number
  /** The lock this writer holds, released on close. */
  lockPath: string | undefined
  /** The file's size at open, when a failed write may cut it back (see `GroupCommitOptions.size`). */
  size: number | undefined
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

  readonly #encode: (record: unknown) => Encoded
  readonly #ordered: boolean
  readonly #commit: GroupCommit
  readonly #admission: Admission
  readonly #lockPath: string | undefined
  readonly #events = new Emitter<WriterEvents>(WRITER_EVENTS, invalidOption)
  readonly #firstSeq: number
  #closing: Promise<void> | undefined

  /** @internal Use `openWriter`. */
  constructor(parts: WriterParts) {
    const { options, firstSeq } = parts
    this.path = parts.path
    this.completed = parts.completed
    this.#lockPath = parts.lockPath
    this.#encode = encoderFor(options.format)
    this.#ordered = options.ordered
    this.#commit = new GroupCommit({
      path: parts.path,
      handle: parts.handle,
      durability: options.durability,
      size: parts.size,
      firstSeq: options.ordered ? firstSeq : undefined,
      onWritten: () => {
        this.#admission.written()
        this.#events.emit('progress', () => this.stats())
      },
      onFail: (error) => this.#admission.reject(error),
    })
    this.#firstSeq = firstSeq
    this.#admission = options.ordered
      ? new OrderedAdmission(this.#commit, firstSeq, options.maxPending, options.durability === 'none')
      : new UnorderedAdmission(this.#commit, options.maxPending)
  }

  /** Ordered mode: the sequence number the next record written to the file must carry. */
  get nextSeq(): number {
    return this.#firstSeq + this.#commit.accepted
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined
  }

  /** A fresh snapshot of the writer's counters (units in `WriterStats`). */
  stats(): WriterStats {
    const admission = this.#admission
    // Fields named one by one: spreading `counters()` into this literal cost about 3 us a call on
    // Node 20, 100 times the rest (a benchmark that read `queued` after every write ran 3x slower).
    const { done, bytesWritten, batches, syncs } = this.#commit.counters()
    return {
      done,
      bytesWritten,
      batches,
      syncs,
      queued: this.#commit.unwritten + admission.buffered,
      buffered: admission.buffered,
      blocked: admission.waiting,
      nextSeq: this.nextSeq,
    }
  }

  /**
   * Listens to `'progress'` (the stats after each batch written); returns the function that
   * unsubscribes. A listener that throws becomes a process warning and never breaks the writing.
   */
  on<K extends keyof WriterEvents>(event: K, listener: Listener<WriterEvents[K]>): () => void {
    return this.#events.on(event, listener)
  }

  /**
   * Appends one record. Resolves when it is written (`'flush'`), synced (`'fsync'`) or accepted
   * (`'none'`). Never throws: rejects with `ERR_INVALID_RECORD`, `ERR_INVALID_SEQ`,
   * `ERR_INVALID_OPTION`, `ERR_CLOSED`, `ERR_ABORTED` or `ERR_IO` (the writer then fails every later
   * write too).
   */
  write(record: T, options?: WriterWriteOptions): Promise<void> {
    try {
      const failed = this.#commit.error
      if (failed !== undefined) return Promise.reject(failed)
      if (this.closed)
        return Promise.reject(new WriterError('ERR_CLOSED', `The writer for ${this.path} is closed`))
      const { seq, signal } = resolveWriteOptions(options, this.#ordered)
      return this.#admission.admit(this.#encode(record), seq, signal)
    } catch (error) {
      return Promise.reject(
        error instanceof WriterError
          ? error
          : new WriterError('ERR_INVALID_RECORD', `Cannot write the record: ${messageOf(error)}`, {
              cause: error,
            }),
      )
    }
  }

  /** Resolves when every record accepted so far (not one held back by a gap in `seq`) is written. */
  flush(): Promise<void> {
    return this.#commit.flush()
  }

  /**
   * Writes what can be written, closes the file and removes the lock. Ordered records still waiting
   * for a missing `seq` are rejected with `ERR_CLOSED`. Rejects if any accepted record was not
   * written: with the writer's `ERR_IO` error, or `ERR_CLOSED` for records accepted under `'none'`
   * and stuck behind a missing `seq`. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown()
    return this.#closing
  }

  /** Calls `close()`. */
  [asyncDispose](): Promise<void> {
    return this.close()
  }

  async #shutdown(): Promise<void> {
    const dropped = this.#admission.close()
    let error = await this.#commit.close()
    if (this.#lockPath !== undefined) {
      try {
        await releaseLock(this.#lockPath)
      } catch (cause) {
        error ??= cause as WriterError
      }
    }
    if (error !== undefined) throw error
    if (dropped !== undefined) throw dropped
  }
}
