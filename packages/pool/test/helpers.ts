import { createPool, type PoolOptions } from '../src/index'

export const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url)

/** A pool on a test fixture, closed by the caller (or `destroy`ed in afterEach). */
export function fixturePool(name = 'basic.mjs', options: Omit<PoolOptions, 'worker'> = {}) {
  return createPool({ worker: fixture(name), threads: 2, ...options })
}

/** Resolves with the rejection of `promise` (fails the test if it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code?: string; message: string; cause?: unknown }> {
  try {
    await promise
  } catch (error) {
    return error as { code?: string; message: string; cause?: unknown }
  }
  throw new Error('expected a rejection')
}
