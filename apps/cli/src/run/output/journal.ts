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

/** The journal of one run, opened on its first line. */
export class Journal {
  readonly #path: string
  #writer: Promise<Writer> | undefined
  readonly #writes = new Set<Promise<unknown>>()
  #error: unknown

  constructor(out: string) {
    this.#path = journalPath(out)
  }

  /** Appends a line that waits in memory for an earlier record's (group commit, as the output). */
  add(line: unknown): void {
    this.#writer ??= openWriter(this.#path, { format: 'jsonl', resume: true })
    const write = this.#writer.then((writer) => writer.write(line))
    const tracked = write.catch((error: unknown) => {
      this.#error ??= error
    })
    this.#writes.add(tracked)
    void tracked.finally(() => this.#writes.delete(tracked))
  }

  /**
   * Closes the journal; removes it when `keep` is false (every line in it reached the output).
   * Rejects with the first write error.
   */
  async close(keep: boolean): Promise<void> {
    if (this.#writer === undefined) return
    await Promise.allSettled([...this.#writes])
    const writer = await this.#writer.catch((error: unknown) => {
      this.#error ??= error
      return undefined
    })
    await writer?.close().catch((error: unknown) => {
      this.#error ??= error
    })
    if (!keep) await unlink(this.#path).catch(() => {})
    if (this.#error !== undefined) throw this.#error
  }
}

/** The key of an output line, as the run's key rule reads it back. */
function keyText(line: unknown, keys: KeyRule): string {
  return JSON.stringify((line as Record<string, unknown> | null)?.[keys.field] ?? null)
}

/**
 * Appends to the output (through its open writer, so after its lock is taken) the journal's lines
 * that the output does not hold yet, then removes the journal. A line already written to the output
 * (the same text under the same key) is not appended again; a torn last line is ignored. Resolves with
 * the number of lines appended. Memory: the journal's lines, at most what one run held back.
 */
export async function foldJournal(out: string, keys: KeyRule, writer: Writer): Promise<number> {
  const path = journalPath(out)
  const waiting = new Map<string, Set<string>>()
  let count = 0
  const lines = readLines(path)
  try {
    for await (const { text } of lines) {
      if (text === undefined || text === '') continue
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        continue // a torn last line: its answer never reached the disk whole
      }
      const key = keyText(parsed, keys)
      if (!waiting.has(key)) waiting.set(key, new Set())
      waiting.get(key)?.add(JSON.stringify(parsed))
      count++
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
  if (count > 0) {
    for await (const { text } of readLines(out)) {
      if (text === undefined || text === '') continue
      waiting.get(keyText(JSON.parse(text), keys))?.delete(text)
    }
  }
  let appended = 0
  for (const texts of waiting.values()) {
    for (const text of texts) {
      await writer.write(JSON.parse(text), { seq: writer.nextSeq })
      appended++
    }
  }
  await unlink(path).catch(() => {})
  return appended
}
