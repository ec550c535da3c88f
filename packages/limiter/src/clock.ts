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

/** When the process's monotonic clock started, in epoch ms (read once: it never changes). */
const timeOrigin = performance.timeOrigin

export const systemClock: Clock = {
  // Epoch milliseconds from the monotonic clock: rate windows measure intervals, and Date.now()
  // (whole ms of a wall clock that NTP slews or steps) can make a 600 ms gap really 599 ms, or hold
  // every start for as long as the clock stepped back.
  now: () => timeOrigin + performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** The longest delay a Node.js timer holds (2^31-1 ms, 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647

/** A wait longer than one timer can hold: re-armed in steps until it has all passed. */
class LongTimer {
  handle: unknown = undefined
}

/**
 * `clock` with timers that accept any delay (Infinity included): a delay above `MAX_TIMER_MS` is
 * waited in steps of at most that, so no timer ever overflows and fires early.
 */
export function timerSafe(clock: Clock): Clock {
  const arm = (timer: LongTimer, callback: () => void, left: number) => {
    const step = Math.min(left, MAX_TIMER_MS)
    timer.handle = clock.setTimeout(
      () => (left > step ? arm(timer, callback, left - step) : callback()),
      step,
    )
  }
  return {
    now: () => clock.now(),
    setTimeout(callback, ms) {
      if (ms <= MAX_TIMER_MS) return clock.setTimeout(callback, ms)
      const timer = new LongTimer()
      arm(timer, callback, ms)
      return timer
    },
    clearTimeout(handle) {
      clock.clearTimeout(handle instanceof LongTimer ? handle.handle : handle)
    },
  }
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
