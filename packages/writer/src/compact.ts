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

/**
 * The newest line of each key, by slot: a key gets the next slot at its first line, so slots are in
 * the order keys first appeared. Typed arrays, not an object a key: about 21 bytes a key besides the
 * `Map` from key to slot.
 */
class LineIndex {
  readonly slots = new Map<unknown, number>()
  /** The 1-based number, byte offset and length (newline excluded) of each slot's newest line. */
  line = new Float64Array(1024)
  start = new Float64Array(1024)
  length = new Uint32Array(1024)
  /** Placed by `order` already. */
  taken = new Uint8Array(1024)

  get size(): number {
    return this.slots.size
  }

  set(key: unknown, line: number, start: number, length: number): void {
    let slot = this.slots.get(key)
    if (slot === undefined) {
      slot = this.slots.size
      this.slots.set(key, slot)
      if (slot === this.line.length) this.#grow()
    }
    this.line[slot] = line
    this.start[slot] = start
    this.length[slot] = length
  }

  #grow(): void {
    const grow = <A extends Float64Array | Uint32Array | Uint8Array>(from: A): A => {
      const to = new (from.constructor as new (n: number) => A)(from.length * 2)
      to.set(from)
      return to
    }
    this.line = grow(this.line)
    this.start = grow(this.start)
    this.length = grow(this.length)
    this.taken = grow(this.taken)
  }
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
async function copyLines(source: FileHandle, target: FileHandle, index: LineIndex, slots: number[]) {
  const input = Buffer.allocUnsafe(BLOCK)
  const output = Buffer.allocUnsafe(BLOCK)
  let inputStart = 0
  let inputEnd = 0
  let used = 0
  const drain = async () => {
    if (used > 0) await target.write(output, 0, used)
    used = 0
  }
  for (const slot of slots) {
    const at = index.start[slot] as number
    const size = (index.length[slot] as number) + 1
    if (size > BLOCK) {
      await drain()
      const big = Buffer.allocUnsafe(size)
      await readExactly(source, big, size, at)
      await target.write(big)
      continue
    }
    if (at < inputStart || at + size > inputEnd) {
      const { size: fileSize } = await source.stat()
      const length = Math.min(BLOCK, fileSize - at)
      await readExactly(source, input, length, at)
      inputStart = at
      inputEnd = at + length
    }
    if (used + size > BLOCK) await drain()
    input.copy(output, used, at - inputStart, at - inputStart + size)
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
): Promise<{ index: LineIndex; lines: number }> {
  const parse = lineParser(format, file)
  const index = new LineIndex()
  let offset = 0
  const lines = await forEachLine(file, length, (text, lineNumber, bytes) => {
    index.set(keyOfLine(key, parse(text, lineNumber), lineNumber, file), lineNumber, offset, bytes)
    offset += bytes + 1
  })
  return { index, lines }
}

/** The slots in the order `order` gives, then the others in the order their keys first appeared. */
async function arrange(
  index: LineIndex,
  order: Iterable<unknown> | AsyncIterable<unknown> | undefined,
): Promise<number[]> {
  const arranged: number[] = []
  if (order !== undefined) {
    for await (const key of order) {
      const slot = index.slots.get(key)
      if (slot === undefined || index.taken[slot] === 1) continue
      index.taken[slot] = 1
      arranged.push(slot)
    }
  }
  for (let slot = 0; slot < index.size; slot++) if (index.taken[slot] === 0) arranged.push(slot)
  return arranged
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
 * Fails with `ERR_INVALID_OPTION`, `ERR_LOCKED`, `ERR_CORRUPT_LINE` or `ERR_IO`. `key` is given each
 * record as `T`, the type you annotate it with.
 */
export async function compactFile<T = unknown>(
  path: string,
  key: (record: T) => unknown,
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
    const { index, lines } = await indexLines(file, length, o.format, o.key)
    const arranged = await arrange(index, o.order)
    const result = { linesRead: lines, linesWritten: arranged.length }
    if (arranged.length === lines && arranged.every((slot, i) => index.line[slot] === i + 1)) {
      return { ...result, rewritten: false }
    }
    try {
      const { mode } = await stat(file)
      const source = await open(file, 'r')
      try {
        const target = await open(temporary, 'w', mode)
        try {
          await copyLines(source, target, index, arranged)
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
