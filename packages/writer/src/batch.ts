import type { Encoded } from './encode'

const noop = (): void => {}

/**
 * Records gathered while the previous batch was being written: written together with one `write`
 * call (and one `fdatasync`), then every caller's promise settles at once.
 */
export class Batch {
  /** The lines, in order, for the text formats: one string, turned into one Buffer at write time. */
  text = ''
  /** The records for `'bytes'`. */
  chunks: Uint8Array[] | null = null
  count = 0
  /** Callers whose records waited in the reorder buffer and got their own promise. */
  followers: Array<{ resolve: () => void; reject: (error: unknown) => void }> | null = null
  readonly promise: Promise<void>
  resolve!: () => void
  reject!: (error: unknown) => void

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    // A caller may drop a write's promise; the error still reaches later writes and close().
    this.promise.catch(noop)
  }

  add(encoded: Encoded): void {
    if (typeof encoded === 'string') this.text += encoded
    else if (this.chunks === null) this.chunks = [encoded]
    else this.chunks.push(encoded)
    this.count++
  }

  toBuffer(): Buffer {
    if (this.chunks !== null) return Buffer.concat(this.chunks)
    return Buffer.from(this.text, 'utf8')
  }

  settle(error?: unknown): void {
    if (error === undefined) this.resolve()
    else this.reject(error)
    if (this.followers === null) return
    for (const follower of this.followers) {
      if (error === undefined) follower.resolve()
      else follower.reject(error)
    }
  }
}
