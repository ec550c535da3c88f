import { errorRecord, type FailureReason, failureReason } from '../http'
import type { ExecutorReading } from './executor'

/**
 * The failed attempts that were retried, for the live page: by reason (429, 5xx, timeout,
 * connection), and by code with the first message.
 */
export class RetryTally {
  readonly #reasons: Partial<Record<FailureReason, number>> = {}
  readonly #errors = new Map<string, { count: number; sample: string }>()

  /** An attempt that failed with `failure` and is tried again. */
  add(failure: unknown): void {
    const record = errorRecord(failure)
    const reason = failureReason(record)
    this.#reasons[reason] = (this.#reasons[reason] ?? 0) + 1
    const code = record.status === undefined ? record.code : `HTTP ${record.status}`
    const entry = this.#errors.get(code)
    if (entry) entry.count++
    else this.#errors.set(code, { count: 1, sample: record.message.slice(0, 300) })
  }

  reading(): Pick<ExecutorReading, 'retryReasons' | 'retryErrors'> {
    return {
      retryReasons: { ...this.#reasons },
      retryErrors: [...this.#errors].map(([code, entry]) => ({ code, ...entry })),
    }
  }
}
