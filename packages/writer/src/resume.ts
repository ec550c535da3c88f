import { createReadStream } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { LineSplitter } from '@boundkit/internal'
import { ioError, WriterError } from './errors'
import { resolveReadCompletedOptions, type WriterReadCompletedOptions } from './options'

const NEWLINE = 0x0a
const BLOCK = 64 * 1024

/**
 * The length of the file's whole lines: the offset just past its last newline (0 if it has none),
 * found by reading backwards from the end in blocks.
 */
export async function wholeLinesLength(handle: FileHandle): Promise<number> {
  const { size } = await handle.stat()
  const buffer = Buffer.allocUnsafe(BLOCK)
  let end = size
  while (end > 0) {
    const start = Math.max(0, end - BLOCK)
    const { bytesRead } = await handle.read(buffer, 0, end - start, start)
    const at = buffer.subarray(0, bytesRead).lastIndexOf(NEWLINE)
    if (at !== -1) return start + at + 1
    end = start
  }
  return 0
}

/** Cuts a torn last line (bytes after the last newline) off the file. Returns the new length. */
export async function repairTail(path: string): Promise<number> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r+')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw ioError(`Cannot open ${path}`, error)
  }
  try {
    const info = await handle.stat()
    // A device or a pipe (/dev/full, /dev/stdout) has no tail to repair.
    if (!info.isFile()) return 0
    const size = info.size
    const length = await wholeLinesLength(handle)
    if (length < size) {
      await handle.truncate(length)
      await handle.datasync()
    }
    return length
  } catch (error) {
    throw error instanceof WriterError ? error : ioError(`Cannot repair the end of ${path}`, error)
  } finally {
    await handle.close()
  }
}

/**
 * Calls `onLine(text, lineNumber, bytes)` for each whole line of the first `length` bytes of the
 * file (`bytes`: the line's length in the file, its newline excluded), streaming (memory stays at one
 * read chunk plus the longest line). A missing file has no lines. Resolves with the number of lines.
 */
export async function forEachLine(
  path: string,
  length: number,
  onLine: (text: string, lineNumber: number, bytes: number) => void,
): Promise<number> {
  if (length === 0) return 0
  const stream = createReadStream(path, { start: 0, end: length - 1, highWaterMark: BLOCK })
  const splitter = new LineSplitter()
  let count = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (const bytes of splitter.lines(chunk)) onLine(bytes.toString('utf8'), ++count, bytes.length)
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error instanceof WriterError ? error : ioError(`Cannot read ${path}`, error)
  }
  // Bytes after the last newline are a torn line, not a record: ignored here.
  return count
}

/** A line turned into the value `key` receives: parsed JSON, or the text itself. */
export function lineParser(format: 'jsonl' | 'text', path: string) {
  return (text: string, lineNumber: number): unknown => {
    if (format === 'text') return text
    try {
      return JSON.parse(text) as unknown
    } catch (cause) {
      throw new WriterError('ERR_CORRUPT_LINE', `Line ${lineNumber} of ${path} is not valid JSON`, {
        cause,
        line: lineNumber,
      })
    }
  }
}

/** Collects `key(record)` of every whole line into `into`; returns the number of lines. */
export async function collectKeys(
  path: string,
  length: number,
  format: 'jsonl' | 'text',
  key: ((record: unknown) => unknown) | undefined,
  into: Set<unknown>,
): Promise<number> {
  const parse = lineParser(format, path)
  return forEachLine(path, length, (text, lineNumber) => {
    const record = parse(text, lineNumber)
    if (key !== undefined) into.add(keyOfLine(key, record, lineNumber, path))
  })
}

/** `key(record)` of a line read back; a throw becomes `ERR_CORRUPT_LINE` naming the line. */
export function keyOfLine(
  key: (record: unknown) => unknown,
  record: unknown,
  lineNumber: number,
  path: string,
): unknown {
  try {
    return key(record)
  } catch (cause) {
    throw new WriterError('ERR_CORRUPT_LINE', `key() failed on line ${lineNumber} of ${path}`, {
      cause,
      line: lineNumber,
    })
  }
}

/**
 * The keys of the records already in a JSONL (or text) file, read streaming; a torn last line is
 * ignored (the file is not changed). A missing file gives an empty set. A malformed line fails with
 * `ERR_CORRUPT_LINE`. `key` is given each record as `T`, the type you annotate it with.
 */
export async function readCompleted<K = unknown, T = unknown>(
  path: string,
  key: (record: T) => K,
  options?: WriterReadCompletedOptions,
): Promise<Set<K>> {
  const o = resolveReadCompletedOptions(key, options)
  let length = 0
  let handle: FileHandle | undefined
  try {
    handle = await open(path, 'r')
    length = await wholeLinesLength(handle)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(`Cannot read ${path}`, error)
  } finally {
    await handle?.close()
  }
  const keys = new Set<K>()
  await collectKeys(path, length, o.format, o.key, keys as Set<unknown>)
  return keys
}
