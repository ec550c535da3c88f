/** A listener of one event; what it returns is ignored. */
export type Listener<P> = (payload: P) => void

/**
 * The one way boundkit resources report progress: `on(event, listener)` returns the function that
 * unsubscribes. Emitting costs nothing when no one listens, and a payload can be given as a function
 * so it is only computed for listeners. A listener that throws never breaks the work that emitted:
 * its error goes to `onListenerError` (by default a process warning), and the other listeners still run.
 */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>()
  readonly #onListenerError: (error: unknown, event: keyof Events) => void

  constructor(onListenerError?: (error: unknown, event: keyof Events) => void) {
    this.#onListenerError = onListenerError ?? defaultListenerError
  }

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event)
    if (!set) {
      set = new Set()
      this.#listeners.set(event, set)
    }
    set.add(listener as Listener<never>)
    return () => {
      set.delete(listener as Listener<never>)
      if (set.size === 0 && this.#listeners.get(event) === set) this.#listeners.delete(event)
    }
  }

  /** Whether anyone listens to `event` (to skip building a costly payload). */
  has(event: keyof Events): boolean {
    return this.#listeners.has(event)
  }

  emit<K extends keyof Events>(event: K, payload: Events[K] | (() => Events[K])): void {
    const set = this.#listeners.get(event)
    if (!set) return
    const value = typeof payload === 'function' ? (payload as () => Events[K])() : payload
    for (const listener of [...set]) {
      try {
        ;(listener as Listener<Events[K]>)(value)
      } catch (error) {
        this.#onListenerError(error, event)
      }
    }
  }
}

function defaultListenerError(error: unknown, event: PropertyKey): void {
  const warning = new Error(`A boundkit '${String(event)}' listener threw; the work goes on`, {
    cause: error,
  })
  warning.name = 'BoundkitListenerWarning'
  process.emitWarning(warning)
}
