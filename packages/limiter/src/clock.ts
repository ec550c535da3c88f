/**
 * The time source the limiter, `retry` and `Semaphore` use. Inject a fake one in tests so backoff,
 * rate windows and Retry-After cooldowns run without real sleeps.
 */
export interface Clock {
  /** Milliseconds since the epoch (Retry-After HTTP dates are compared with it). */
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = {
  // Epoch milliseconds from the monotonic clock: rate windows measure intervals, and Date.now()
  // (whole ms of a wall clock that NTP slews or steps) can make a 600 ms gap really 599 ms, or hold
  // every start for as long as the clock stepped back.
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** Resolves after `ms` on `clock`, or rejects with `onAbort()` when `signal` aborts first. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined, onAbort: () => unknown) {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(onAbort())
      return
    }
    const abort = () => {
      clock.clearTimeout(handle)
      reject(onAbort())
    }
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', abort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', abort, { once: true })
  })
}
