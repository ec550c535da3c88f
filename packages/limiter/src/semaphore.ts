import { expected, Fifo, numberOption, signalOption } from '@boundkit/internal'
import { abortedError, invalidOption } from './errors'

/** Gives a permit back. Calling it twice does nothing; `using release = await sem.acquire()` works. */
export interface Release {
  (): void
  [Symbol.dispose](): void
}

const dispose: typeof Symbol.dispose =
  Symbol.dispose ?? (Symbol.for('nodejs.dispose') as typeof Symbol.dispose)

interface Waiter {
  resolve: (release: Release) => void
  reject: (error: unknown) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

/**
 * A counting semaphore with fair (FIFO) hand-off: a released permit goes to the longest waiter,
 * never to a newcomer calling `tryAcquire`.
 */
export class Semaphore {
  #permits: number
  #available: number
  #waiters = new Fifo<Waiter>()

  /** @param permits how many holders at once (an integer >= 1). */
  constructor(permits: number) {
    this.#permits = numberOption(invalidOption, 'permits', permits, { integer: true, min: 1 }, 1)
    if (permits === undefined) invalidOption('Expected `permits` to be an integer >= 1, got `undefined`')
    this.#available = this.#permits
  }

  /** Total permits. */
  get permits(): number {
    return this.#permits
  }

  /** Permits free right now. */
  get available(): number {
    return this.#available
  }

  /** Callers waiting in `acquire`. */
  get waiting(): number {
    return this.#waiters.size
  }

  /** Waits for a permit; rejects with `ERR_ABORTED` (and takes nothing) when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<Release> {
    signalOption(invalidOption, 'signal', signal)
    if (signal?.aborted) return Promise.reject(abortedError(signal.reason))
    if (this.#available > 0 && this.#waiters.size === 0) {
      this.#available--
      return Promise.resolve(this.#release())
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined }
      if (signal) {
        waiter.onAbort = () => {
          if (this.#waiters.remove(waiter)) reject(abortedError(signal.reason))
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.#waiters.push(waiter)
    })
  }

  /** A permit now, or `undefined` when none is free (or others are already waiting). */
  tryAcquire(): Release | undefined {
    if (this.#available === 0 || this.#waiters.size > 0) return undefined
    this.#available--
    return this.#release()
  }

  /** Runs `fn` holding a permit. */
  async run<T>(fn: () => T | PromiseLike<T>, signal?: AbortSignal): Promise<T> {
    if (typeof fn !== 'function') invalidOption(expected('fn', 'a function', fn))
    const release = await this.acquire(signal)
    try {
      return await fn()
    } finally {
      release()
    }
  }

  #release(): Release {
    let released = false
    const release = (() => {
      if (released) return
      released = true
      const next = this.#waiters.shift()
      if (next === undefined) {
        this.#available++
        return
      }
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort)
      next.resolve(this.#release())
    }) as Release
    release[dispose] = release
    return release
  }
}
