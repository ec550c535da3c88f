import { isThenable } from '@boundkit/internal'
import { type Guard, taskFailed } from './guard'

/** A task to classify: sync or async, called with no arguments. */
export type Task = () => unknown

/**
 * Failed calls of one classification, skipped as transient (one reset connection among many calls
 * should not void the measurement). A task that keeps failing still fails: a failure beyond the
 * first `maxSkipped` that is also more than 5% of the calls made is thrown.
 */
export interface FailedCalls {
  /** Calls that failed and were skipped. */
  count: number
  /** Calls made, failed ones included. */
  made: number
}

const maxSkipped = 2
const maxShare = 0.05

/** Calls `task` once; a sync throw becomes ERR_TASK_FAILED, a promise is awaited under the guard. */
function callTask(task: Task, guard: Guard): Promise<unknown> | undefined {
  let result: unknown
  try {
    result = task()
  } catch (error) {
    throw taskFailed(error)
  }
  return isThenable(result) ? guard.wait(result) : undefined
}

/**
 * Whether a failed call (or command run) may be skipped: ERR_TASK_FAILED, or ERR_COMMAND_FAILED of
 * a command that exists (not a timeout, an abort or a missing program), within the allowance.
 */
export function skipFailure(error: unknown, failed: FailedCalls): boolean {
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } }
  const transient = code === 'ERR_TASK_FAILED' || (code === 'ERR_COMMAND_FAILED' && cause?.code !== 'ENOENT')
  if (!transient) return false
  failed.count++
  return failed.count <= maxSkipped || failed.count <= maxShare * failed.made
}

/** Runs `once` until it succeeds or fails beyond what `failed` allows (`skipFailure`). */
export async function retryFailed<T>(once: () => Promise<T>, failed: FailedCalls): Promise<T> {
  for (;;) {
    try {
      const result = await once()
      failed.made++
      return result
    } catch (error) {
      failed.made++
      if (!skipFailure(error, failed)) throw error
    }
  }
}

/**
 * Runs `calls` calls of the task one after another; sync calls never yield to the event loop. With
 * `failed`, a failed call is counted there and skipped while the allowance lasts.
 */
export async function runSequence(
  task: Task,
  calls: number,
  guard: Guard,
  failed?: FailedCalls,
): Promise<void> {
  for (let i = 0; i < calls; i++) {
    try {
      const pending = callTask(task, guard)
      if (pending) await pending
    } catch (error) {
      if (!failed) throw error
      failed.made++
      if (!skipFailure(error, failed)) throw error
      continue
    }
    if (failed) failed.made++
  }
}
