import { messageOf } from '@boundkit/internal'
import { PoolError } from './errors'
import { CODE_TAG } from './protocol'

/** Why a task's promise was rejected, as far as the pool knows. */
export interface RejectionContext {
  task: string
  destroyed: boolean
  timedOut: boolean
  timeout: number | undefined
  /** The worker that ran the task is gone (it crashed or was killed). */
  workerLost: boolean
  signal: AbortSignal | undefined
}

const EXIT = /worker exited with code: (-?\d+)/

export function isCloneError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { name, message } = error as { name?: unknown; message?: unknown }
  return name === 'DataCloneError' || (typeof message === 'string' && /could not be cloned/.test(message))
}

/** Turns what piscina or the worker entry rejected with into a `PoolError`, or the task's own error. */
export function toPoolError(error: unknown, context: RejectionContext): unknown {
  const { task } = context
  if (context.destroyed) {
    return new PoolError(
      'ERR_CLOSED',
      `The pool was destroyed before task ${JSON.stringify(task)} finished`,
      {
        cause: error,
      },
    )
  }
  if (context.timedOut) {
    return new PoolError('ERR_TIMEOUT', `Task ${JSON.stringify(task)} ran longer than ${context.timeout} ms`)
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new PoolError('ERR_ABORTED', `Task ${JSON.stringify(task)} was aborted`, {
      cause: context.signal?.reason ?? error,
    })
  }
  const message = messageOf(error)
  const tagged = CODE_TAG.exec(message)
  if (tagged) {
    const code = tagged[1] as PoolError['code']
    const cause = (error as { cause?: unknown }).cause
    return new PoolError(code, message.slice(tagged[0].length), cause === undefined ? undefined : { cause })
  }
  if (isCloneError(error)) {
    return new PoolError(
      'ERR_DATA_CLONE',
      `The input or result of task ${JSON.stringify(task)} cannot be sent between threads: ${messageOf(error)}`,
      { cause: error },
    )
  }
  if (message === 'Task queue is at limit' || message.startsWith('No task queue available')) {
    return new PoolError(
      'ERR_QUEUE_FULL',
      `The pool's queue is full; task ${JSON.stringify(task)} was not queued`,
      {
        cause: error,
      },
    )
  }
  if (context.workerLost) {
    const exit = EXIT.exec(message)
    return new PoolError(
      'ERR_WORKER_CRASHED',
      `The worker running task ${JSON.stringify(task)} crashed: ${exit ? `it exited with code ${exit[1]}` : message}`,
      { cause: exit ? Number(exit[1]) : error },
    )
  }
  return error
}

export function closedError(): PoolError {
  return new PoolError('ERR_CLOSED', 'The pool is closed')
}
