import { isUtf8 } from 'node:buffer'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { LineSplitter } from '@boundkit/internal'
import { shorten, UsageError } from '../../errors'

/** One line of a file: its 1-based number and its text, without the line ending (and without a BOM). */
export interface InputLine {
  line: number
  /** The line's text; `undefined` when its bytes are not valid UTF-8. */
  text: string | undefined
}

/** One input record with where it came from. */
export interface InputRecord {
  /** 1-based line number in the file. */
  line: number
  /** 0-based position among the records (blank and skipped lines do not count). */
  index: number
  /** The line exactly as it is in the file (valid JSON): what is sent, never re-encoded. */
  text: string
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

const CR = 0x0d
const BOM = Buffer.from([0xef, 0xbb, 0xbf])

function decode(bytes: Buffer, line: number): InputLine {
  let end = bytes.length
  if (end > 0 && bytes[end - 1] === CR) end--
  const start = line === 1 && bytes.subarray(0, 3).equals(BOM) ? 3 : 0
  const body = bytes.subarray(start, end)
  return { line, text: isUtf8(body) ? body.toString('utf8') : undefined }
}

/**
 * Reads a file line by line, streaming (memory bounded by the longest line): LF or CRLF endings, a
 * UTF-8 byte order mark at the start skipped, a last line without an ending included.
 */
export async function* readLines(path: string): AsyncGenerator<InputLine> {
  let line = 0
  const splitter = new LineSplitter()
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (const bytes of splitter.lines(chunk)) yield decode(bytes, ++line)
  }
  const rest = splitter.rest()
  if (rest !== undefined) yield decode(rest, ++line)
}

/** Blank in JSON's terms: only spaces, tabs and carriage returns. */
const BLANK = /^[ \t\r]*$/

/** Why a line is not a record, or its parsed value. */
function parseLine(text: string | undefined): { record: unknown } | { reason: string } {
  if (text === undefined) return { reason: 'not valid UTF-8' }
  try {
    return { record: JSON.parse(text) }
  } catch (error) {
    return { reason: `malformed JSON (${(error as Error).message}): ${shorten(text.trim(), 60)}` }
  }
}

/**
 * Reads a JSONL file line by line (memory bounded by one line), yielding each record with its line
 * number and its original text. Blank lines are ignored. A malformed line fails with a `UsageError`
 * naming the file and the line, or with `skipBad` is reported to `onBad` and skipped.
 */
export async function* readJsonl(path: string, options: ReadOptions = {}): AsyncGenerator<InputRecord> {
  await checkInputFile(path)
  let index = 0
  for await (const { line, text } of readLines(path)) {
    if (text !== undefined && BLANK.test(text)) continue
    const parsed = parseLine(text)
    const reason = 'reason' in parsed ? parsed.reason : options.check?.(parsed.record, line)
    if (reason !== undefined) {
      if (!options.skipBad)
        throw new UsageError(`${path}:${line}: ${reason} (use --skip-bad to skip such lines)`)
      options.onBad?.({ line, reason })
      continue
    }
    yield { line, index: index++, text: text as string, record: (parsed as { record: unknown }).record }
  }
}
