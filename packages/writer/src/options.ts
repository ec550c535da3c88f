import {
  booleanOption,
  choiceOption,
  describeValue,
  expected,
  functionOption,
  numberOption,
  optionsObject,
  signalOption,
} from '@boundkit/internal'
import { invalidOption, WriterError } from './errors'

/** How a record becomes bytes in the file. */
export type WriterFormat = 'jsonl' | 'text' | 'bytes'

/** When a write's promise resolves. */
export type Durability = 'none' | 'flush' | 'fsync'

/** The options of `openWriter<T>`; `T` is the record type, which `key` reads back. */
export interface WriterOptions<T = unknown> {
  /**
   * `'jsonl'`: each record is JSON-encoded once and written as one line. `'text'`: each record is a
   * string written as one line; a string holding `\n` or `\r` is rejected with `ERR_INVALID_RECORD`
   * (never escaped, so a line always reads back as the string you wrote). `'bytes'`: each record is
   * a `Uint8Array` written as is, with no separator added.
   * @default 'jsonl'
   */
  format?: WriterFormat
  /**
   * `'none'`: a write resolves once the writer has accepted it (I/O errors then surface on later
   * writes and on `close()`). `'flush'`: once its batch has been handed to the operating system with
   * `write(2)` (survives a crash of the process, not of the machine). `'fsync'`: once its batch has
   * also been through `fdatasync(2)`.
   * @default 'flush'
   */
  durability?: Durability
  /**
   * Write records in `seq` order: each `write` must carry `{ seq }`, and record k is written only
   * after every record before it, whatever order they arrive in.
   * @default false
   */
  ordered?: boolean
  /**
   * The first sequence number in ordered mode (on `resume`, the count of lines already in the file is
   * added to it).
   * @default 0
   */
  startSeq?: number
  /**
   * The most records held in memory and not yet written: the reorder buffer in ordered mode (a write
   * whose `seq` is `maxPending` or more ahead of the oldest unwritten record waits), the queue in
   * unordered mode. A write beyond it waits (backpressure); memory never grows past it.
   * @default 16384
   */
  maxPending?: number
  /**
   * Open an existing file for a re-run: cut a torn last line back to the last newline, read the keys
   * already written (`key`) into `writer.completed`, and in ordered mode continue from the next `seq`.
   * A malformed line before the last one fails with `ERR_CORRUPT_LINE`. Not available with `'bytes'`.
   * (A torn last line is cut on every open in the line formats, so an append never joins two lines.)
   * @default false
   */
  resume?: boolean
  /**
   * With `resume`: the key of a record read back from the file (the parsed JSON value, or the line
   * string in `'text'`), collected into `writer.completed`. It is given the record as `T`: a line
   * written by an earlier version of your program may hold another shape.
   * @default undefined
   */
  key?: (record: T) => unknown
  /**
   * Hold `<path>.lock` while open so that a second writer, in this or another process, fails with
   * `ERR_LOCKED`. A lock left by a dead process on the same host is taken over at once.
   * @default true
   */
  lock?: boolean
}

/** The options of one `writer.write(record, options)`. */
export interface WriterWriteOptions {
  /**
   * The record's sequence number (an integer >= 0); required in ordered mode, rejected otherwise.
   * @default undefined
   */
  seq?: number
  /**
   * Aborts the wait of a write held back by `maxPending`; an accepted write cannot be withdrawn.
   * @default undefined
   */
  signal?: AbortSignal
}

/** The options of `readCompleted(path, key, options)`. */
export interface WriterReadCompletedOptions {
  /**
   * How the file's lines are read: `'jsonl'` parses each line, `'text'` gives the line string.
   * @default 'jsonl'
   */
  format?: 'jsonl' | 'text'
}

export interface ResolvedWriterOptions {
  format: WriterFormat
  durability: Durability
  ordered: boolean
  startSeq: number
  maxPending: number
  resume: boolean
  key: ((record: unknown) => unknown) | undefined
  lock: boolean
}

export function resolveWriterOptions(
  path: unknown,
  options: WriterOptions<never> | undefined,
): ResolvedWriterOptions {
  if (typeof path !== 'string' || path.length === 0) {
    invalidOption(expected('path', 'a non-empty string', path))
  }
  const o = optionsObject(invalidOption, options)
  const format = choiceOption(invalidOption, 'format', o.format, ['jsonl', 'text', 'bytes'] as const, 'jsonl')
  const resume = booleanOption(invalidOption, 'resume', o.resume, false)
  const key = functionOption<(record: unknown) => unknown>(invalidOption, 'key', o.key)
  if (resume && format === 'bytes') {
    invalidOption(
      "Expected `resume` to be false with `format: 'bytes'` (raw bytes have no lines), got `true` (boolean)",
    )
  }
  if (key !== undefined && !resume) {
    invalidOption('Expected `resume` to be true when `key` is given, got `false` (boolean)')
  }
  return {
    format,
    durability: choiceOption(
      invalidOption,
      'durability',
      o.durability,
      ['none', 'flush', 'fsync'] as const,
      'flush',
    ),
    ordered: booleanOption(invalidOption, 'ordered', o.ordered, false),
    startSeq: numberOption(invalidOption, 'startSeq', o.startSeq, { integer: true, min: 0 }, 0),
    maxPending: numberOption(invalidOption, 'maxPending', o.maxPending, { integer: true, min: 1 }, 16384),
    resume,
    key,
    lock: booleanOption(invalidOption, 'lock', o.lock, true),
  }
}

/**
 * Checks one write's options: `signal` (`ERR_INVALID_OPTION`) and `seq` (`ERR_INVALID_SEQ`: required,
 * an integer >= 0, in ordered mode; absent otherwise).
 */
export function resolveWriteOptions(
  options: WriterWriteOptions | undefined,
  ordered: boolean,
): { seq: number | undefined; signal: AbortSignal | undefined } {
  const o = optionsObject(invalidOption, options)
  const signal = signalOption(invalidOption, 'signal', o.signal)
  const seq = o.seq
  if (!ordered) {
    if (seq !== undefined) {
      throw new WriterError('ERR_INVALID_SEQ', '`seq` is only accepted with `ordered: true`')
    }
  } else if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new WriterError(
      'ERR_INVALID_SEQ',
      `Expected \`seq\` to be an integer >= 0 in ordered mode, got ${describeValue(seq)}`,
    )
  }
  return { seq, signal }
}

export function resolveReadCompletedOptions(
  key: unknown,
  options: WriterReadCompletedOptions | undefined,
): { key: (record: unknown) => unknown; format: 'jsonl' | 'text' } {
  const checked = functionOption<(record: unknown) => unknown>(invalidOption, 'key', key)
  if (checked === undefined) invalidOption(expected('key', 'a function', key))
  const o = optionsObject(invalidOption, options)
  return {
    key: checked,
    format: choiceOption(invalidOption, 'format', o.format, ['jsonl', 'text'] as const, 'jsonl'),
  }
}

/** The options of `compactFile(path, key, options)`. */
export interface WriterCompactOptions {
  /**
   * The keys in the order the compacted file lists their records (the input's order, say). A key
   * the file does not hold is passed over, a repeated one counts once; records whose key it never
   * gives follow, in the order of their first line.
   * @default undefined (every record where its first line was)
   */
  order?: Iterable<unknown> | AsyncIterable<unknown>
  /**
   * How the file's lines are read: `'jsonl'` parses each line, `'text'` gives the line string.
   * @default 'jsonl'
   */
  format?: 'jsonl' | 'text'
  /**
   * Hold `<path>.lock` while compacting, so that no writer appends meanwhile (`ERR_LOCKED` if one
   * holds it). Turn off only where `openWriter` had `lock: false`.
   * @default true
   */
  lock?: boolean
}

export interface ResolvedCompactOptions {
  key: (record: unknown) => unknown
  order: Iterable<unknown> | AsyncIterable<unknown> | undefined
  format: 'jsonl' | 'text'
  lock: boolean
}

function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' ||
      typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')
  )
}

export function resolveCompactOptions(
  key: unknown,
  options: WriterCompactOptions | undefined,
): ResolvedCompactOptions {
  const { key: checked, format } = resolveReadCompletedOptions(key, options)
  const o = optionsObject(invalidOption, options)
  if (o.order !== undefined && !isIterable(o.order)) {
    invalidOption(expected('order', 'an iterable or async iterable of keys', o.order))
  }
  return { key: checked, order: o.order, format, lock: booleanOption(invalidOption, 'lock', o.lock, true) }
}
