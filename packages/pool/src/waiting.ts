/**
 * The tasks waiting in piscina's queue for a worker. Piscina stops starting workers once a new one has
 * died before it was ready (while loading the worker file, or in `init`: `process.exit`, a native
 * crash), and then leaves its queue waiting for ever. When no worker is left, the pool fails these
 * tasks itself, so that every task settles and `close()` returns.
 */
export class WaitingTasks<T extends object> {
  readonly #tasks = new Map<T, (error: unknown) => void>()

  get size(): number {
    return this.#tasks.size
  }

  /** `task` is queued; `fail` rejects it if no worker will ever take it. */
  add(task: T, fail: (error: unknown) => void): void {
    this.#tasks.set(task, fail)
  }

  /** `task` went to a worker, or settled. */
  delete(task: T): void {
    this.#tasks.delete(task)
  }

  /** Fails every waiting task with the error `errorOf` makes for it. */
  failAll(errorOf: (task: T) => unknown): void {
    const tasks = [...this.#tasks]
    this.#tasks.clear()
    for (const [task, fail] of tasks) fail(errorOf(task))
  }
}
