/**
 * Test helpers shared by the packages' test suites (imported by tests only, so never bundled).
 */

/** Resolves with what `promise` rejects with; fails the test if it fulfils. */
export async function rejection<E = { code?: string; message: string; cause?: unknown }>(
  promise: PromiseLike<unknown>,
): Promise<E> {
  try {
    await promise
  } catch (error) {
    return error as E
  }
  throw new Error('expected a rejection')
}
