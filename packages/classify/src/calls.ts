import { isThenable } from '@boundkit/internal'
import { type Guard, taskFailed } from './guard'

/** A task to classify: sync or async, called with no arguments. */
export type Task = () => unknown

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

/** Runs `calls` calls of the task one after another; sync calls never yield to the event loop. */
export async function runSequence(task: Task, calls: number, guard: Guard): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const pending = callTask(task, guard)
    if (pending) await pending
  }
}
