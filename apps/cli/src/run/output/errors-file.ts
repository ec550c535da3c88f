import { rename, unlink } from 'node:fs/promises'
import { openWriter, type Writer } from '@boundkit/writer'
import { readLines } from '../input/jsonl-input'
import type { KeyRule } from '../input/scan'

/**
 * `--errors <file>`: the failed lines also in a file of their own, as the Batch API gives an error file
 * beside its output. During a run each failure is appended as it is written to the output; at the
 * end of a run that completed, the file is rewritten from the output: one line per record whose newest
 * line is a failure, in the output's order (a record that `--retry-failed` sent again and that
 * succeeded leaves it).
 */
export class ErrorsFile {
  readonly #writer: Writer

  private constructor(writer: Writer) {
    this.#writer = writer
  }

  /** Opens the file: a resumed run appends to it, another run starts it afresh. */
  static async open(path: string, resume: boolean): Promise<ErrorsFile> {
    if (!resume) await unlink(path).catch(() => {})
    return new ErrorsFile(await openWriter(path, { format: 'jsonl', resume: true }))
  }

  /** Appends a failed line (written once its batch is). */
  add(line: unknown): Promise<void> {
    return this.#writer.write(line)
  }

  async close(): Promise<void> {
    await this.#writer.close()
  }

  /**
   * Rewrites `path` from the output, which a completed run leaves with one line per record: its
   * failures, in the output's order, streamed.
   */
  static async rebuild(path: string, out: string, keys: KeyRule): Promise<void> {
    const temporary = `${path}.rebuild`
    await unlink(temporary).catch(() => {})
    const writer = await openWriter(temporary, { format: 'text', lock: false })
    try {
      for await (const { text } of readLines(out)) {
        if (text === undefined || text === '') continue
        if (keys.failed(JSON.parse(text) as Record<string, unknown>)) await writer.write(text)
      }
    } finally {
      await writer.close()
    }
    await rename(temporary, path)
  }
}
