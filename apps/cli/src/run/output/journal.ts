import { createHash } from 'node:crypto'
import { unlink } from 'node:fs/promises'
import { openWriter, type Writer } from '@boundkit/writer'
import { readLines } from '../input/jsonl-input'
import type { KeyRule } from '../input/scan'

/**
 * `<out>.journal`: the lines of answers that came back before an earlier record's, on disk as soon as
 * they arrive. The output file is written in input order, so such a line waits in memory until the
 * records before it end; a process killed meanwhile would lose answers already paid for. A run
 * removes its journal once every line in it reached the output; a resumed run first folds what an
 * earlier run left in it into the output (`foldJournal`), so those answers are never asked for again.
 */
export function journalPath(out: string): string {
  return `${out}.journal`
}

/** Lines a journal holds before `clear()` starts a new one. */
const CLEAR_AFTER = 256

/**
 * The journal of one run, opened on its first line. Once every line in it has reached the output,
 * `clear()` removes it, and the next line starts a new one: the journal holds what waits, not the run.
 */
export class Journal {
  readonly #path: string
  #writer: Promise<Writer> | undefined
  /** The removal of the previous journal, which a new one waits for. */
  #clearing: Promise<void> = Promise.resolve()
  readonly #writes = new Set<Promise<unknown>>()
  /** Lines added to the file open now. */
  #lines = 0
  #error: unknown

  constructor(out: string) {
    this.#path = journalPath(out)
  }

  /** Appends a line that waits in memory for an earlier record's (group commit, as the output). */
  add(line: unknown): void {
    this.#writer ??= this.#clearing.then(() => openWriter(this.#path, { format: 'jsonl', resume: true }))
    this.#lines++
    const write = this.#writer.then((writer) => writer.write(line))
    const tracked = write.catch((error: unknown) => {
      this.#error ??= error
    })
    this.#writes.add(tracked)
    void tracked.finally(() => this.#writes.delete(tracked))
  }

  /**
   * Every line added so far is in the output: the file goes (after its own writes land), once it holds
   * `CLEAR_AFTER` lines or more (fewer are not worth a new file; a fold passes over those already written).
   */
  clear(): void {
    const writer = this.#writer
    if (writer === undefined || this.#lines < CLEAR_AFTER) return
    this.#writer = undefined
    this.#lines = 0
    const writes = [...this.#writes]
    this.#clearing = (async () => {
      await Promise.allSettled(writes)
      await (await writer).close()
      await unlink(this.#path)
    })().catch((error: unknown) => {
      this.#error ??= error
    })
  }

  /**
   * Closes the journal; removes it when `keep` is false (every line in it reached the output).
   * Rejects with the first write error.
   */
  async close(keep: boolean): Promise<void> {
    await this.#clearing
    if (this.#writer !== undefined) {
      await Promise.allSettled([...this.#writes])
      const writer = await this.#writer.catch((error: unknown) => {
        this.#error ??= error
        return undefined
      })
      await writer?.close().catch((error: unknown) => {
        this.#error ??= error
      })
      if (!keep) await unlink(this.#path).catch(() => {})
    }
    if (this.#error !== undefined) throw this.#error
  }
}

/** The key of an output line, as the run's key rule reads it back. */
function keyText(line: unknown, keys: KeyRule): string {
  return JSON.stringify((line as Record<string, unknown> | null)?.[keys.field] ?? null)
}

/** A line's identity in a fold: its key and a digest of its text (the texts themselves stay on disk). */
function lineId(text: string, keys: KeyRule): string | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined // a torn last line: its answer never reached the disk whole
  }
  return `${keyText(parsed, keys)} ${createHash('sha256').update(text).digest('base64')}`
}

/** The whole lines of a file, or none when it does not exist. */
async function* linesOf(path: string): AsyncGenerator<string> {
  try {
    for await (const { text } of readLines(path)) if (text !== undefined && text !== '') yield text
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

/**
 * Appends to the output (through its open writer, so after its lock is taken) the journal's lines
 * that the output does not hold yet, then removes the journal. A line already written to the output
 * (the same text under the same key) is not appended again; a torn last line is ignored. Resolves with
 * the number of lines appended. Memory: a digest per journal line; the texts are read from the file.
 */
export async function foldJournal(out: string, keys: KeyRule, writer: Writer): Promise<number> {
  const path = journalPath(out)
  const waiting = new Set<string>()
  for await (const text of linesOf(path)) {
    const id = lineId(text, keys)
    if (id !== undefined) waiting.add(id)
  }
  if (waiting.size === 0) {
    await unlink(path).catch(() => {})
    return 0
  }
  for await (const text of linesOf(out)) {
    const id = lineId(text, keys)
    if (id !== undefined) waiting.delete(id)
  }
  let appended = 0
  for await (const text of linesOf(path)) {
    const id = lineId(text, keys)
    if (id === undefined || !waiting.delete(id)) continue
    await writer.write(JSON.parse(text), { seq: writer.nextSeq })
    appended++
  }
  await unlink(path).catch(() => {})
  return appended
}
