import { type FileHandle, open } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ioError } from './errors'
import { acquireLock, releaseLock } from './lock'
import { resolveWriterOptions, type WriterOptions } from './options'
import { collectKeys, repairTail } from './resume'
import { Writer } from './writer'

/**
 * Opens `path` for appending (creating it if needed) and returns a `Writer`. Takes `<path>.lock`
 * first (`ERR_LOCKED` if a live writer holds it), cuts a torn last line, and with `resume` reads the
 * keys already written. Fails with `ERR_INVALID_OPTION`, `ERR_LOCKED`, `ERR_CORRUPT_LINE` or `ERR_IO`.
 */
export async function openWriter<T = unknown>(path: string, options?: WriterOptions<T>): Promise<Writer<T>> {
  const o = resolveWriterOptions(path, options)
  const file = resolve(path)
  const lockPath = o.lock ? `${file}.lock` : undefined
  if (lockPath !== undefined) await acquireLock(lockPath)
  try {
    const completed = new Set<unknown>()
    let lines = 0
    if (o.format !== 'bytes') {
      const length = await repairTail(file)
      if (o.resume) lines = await collectKeys(file, length, o.format, o.key, completed)
    }
    let handle: FileHandle
    let size: number | undefined
    try {
      handle = await open(file, 'a')
      const info = await handle.stat()
      // A failed write cuts the file back to what was acknowledged only where no one else appends.
      if (info.isFile() && lockPath !== undefined) size = info.size
    } catch (error) {
      throw ioError(`Cannot open ${file}`, error)
    }
    const firstSeq = o.startSeq + lines
    return new Writer<T>({ path: file, handle, options: o, completed, firstSeq, lockPath, size })
  } catch (error) {
    if (lockPath !== undefined) await releaseLock(lockPath)
    throw error
  }
}
