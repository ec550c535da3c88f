/**
 * Whether `promise` resolves within `ms` (`Infinity`: as long as it takes). A rejection within `ms`
 * is thrown; once `ms` has passed, the promise is left to itself and a later rejection ignored.
 */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms === Number.POSITIVE_INFINITY) {
    await promise
    return true
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false)
  })
  try {
    return await Promise.race([promise.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
    promise.catch(() => {})
  }
}

/**
 * `promise`, or a rejection with `signal`'s reason as soon as it aborts: a wait on a Redis that does
 * not answer (its commands wait for a reconnect) ends when the caller stops.
 */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {})
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
