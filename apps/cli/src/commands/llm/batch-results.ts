import type { Outcome } from '@boundkit/limiter'
import { type HttpAnswer, HttpError } from '../../http'

/** A request the batch did not answer: the Batch API's own code (`batch_expired`, `batch_cancelled`). */
export class BatchLineError extends Error {
  override name = 'BatchLineError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** A line of a batch's output or error file (the fields read). */
interface ResultLine {
  custom_id?: unknown
  response?: { status_code?: unknown; request_id?: unknown; body?: unknown } | null
  error?: { code?: unknown; message?: unknown } | null
}

/** A result line's `custom_id`, or undefined when the line is not one. */
export function resultKey(text: string): { key: string; line: ResultLine } | undefined {
  let line: ResultLine
  try {
    line = JSON.parse(text) as ResultLine
  } catch {
    return undefined
  }
  return typeof line?.custom_id === 'string' ? { key: line.custom_id, line } : undefined
}

/**
 * The outcome of a request from its result line, as a live run would have had it: a 2xx answer with
 * its `x-request-id` (so the output line is the same), a non-2xx answer as the `HttpError` a live
 * request throws, else the Batch API's coded error.
 */
export function resultOutcome(index: number, line: ResultLine): Outcome<HttpAnswer> {
  const { response, error } = line
  if (response !== null && response !== undefined && typeof response.status_code === 'number') {
    const headers = new Headers()
    if (typeof response.request_id === 'string') headers.set('x-request-id', response.request_id)
    const status = response.status_code
    if (status >= 200 && status < 300) {
      return { index, status: 'fulfilled', value: { status, headers, body: response.body }, attempts: 1 }
    }
    return { index, status: 'rejected', error: new HttpError(status, headers, response.body), attempts: 1 }
  }
  const code = typeof error?.code === 'string' ? error.code : 'ERR_BATCH_LINE'
  const message = typeof error?.message === 'string' ? error.message : 'the batch gave no answer'
  return { index, status: 'rejected', error: new BatchLineError(code, message), attempts: 1 }
}
