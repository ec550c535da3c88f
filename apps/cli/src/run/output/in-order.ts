/**
 * Releases results in the order of their positions (0, 1, 2, ...) whatever order they finish in. A
 * position given `undefined` is passed over (a record left for a later run), so it never holds back
 * the ones after it.
 */
export class InOrder<T> {
  readonly #held = new Map<number, T | undefined>()
  readonly #release: (value: T) => void
  #next = 0

  constructor(release: (value: T) => void) {
    this.#release = release
  }

  /** Results finished and waiting for an earlier one. */
  get held(): number {
    return this.#held.size
  }

  /** The position released next: a result put at another one waits. */
  get next(): number {
    return this.#next
  }

  put(position: number, value: T | undefined): void {
    this.#held.set(position, value)
    while (this.#held.has(this.#next)) {
      const next = this.#held.get(this.#next)
      this.#held.delete(this.#next++)
      if (next !== undefined) this.#release(next)
    }
  }
}
