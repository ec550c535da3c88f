import { expected, numberOption } from '@boundkit/internal'
import { invalidOption } from './errors'

/** How the demo server's Batch API (`/v1/files`, `/v1/batches`) behaves. */
export interface BatchOptions {
  /**
   * How long a batch takes, in ms of the server's clock (`now`): its requests are answered evenly over
   * it (0: all at once, when the batch is first read after its creation). @default 0
   */
  runMs?: number
  /**
   * A batch still running this long after it started expires (ms of the server's clock): the requests
   * done are in its output file, the rest `batch_expired` in its error file. @default 86400000 (24 h)
   */
  expireMs?: number
  /** Most requests in one batch; more fails validation (`too_many_requests`). @default 50000 */
  maxRequests?: number
  /**
   * Most tokens a batch may enqueue (prompt estimates + `max_tokens` of its requests); more fails
   * validation (`token_limit_exceeded`), as OpenAI's enqueued-token limit does. @default Infinity
   */
  tokenLimit?: number
  /** Largest uploaded file, in bytes; larger gets 413. @default 67108864 (64 MiB) */
  fileMaxBytes?: number
  /**
   * Bytes of files (uploads and batch outputs) kept in memory at once; an upload that would pass it
   * gets 413 until files are deleted. @default 268435456 (256 MiB)
   */
  storeMaxBytes?: number
}

export type ResolvedBatchOptions = Required<BatchOptions>

/** The Batch API's options with their defaults, checked. */
export function resolveBatchOptions(batches: BatchOptions | undefined): ResolvedBatchOptions {
  if (batches !== undefined && (typeof batches !== 'object' || batches === null)) {
    invalidOption(expected('batches', 'an object', batches))
  }
  const b = batches ?? {}
  const ms = (name: string, value: unknown, fallback: number) =>
    numberOption(invalidOption, `batches.${name}`, value, { min: 0, max: 7 * 86_400_000 }, fallback)
  const count = (name: string, value: unknown, max: number, fallback: number) =>
    numberOption(invalidOption, `batches.${name}`, value, { integer: true, min: 1, max }, fallback)
  return {
    runMs: ms('runMs', b.runMs, 0),
    expireMs: ms('expireMs', b.expireMs, 86_400_000),
    maxRequests: count('maxRequests', b.maxRequests, 1_000_000, 50_000),
    tokenLimit: numberOption(
      invalidOption,
      'batches.tokenLimit',
      b.tokenLimit,
      { integer: true, min: 1, allowInfinity: true },
      Number.POSITIVE_INFINITY,
    ),
    fileMaxBytes: count('fileMaxBytes', b.fileMaxBytes, 2 ** 31, 64 * 2 ** 20),
    storeMaxBytes: count('storeMaxBytes', b.storeMaxBytes, 2 ** 34, 256 * 2 ** 20),
  }
}
