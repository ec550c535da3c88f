import { createPool, type PoolOptions } from '../src/index'

export const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url)

/** A pool on a test fixture, closed by the caller (or `destroy`ed in afterEach). */
export function fixturePool(name = 'basic.mjs', options: Omit<PoolOptions, 'worker'> = {}) {
  return createPool({ worker: fixture(name), threads: 2, ...options })
}

/** The `code` of what `fn` throws; `'no error'` if it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return 'no error'
}
