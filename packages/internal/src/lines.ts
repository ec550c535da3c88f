const NEWLINE = 0x0a

/**
 * Splits a stream of byte chunks into lines at LF: feed each chunk to `lines(chunk)`, which yields the
 * lines it completes (their bytes, the newline excluded), then `rest()` gives the bytes after the last
 * newline (a last line without an ending, or a torn one). Memory: one chunk plus the longest line.
 * One splitter for every reader of JSONL files: the CLI's input and output, the writer's resume.
 */
export class LineSplitter {
  #carry: Buffer[] = []

  /** The bytes after the last newline, or undefined when the stream ended with one. */
  rest(): Buffer | undefined {
    return this.#carry.length === 0 ? undefined : Buffer.concat(this.#carry)
  }

  *lines(chunk: Buffer): Generator<Buffer> {
    let from = 0
    let at = chunk.indexOf(NEWLINE, from)
    while (at !== -1) {
      const piece = chunk.subarray(from, at)
      const bytes = this.#carry.length === 0 ? piece : Buffer.concat([...this.#carry, piece])
      this.#carry = []
      yield bytes
      from = at + 1
      at = chunk.indexOf(NEWLINE, from)
    }
    if (from < chunk.length) this.#carry.push(chunk.subarray(from))
  }
}
