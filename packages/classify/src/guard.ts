import { causeChain, chainMessage } from '@boundkit/internal'
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
  /** Milliseconds left before the deadline (`Infinity` when there is none). */
  remaining(): number
}

/**
 * ERR_TASK_FAILED for what the task threw: the messages of its cause chain, and the first code in
 * the chain (`ECONNRESET`, ...) where no message names it.
 */
export function taskFailed(error: unknown): ClassifyError {
  const text = chainMessage(error)
  const code = causeChain(error).find((link) => link.code !== undefined)?.code
  const suffix = code !== undefined && !text.includes(code) ? ` (${code})` : ''
  return new ClassifyError('ERR_TASK_FAILED', `The task failed: ${text}${suffix}`, { cause: error })
}

function aborted(signal: AbortSignal): ClassifyError {
  return new ClassifyError('ERR_ABORTED', 'The classification was aborted', { cause: signal.reason })
}

/** The longest delay `setTimeout` takes; a longer one overflows and fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * A guard whose deadline is `budgetMs` from now (`Infinity`: none). `option` names the option that
 * set it in the ERR_TIMEOUT message.
 */
export function createGuard(
  budgetMs: number,
  option: 'timeBudget' | 'timeout',
  signal: AbortSignal | undefined,
): Guard {
  const deadline = performance.now() + budgetMs
  const timeout = () =>
    new ClassifyError(
      'ERR_TIMEOUT',
      option === 'timeBudget'
        ? `The task did not settle within the time budget of ${budgetMs} ms (raise \`timeBudget\` for slow tasks)`
        : `The task did not settle within the timeout of ${budgetMs} ms`,
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
        let timer: NodeJS.Timeout | undefined
        // A deadline past what one timer can wait is reached in steps; none is set without a deadline.
        const arm = () => {
          const left = remaining()
          if (left === Number.POSITIVE_INFINITY) return
          timer = setTimeout(
            () => (remaining() > 0 ? arm() : finish(() => reject(timeout()))),
            Math.max(0, Math.min(left, MAX_TIMER_MS)),
          )
        }
        let done = false
        function finish(action: () => void) {
          if (done) return
          done = true
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          action()
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        arm()
        promise.then(
          (value) => finish(() => resolve(value)),
          (error) => finish(() => reject(mapError(error))),
        )
      })
    },
  }
}

/**
 * Runs `runOnce` up to `runs` more times one after another, after the runs `done` so far. Past the
 * first run, a run that may not fit in the time left is skipped, and so are all after it: one that
 * varies (a network call, a loaded machine) can take as long as its slowest run so far, and one
 * still running when the time is up fails the whole classification with ERR_TIMEOUT.
 */
export async function repeatWithinBudget<T extends { wallMs: number }>(
  runs: number,
  guard: Guard,
  runOnce: () => Promise<T>,
  done: readonly T[] = [],
): Promise<T[]> {
  const all = [...done]
  for (let i = 0; i < runs; i++) {
    if (all.length > 0 && Math.max(...all.map((r) => r.wallMs)) > guard.remaining()) break
    guard.check()
    all.push(await runOnce())
  }
  return all
}

/**
 * Optional work (more samples, a second reading of the probe): started only when `expectedMs` fits
 * in the time left, and `fallback` if the time budget runs out while it runs anyway. Readings taken
 * to be surer must never turn a classification into ERR_TIMEOUT; a task still in flight then is
 * left to settle on its own, as on any timeout.
 */
export async function optional<T>(
  guard: Guard,
  expectedMs: number,
  work: () => Promise<T>,
  fallback: T,
): Promise<T> {
  if (expectedMs > guard.remaining()) return fallback
  try {
    return await work()
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_TIMEOUT') return fallback
    throw error
  }
}

/**
 * `runs` more runs after `done`, as optional work: started only when twice the slowest run so far
 * fits in the time left; `done` as it was otherwise (see `optional`).
 */
export function repeatIfRoom<T extends { wallMs: number }>(
  runs: number,
  guard: Guard,
  runOnce: () => Promise<T>,
  done: readonly T[],
): Promise<T[]> {
  const slowest = Math.max(...done.map((r) => r.wallMs))
  return optional(guard, 2 * slowest, () => repeatWithinBudget(runs, guard, runOnce, done), [...done])
}
