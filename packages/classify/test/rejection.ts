import type { ClassifyError } from '../src/index'

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<ClassifyError> {
  try {
    await promise
  } catch (error) {
    return error as ClassifyError
  }
  throw new Error('expected a rejection')
}
