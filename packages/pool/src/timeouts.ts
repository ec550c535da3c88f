import type { StartNotice } from './protocol'

/** The longest delay a Node timer takes (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** One task's timeout, armed when the task is queued. */
export interface ArmedTimeout {
  /** The id the envelope carries (`s`): the worker posts it back when it starts the task. */
  readonly id: number
  /** Aborts when the caller's signal does, or when the task has run `timeout` ms. */
  readonly signal: AbortSignal
  /** Whether the abort came from the timeout. */
  readonly timedOut: boolean
  /** The task settled: stop the clock and unlink from the caller's signal. */
  dispose(): void
}

/**
 * Task timeouts counted from when a worker starts the task, not while it waits in the queue: the
 * worker entry posts a `StartNotice` with the envelope's id, and the task's clock starts then. A
 * timeout above 2^31 - 1 ms (about 24.8 days) never fires, as `Infinity` (a timer cannot hold it).
 */
export class TaskTimeouts {
  #seq = 0
  readonly #waiting = new Map<number, () => void>()

  /** A message from a worker: starts the clock of the task it names. */
  onMessage(message: unknown): void {
    const id = (message as Partial<StartNotice> | null)?.boundkitStart
    if (typeof id === 'number') this.#waiting.get(id)?.()
  }

  arm(timeout: number, signal: AbortSignal | undefined): ArmedTimeout {
    const controller = new AbortController()
    let unlink: (() => void) | undefined
    if (signal) {
      if (signal.aborted) controller.abort(signal.reason)
      const forward = () => controller.abort(signal.reason)
      signal.addEventListener('abort', forward, { once: true })
      unlink = () => signal.removeEventListener('abort', forward)
    }
    const id = ++this.#seq
    let timer: NodeJS.Timeout | undefined
    let timedOut = false
    this.#waiting.set(id, () => {
      if (timeout > MAX_TIMER_MS) return
      timer = setTimeout(() => {
        timedOut = true
        controller.abort()
      }, timeout)
    })
    return {
      id,
      signal: controller.signal,
      get timedOut() {
        return timedOut
      },
      dispose: () => {
        clearTimeout(timer)
        this.#waiting.delete(id)
        unlink?.()
      },
    }
  }
}
