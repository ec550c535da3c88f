import { ClassifyError } from './errors'

/**
 * Waits for a task's promise under a deadline and an AbortSignal. A task cannot be cancelled from
 * outside, so on timeout or abort the caller stops waiting and the task's promise is left to settle
 * on its own (its outcome is ignored).
 */
export interface Guard {
  /**
   * Resolves with the promise's value; rejects with ERR_TIMEOUT, ERR_ABORTED, or the promise's error
   * passed through `mapError` (by default: ERR_TASK_FAILED with the error as `cause`).
   */
  wait<T>(promise: PromiseLike<T>, mapError?: (error: unknown) => unknown): Promise<T>
  /** Throws ERR_ABORTED or ERR_TIMEOUT when either has already happened. */
  check(): void
  /** Milliseconds left before the deadline. */
  remaining(): number
}

export function taskFailed(error: unknown): ClassifyError {
  const text = error instanceof Error ? error.message : String(error)
  return new ClassifyError('ERR_TASK_FAILED', `The task failed: ${text}`, { cause: error })
}

export function aborted(signal: AbortSignal): ClassifyError {
  return new ClassifyError('ERR_ABORTED', 'The classification was aborted', { cause: signal.reason })
}

export function createGuard(deadline: number, budgetMs: number, signal?: AbortSignal): Guard {
  const timeout = () =>
    new ClassifyError(
      'ERR_TIMEOUT',
      `The task did not settle within the time budget of ${budgetMs} ms (raise \`timeBudget\` for slow tasks)`,
    )
  const remaining = () => deadline - performance.now()
  return {
    remaining,
    check() {
      if (signal?.aborted) throw aborted(signal)
      if (remaining() <= 0) throw timeout()
    },
    wait<T>(promise: PromiseLike<T>, mapError: (error: unknown) => unknown = taskFailed): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (signal?.aborted) return reject(aborted(signal))
        const onAbort = () => finish(() => reject(aborted(signal!)))
        const timer = setTimeout(() => finish(() => reject(timeout())), Math.max(0, remaining()))
        let done = false
        function finish(action: () => void) {
          if (done) return
          done = true
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          action()
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        promise.then(
          (value) => finish(() => resolve(value)),
          (error) => finish(() => reject(mapError(error))),
        )
      })
    },
  }
}
