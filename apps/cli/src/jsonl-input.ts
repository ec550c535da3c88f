import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { UsageError } from './errors'

/** One input record with where it came from. */
export interface InputRecord {
  /** 1-based line number in the file. */
  line: number
  /** 0-based position among the records (blank and skipped lines do not count). */
  index: number
  record: unknown
}

export interface BadLine {
  line: number
  reason: string
}

export interface ReadOptions {
  /** Skip a malformed line (reported to `onBad`) instead of failing. @default false */
  skipBad?: boolean
  /** Called for every malformed line that is skipped. */
  onBad?: (bad: BadLine) => void
  /** Extra check of a parsed record: returns why it is refused, or undefined. */
  check?: (record: unknown, line: number) => string | undefined
}

/** Fails with a usage error when the input file is missing or not a file. */
export async function checkInputFile(path: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>
  try {
    info = await stat(path)
  } catch {
    throw new UsageError(`Input file not found: ${path}`)
  }
  if (!info.isFile()) throw new UsageError(`Input is not a file: ${path}`)
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/**
 * Reads a JSONL file line by line (memory bounded by one line), yielding each record with its line
 * number. Blank lines are ignored. A malformed line fails with a `UsageError` naming the file and the
 * line, or with `skipBad` is reported to `onBad` and skipped.
 */
export async function* readJsonl(path: string, options: ReadOptions = {}): AsyncGenerator<InputRecord> {
  await checkInputFile(path)
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  })
  let line = 0
  let index = 0
  try {
    for await (const text of lines) {
      line++
      if (text.trim() === '') continue
      let record: unknown
      let reason: string | undefined
      try {
        record = JSON.parse(text)
        reason = options.check?.(record, line)
      } catch (error) {
        reason = `malformed JSON (${(error as Error).message}): ${shorten(text.trim())}`
      }
      if (reason !== undefined) {
        if (!options.skipBad)
          throw new UsageError(`${path}:${line}: ${reason} (use --skip-bad to skip such lines)`)
        options.onBad?.({ line, reason })
        continue
      }
      yield { line, index: index++, record }
    }
  } finally {
    lines.close()
  }
}
