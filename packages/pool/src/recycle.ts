/** A worker as the recycler sees it (piscina's thread). */
interface RecycledWorker {
  readonly threadId: number
  terminate(): Promise<unknown>
}

/**
 * Worker recycling (`maxTasksPerWorker`): counts the tasks given to each worker; a worker that has
 * reached the limit takes no new task, and once its last task settles it is stopped (piscina starts
 * a fresh one, which runs `init` again). With no limit it does nothing.
 */
export class Recycler {
  readonly #max: number
  readonly #workers: () => readonly RecycledWorker[]
  readonly #assigned = new Map<number, number>()
  /** Workers at the limit: no task goes to them until they are gone. */
  readonly #retiring = new Set<number>()

  constructor(maxTasksPerWorker: number, workers: () => readonly RecycledWorker[]) {
    this.#max = maxTasksPerWorker
    this.#workers = workers
  }

  /** Whether worker `id` may take a new task that is not aimed at it. */
  accepts(id: number): boolean {
    return this.#retiring.size === 0 || !this.#retiring.has(id)
  }

  /** Counts a task given to worker `id`. */
  assigned(id: number): void {
    if (this.#max === Number.POSITIVE_INFINITY) return
    const count = (this.#assigned.get(id) ?? 0) + 1
    this.#assigned.set(id, count)
    if (count >= this.#max) this.#retiring.add(id)
  }

  /** A task on worker `id` settled: stop the worker if it is retiring. */
  settled(id: number): void {
    if (!this.#retiring.has(id)) return
    const workers = this.#workers()
    // Forget the retired workers that are gone already; this one stays retiring until it is.
    const live = new Set(workers.map((w) => w.threadId))
    for (const other of this.#retiring) {
      if (!live.has(other)) {
        this.#retiring.delete(other)
        this.#assigned.delete(other)
      }
    }
    void workers.find((w) => w.threadId === id)?.terminate()
  }
}
