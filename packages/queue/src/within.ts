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
