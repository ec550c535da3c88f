import type { Encoded } from './encode'

/**
 * A batch is cut once it holds this many characters (the text formats) or bytes (`'bytes'`): 8 Mi,
 * so its one string and its one Buffer stay far below V8's limits (a string of about 512 Mi
 * characters) and memory per batch stays small. A record bigger than this is written alone.
 */
export const MAX_BATCH_SIZE = 8 * 2 ** 20

/** A caller whose promise settles with a batch it did not make: an ordered record that waited its turn. */
export interface Deferred {
  resolve: () => void
  reject: (error: unknown) => void
}

const noop = (): void => {}

/**
 * Records gathered while the previous batch was being written: written together with one `write`
 * call (and one `fdatasync`), then every caller's promise settles at once.
 */
export class Batch {
  /** The lines, in order, for the text formats: one string, turned into one Buffer at write time. */
  #text = ''
  /** The records for `'bytes'`. */
  #chunks: Uint8Array[] | null = null
  #size = 0
  #count = 0
  #followers: Deferred[] | null = null
  readonly #deferred: Deferred
  /** Settles when the batch is written (and synced under `'fsync'`), or fails. */
  readonly promise: Promise<void>

  constructor() {
    let deferred: Deferred | undefined
    this.promise = new Promise<void>((resolve, reject) => {
      deferred = { resolve, reject }
    })
    this.#deferred = deferred as Deferred
    // A caller may drop a write's promise; the error still reaches later writes and close().
    this.promise.catch(noop)
  }

  /** The number of records in the batch. */
  get count(): number {
    return this.#count
  }

  /** Whether `encoded` may join: the first record always does, later ones up to `MAX_BATCH_SIZE`. */
  fits(encoded: Encoded): boolean {
    return this.#count === 0 || this.#size + encoded.length <= MAX_BATCH_SIZE
  }

  add(encoded: Encoded): void {
    if (typeof encoded === 'string') this.#text += encoded
    else if (this.#chunks === null) this.#chunks = [encoded]
    else this.#chunks.push(encoded)
    this.#size += encoded.length
    this.#count++
  }

  /** Settles `deferred` with the batch. */
  follow(deferred: Deferred): void {
    if (this.#followers === null) this.#followers = [deferred]
    else this.#followers.push(deferred)
  }

  toBuffer(): Buffer {
    const chunks = this.#chunks
    if (chunks === null) return Buffer.from(this.#text, 'utf8')
    const only = chunks.length === 1 ? chunks[0] : undefined
    // One record (perhaps a big one) is written from its own memory, not copied.
    if (only !== undefined) return Buffer.from(only.buffer, only.byteOffset, only.byteLength)
    return Buffer.concat(chunks)
  }

  settle(error?: unknown): void {
    const all = this.#followers === null ? [this.#deferred] : [this.#deferred, ...this.#followers]
    for (const deferred of all) {
      if (error === undefined) deferred.resolve()
      else deferred.reject(error)
    }
  }
}
