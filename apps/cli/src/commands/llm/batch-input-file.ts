import { once } from 'node:events'
import { createWriteStream, type WriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { Pending } from '../../run/executor'
import { uploadPath } from './batch-state'
import type { BuiltRequests } from './built'

/** What one batch's input file may hold: `--batch-size` requests and `--batch-bytes` bytes. */
export interface BatchLimits {
  requests: number
  bytes: number
}

/** A Batch API request line of a record. */
export function requestLine(item: Pending, built: BuiltRequests): string {
  const { request } = built.of(item)
  return `${JSON.stringify({ custom_id: String(item.key), method: 'POST', url: request.path, body: request.body })}\n`
}

/**
 * Whether a line of `lineBytes` still goes into a file that holds `requests` lines of `bytes`. The first
 * line always does: a file holds at least one request (the API judges one that is too large alone).
 */
export function fitsBatch(
  file: { requests: number; bytes: number },
  lineBytes: number,
  limits: BatchLimits,
): boolean {
  return file.requests === 0 || (file.requests < limits.requests && file.bytes + lineBytes <= limits.bytes)
}

/** How many batches the request lines of these sizes (bytes, in order) fill. */
export function batchCount(lineSizes: Iterable<number>, limits: BatchLimits): number {
  const file = { requests: 0, bytes: 0 }
  let batches = 0
  for (const size of lineSizes) {
    if (!fitsBatch(file, size, limits)) {
      file.requests = 0
      file.bytes = 0
    }
    if (file.requests === 0) batches++
    file.requests++
    file.bytes += size
  }
  return batches
}

/**
 * One batch's input file as it fills, kept beside the output (`uploadPath`), and the records it holds:
 * their `custom_id` and place in the run, nothing more (their requests are on disk).
 */
export class BatchInputFile {
  readonly file: number
  readonly path: string
  /** The records written to it: `custom_id` -> the record's `pos`. */
  readonly records = new Map<string, number>()
  requests = 0
  bytes = 0
  readonly #stream: WriteStream

  constructor(out: string, file: number) {
    this.file = file
    this.path = uploadPath(out, file)
    this.#stream = createWriteStream(this.path)
  }

  fits(line: string, limits: BatchLimits): boolean {
    return fitsBatch(this, Buffer.byteLength(line), limits)
  }

  async add(key: string, pos: number, line: string): Promise<void> {
    this.records.set(key, pos)
    this.requests++
    this.bytes += Buffer.byteLength(line)
    if (!this.#stream.write(line)) await once(this.#stream, 'drain')
  }

  /** Every line on disk (before the file is uploaded). */
  async close(): Promise<void> {
    if (this.#stream.closed) return
    this.#stream.end()
    await once(this.#stream, 'close')
  }

  /** The file goes: it will not be uploaded. */
  async discard(): Promise<void> {
    await this.close().catch(() => {})
    await rm(this.path, { force: true })
  }
}
