import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { ioError, WriterError } from './errors'
import { acquireLock, releaseLock } from './lock'
import { resolveCompactOptions, type WriterCompactOptions } from './options'
import { forEachLine, keyOfLine, lineParser, repairTail } from './resume'

/** What `compactFile` did. */
export interface WriterCompactResult {
  /** Whole lines the file held before (count). */
  linesRead: number
  /** Lines it holds now: one per key (count). */
  linesWritten: number
  /** False when the file already held one line per key in the wanted order: it was left as it was. */
  rewritten: boolean
}

/** The newest line of a key: where it is in the file, and where the key's first line was. */
interface Newest {
  /** The 1-based number of the key's first line. */
  first: number
  /** The 1-based number of its newest line. */
  line: number
  /** Byte offset and length of the newest line, its newline excluded. */
  start: number
  length: number
  taken: boolean
}

const BLOCK = 1 << 20

/** Reads `length` bytes at `position` into `into` (at 0), or fails: the file changed under the lock. */
async function readExactly(handle: FileHandle, into: Buffer, length: number, position: number) {
  let done = 0
  while (done < length) {
    const { bytesRead } = await handle.read(into, done, length - done, position + done)
    if (bytesRead === 0) throw new WriterError('ERR_IO', 'The file got shorter while it was compacted')
    done += bytesRead
  }
}

/**
 * Copies the given lines (newline included) from `source` to `target`, in that order, through one
 * read block and one write block: lines mostly in file order cost one read per block, not per line.
 */
async function copyLines(source: FileHandle, target: FileHandle, lines: readonly Newest[]) {
  const input = Buffer.allocUnsafe(BLOCK)
  const output = Buffer.allocUnsafe(BLOCK)
  let inputStart = 0
  let inputEnd = 0
  let used = 0
  const drain = async () => {
    if (used > 0) await target.write(output, 0, used)
    used = 0
  }
  for (const line of lines) {
    const size = line.length + 1
    if (size > BLOCK) {
      await drain()
      const big = Buffer.allocUnsafe(size)
      await readExactly(source, big, size, line.start)
      await target.write(big)
      continue
    }
    if (line.start < inputStart || line.start + size > inputEnd) {
      const { size: fileSize } = await source.stat()
      const length = Math.min(BLOCK, fileSize - line.start)
      await readExactly(source, input, length, line.start)
      inputStart = line.start
      inputEnd = line.start + length
    }
    if (used + size > BLOCK) await drain()
    input.copy(output, used, line.start - inputStart, line.start - inputStart + size)
    used += size
  }
  await drain()
}

/** The newest line of every key, read streaming, and the file's whole lines (count). */
async function indexLines(
  file: string,
  length: number,
  format: 'jsonl' | 'text',
  key: (record: unknown) => unknown,
): Promise<{ newest: Map<unknown, Newest>; lines: number }> {
  const parse = lineParser(format, file)
  const newest = new Map<unknown, Newest>()
  let offset = 0
  const lines = await forEachLine(file, length, (text, lineNumber, bytes) => {
    const value = keyOfLine(key, parse(text, lineNumber), lineNumber, file)
    const seen = newest.get(value)
    const at = { line: lineNumber, start: offset, length: bytes }
    if (seen === undefined) newest.set(value, { first: lineNumber, ...at, taken: false })
    else Object.assign(seen, at)
    offset += bytes + 1
  })
  return { newest, lines }
}

/** The newest lines in the order `order` gives, then the others where their key first appeared. */
async function arrange(
  newest: Map<unknown, Newest>,
  order: Iterable<unknown> | AsyncIterable<unknown> | undefined,
): Promise<Newest[]> {
  const picked: Newest[] = []
  if (order !== undefined) {
    for await (const key of order) {
      const line = newest.get(key)
      if (line === undefined || line.taken) continue
      line.taken = true
      picked.push(line)
    }
  }
  const rest = [...newest.values()].filter((line) => !line.taken).sort((a, b) => a.first - b.first)
  return picked.concat(rest)
}

/** Makes the rename durable: syncs the directory that holds the file's new entry. */
async function syncDirectory(file: string): Promise<void> {
  const directory = await open(dirname(file), 'r')
  try {
    await directory.sync()
  } finally {
    await directory.close()
  }
}

/**
 * Rewrites a JSONL (or text) file so that it holds one line per key, the key's last line (its newest
 * outcome), in the order `options.order` gives. The new file is written beside the old one
 * (`<path>.compact`), synced, renamed over it (atomic) and the directory synced: a crash at any moment
 * leaves the old file or the new one, both whole, never a mix. Holds `<path>.lock` meanwhile. A file
 * already compact is left as it is; a missing file gives zero lines. Memory: one entry per key.
 * Fails with `ERR_INVALID_OPTION`, `ERR_LOCKED`, `ERR_CORRUPT_LINE` or `ERR_IO`.
 */
export async function compactFile(
  path: string,
  key: (record: unknown) => unknown,
  options?: WriterCompactOptions,
): Promise<WriterCompactResult> {
  const o = resolveCompactOptions(key, options)
  const file = resolve(path)
  const lockPath = o.lock ? `${file}.lock` : undefined
  if (lockPath !== undefined) await acquireLock(lockPath)
  try {
    const temporary = `${file}.compact`
    // What a crash during an earlier compaction left; the file itself was not touched by it.
    await unlink(temporary).catch(() => {})
    // A torn last line (a crash while appending) is cut, as every open does.
    const length = await repairTail(file)
    const { newest, lines } = await indexLines(file, length, o.format, o.key)
    const arranged = await arrange(newest, o.order)
    const result = { linesRead: lines, linesWritten: arranged.length }
    if (arranged.every((line, i) => line.line === i + 1) && arranged.length === lines) {
      return { ...result, rewritten: false }
    }
    try {
      const { mode } = await stat(file)
      const source = await open(file, 'r')
      try {
        const target = await open(temporary, 'w', mode)
        try {
          await copyLines(source, target, arranged)
          await target.sync()
        } finally {
          await target.close()
        }
      } finally {
        await source.close()
      }
      await rename(temporary, file)
      await syncDirectory(file)
    } catch (error) {
      await unlink(temporary).catch(() => {})
      throw error instanceof WriterError ? error : ioError(`Cannot compact ${file}`, error)
    }
    return { ...result, rewritten: true }
  } finally {
    if (lockPath !== undefined) await releaseLock(lockPath)
  }
}
