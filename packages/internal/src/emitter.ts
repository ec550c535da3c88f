import { expected, type Fail } from './options'

/** A listener of one event; what it returns is ignored. */
export type Listener<P> = (payload: P) => void

/** Every event name an emitter emits (a record, so that a name left out fails to compile). */
export type EventNames<Events extends object> = { readonly [K in keyof Events]: true }

/**
 * The one way boundkit resources report progress: `on(event, listener)` returns the function that
 * unsubscribes. An event the resource does not emit (`'progres'`) or a listener that is not a
 * function fails at once through the package's `fail` (its `ERR_INVALID_OPTION`), in every package.
 * Emitting costs nothing when no one listens, and a payload can be given as a function so it is only
 * computed for listeners. A listener that throws never breaks the work that emitted: its error goes
 * to `onListenerError` (by default a process warning), and the other listeners still run.
 */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>()
  readonly #names: readonly PropertyKey[]
  readonly #fail: Fail
  readonly #onListenerError: (error: unknown, event: keyof Events) => void

  constructor(
    names: EventNames<Events>,
    fail: Fail,
    onListenerError?: (error: unknown, event: keyof Events) => void,
  ) {
    this.#names = Object.keys(names)
    this.#fail = fail
    this.#onListenerError = onListenerError ?? defaultListenerError
  }

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    if (typeof event !== 'string' || !this.#names.includes(event)) {
      this.#fail(
        expected('event', `one of ${this.#names.map((name) => `'${String(name)}'`).join(', ')}`, event),
      )
    }
    if (typeof listener !== 'function') this.#fail(expected('listener', 'a function', listener))
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
