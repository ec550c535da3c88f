/**
 * Tasks sent ahead (`prefetch`): a busy worker is given its next task before it finishes the one it
 * runs, so that it goes from one to the next without waiting for the main thread to hear of the first
 * and send the second (on a loaded machine that round trip took 10-30% of a batch of 6 ms tasks). At
 * most one task waits at a worker. Tasks with a `signal` or a `timeout` are never sent ahead, nor
 * behind such a task: stopping it stops its worker, which would take the task waiting there along.
 *
 * A task sent ahead carries a flag (an `Int32Array` on a `SharedArrayBuffer`) that the worker sets as
 * it starts the task. When a crash takes the worker, the flags say which of its tasks ran: the one
 * that crashed it fails; the one waiting behind it never started; and the one before it finished,
 * but its answer can be lost with the worker (it is still on its way to this thread when the exit
 * is heard). Those last two are sent again rather than failed.
 */
import { hasStarted, type TaskEnvelope } from './protocol'

/** A task as the pool places it: the balancer fills `worker`; `next` is the task sent ahead behind it. */
export interface PlacedTask {
  /** The worker it went to; -1 while it waits in the queue. */
  worker: number
  readonly envelope: TaskEnvelope
  next: PlacedTask | undefined
}

export class Prefetch<T extends PlacedTask> {
  /** The last task placed on each worker that has not settled (the one waiting, if there is one). */
  readonly #last = new Map<number, T>()

  /** `task` goes to worker `id`; `ahead`: the worker is busy and the task waits there for its turn. */
  place(task: T, id: number, ahead: boolean): void {
    task.worker = id
    if (ahead) {
      task.envelope.a = new Int32Array(new SharedArrayBuffer(4))
      const running = this.#last.get(id)
      if (running) running.next = task
    }
    this.#last.set(id, task)
  }

  /** `task` settled; returns the task sent ahead behind it, which its worker starts now. */
  settled(task: T): T | undefined {
    if (this.#last.get(task.worker) === task) this.#last.delete(task.worker)
    return task.next as T | undefined
  }

  /** Whether worker `id` holds a task that has not settled. */
  holds(id: number): boolean {
    return this.#last.has(id)
  }

  /** Tasks sent ahead that their worker has not started yet. */
  waiting(): number {
    let count = 0
    for (const { envelope } of this.#last.values()) if (envelope.a && !hasStarted(envelope)) count++
    return count
  }

  /**
   * `task` was lost with its worker: whether it should run again, because it never started (it was
   * waiting), or it finished and only its answer was lost (the task behind it had started). A task
   * whose input was moved to the worker (`transfer`) cannot be sent again.
   */
  runsAgain(task: T, transferred: boolean): boolean {
    if (transferred) return false
    if (task.envelope.a && !hasStarted(task.envelope)) return true
    return task.next !== undefined && hasStarted(task.next.envelope)
  }

  /** Makes `task` a queued task again, before it is sent again. */
  unplace(task: T): void {
    this.settled(task)
    task.worker = -1
    task.next = undefined
    task.envelope.a = undefined
  }
}
