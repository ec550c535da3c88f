import { answerRequest, notRunLine } from './batch-answer'
import type { FileStore } from './batch-files'
import { objectId } from './batch-files'
import type { BatchInputError, BatchRequest } from './batch-input'
import type { ResolvedBatchOptions } from './batches-options'

export type BatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled'

/** A batch, as OpenAI answers one. */
export interface BatchObject {
  id: string
  object: 'batch'
  endpoint: string
  errors: { object: 'list'; data: BatchInputError[] } | null
  input_file_id: string
  completion_window: string
  status: BatchStatus
  output_file_id: string | null
  error_file_id: string | null
  created_at: number
  in_progress_at: number | null
  expires_at: number
  finalizing_at: number | null
  completed_at: number | null
  failed_at: number | null
  expired_at: number | null
  cancelling_at: number | null
  cancelled_at: number | null
  request_counts: { total: number; completed: number; failed: number }
  metadata: Record<string, string> | null
}

const seconds = () => Math.floor(Date.now() / 1000)

/**
 * A batch and its progress, read from the server's clock when the batch is read: once valid, its
 * requests are answered evenly over `runMs`; all answered, it completes; still running `expireMs` after
 * it started, it expires with the requests done by then in its output file and the rest
 * `batch_expired` in its error file. Needs no timer: a test that moves the clock moves the batch.
 */
export class BatchJob {
  readonly object: BatchObject
  readonly #options: ResolvedBatchOptions
  readonly #files: FileStore
  #requests: BatchRequest[]
  readonly #errors: BatchInputError[] | undefined
  /** The answered lines so far, in the order answered. */
  #answered: { ok: boolean; text: string }[] = []
  #startedAt = 0

  constructor(
    fields: { inputFileId: string; endpoint: string; metadata: Record<string, string> | null },
    input: { requests: BatchRequest[] } | { errors: BatchInputError[] },
    options: ResolvedBatchOptions,
    files: FileStore,
  ) {
    const created = seconds()
    this.#options = options
    this.#files = files
    this.#requests = 'requests' in input ? input.requests : []
    this.#errors = 'errors' in input ? input.errors : undefined
    this.object = {
      id: objectId('batch_'),
      object: 'batch',
      endpoint: fields.endpoint,
      errors: null,
      input_file_id: fields.inputFileId,
      completion_window: '24h',
      status: 'validating',
      output_file_id: null,
      error_file_id: null,
      created_at: created,
      in_progress_at: null,
      expires_at: created + Math.ceil(options.expireMs / 1000),
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: this.#requests.length, completed: 0, failed: 0 },
      metadata: fields.metadata,
    }
  }

  /** The batch as it stands at `now` (ms of the server's clock). */
  read(now: number): BatchObject {
    const batch = this.object
    if (batch.status === 'validating') this.#validated(now)
    if (batch.status === 'in_progress') this.#progress(now)
    if (batch.status === 'cancelling') this.#finish('cancelled')
    return batch
  }

  /** Asks the batch to stop: what is done is kept, the rest is `batch_cancelled`. False once it ended. */
  cancel(now: number): boolean {
    this.read(now)
    if (this.object.status !== 'in_progress' && this.object.status !== 'validating') return false
    this.object.status = 'cancelling'
    this.object.cancelling_at = seconds()
    return true
  }

  #validated(now: number): void {
    const batch = this.object
    if (this.#errors !== undefined) {
      batch.status = 'failed'
      batch.failed_at = seconds()
      batch.errors = { object: 'list', data: this.#errors }
      return
    }
    batch.status = 'in_progress'
    batch.in_progress_at = seconds()
    this.#startedAt = now
  }

  #progress(now: number): void {
    const { runMs, expireMs } = this.#options
    const total = this.#requests.length
    const elapsed = Math.max(0, now - this.#startedAt)
    const due =
      runMs === 0 ? total : Math.min(total, Math.floor((Math.min(elapsed, expireMs) * total) / runMs))
    for (let index = this.#answered.length; index < due; index++) {
      const line = answerRequest(this.#requests[index]!)
      this.#answered.push(line)
      if (line.ok) this.object.request_counts.completed++
      else this.object.request_counts.failed++
    }
    if (this.#answered.length === total) this.#finish('completed')
    else if (elapsed >= expireMs) this.#finish('expired')
  }

  /**
   * Writes the output file (the 2xx answers, latest first: the Batch API keeps no order) and the
   * error file (the others, then the requests not run), and ends the batch with `status`.
   */
  #finish(status: 'completed' | 'expired' | 'cancelled'): void {
    const batch = this.object
    batch.finalizing_at = seconds()
    const notRun =
      status === 'expired'
        ? {
            code: 'batch_expired',
            message: 'This request could not be executed before the completion window expired.',
          }
        : { code: 'batch_cancelled', message: 'This request was not executed: the batch was cancelled.' }
    const output = this.#answered
      .filter((line) => line.ok)
      .map((line) => line.text)
      .reverse()
    const errors = this.#answered.filter((line) => !line.ok).map((line) => line.text)
    for (const request of this.#requests.slice(this.#answered.length)) {
      errors.push(notRunLine(request, notRun.code, notRun.message))
    }
    batch.request_counts.failed += this.#requests.length - this.#answered.length
    const stored = (lines: string[], name: string) => {
      if (lines.length === 0) return null
      return this.#files.add(
        Buffer.from(`${lines.join('\n')}\n`),
        `${batch.id}_${name}.jsonl`,
        'batch_output',
      )
    }
    const outputFile = stored(output, 'output')
    const errorFile = stored(errors, 'error')
    this.#requests = []
    this.#answered = []
    if (outputFile === undefined || errorFile === undefined) {
      if (outputFile) this.#files.delete(outputFile.id)
      batch.status = 'failed'
      batch.failed_at = seconds()
      const message = 'The server has no room left for the batch output (storeMaxBytes).'
      batch.errors = { object: 'list', data: [{ code: 'server_error', message, param: null, line: null }] }
      return
    }
    batch.output_file_id = outputFile?.id ?? null
    batch.error_file_id = errorFile?.id ?? null
    batch.status = status
    batch[status === 'completed' ? 'completed_at' : status === 'expired' ? 'expired_at' : 'cancelled_at'] =
      seconds()
  }
}
