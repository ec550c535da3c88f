/**
 * `pool.mapShared`: cuts a shared typed array into slices, runs one task per slice (each gets a
 * zero-copy view and the call's shared control block), and gives the per-slice results or their
 * reduction.
 */
import { expected } from '@boundkit/internal'
import { invalidOption, PoolError } from './errors'
import type { ResolvedMapSharedOptions } from './options'
import { reduceResults } from './reduce'
import { isShared, type TypedArray } from './shared'
import { SliceControl, type SliceMessage } from './slice-protocol'

/** `[start, end)` bounds of `chunks` near-equal slices of `length`. */
export function sliceBounds(length: number, chunks: number): [number, number][] {
  const count = Math.max(1, Math.min(chunks, Math.max(length, 1)))
  const bounds: [number, number][] = []
  const base = Math.floor(length / count)
  let extra = length % count
  let start = 0
  for (let i = 0; i < count; i++) {
    const end = start + base + (extra > 0 ? 1 : 0)
    if (extra > 0) extra--
    bounds.push([start, end])
    start = end
  }
  return bounds
}

/** Checks the `array` argument: a typed array on a `SharedArrayBuffer`. */
export function sharedArrayArgument(array: unknown): TypedArray {
  if (!ArrayBuffer.isView(array) || array instanceof DataView || !isShared(array)) {
    invalidOption(
      expected('array', 'a typed array in a SharedArrayBuffer (use shared() or toShared())', array),
    )
  }
  return array as TypedArray
}

export interface SliceRun {
  /** Runs one slice as a task. */
  run(slice: SliceMessage): Promise<unknown>
  /** A slice finished; `done` is the progress the workers reported so far. */
  finished(index: number, done: number): void
}

export async function mapSharedSlices<R>(
  array: TypedArray,
  options: ResolvedMapSharedOptions<R>,
  slices: SliceRun,
): Promise<R | R[]> {
  const { signal, reduce } = options
  const aborted = () => new PoolError('ERR_ABORTED', 'mapShared was aborted', { cause: signal?.reason })
  if (signal?.aborted) throw aborted()
  const control = new SliceControl()
  // Abort is cooperative: workers see `cancelled` and return early, and are not stopped (their
  // ctx survives); the call rejects at once.
  let onAbort: (() => void) | undefined
  const abortion = new Promise<never>((_, reject) => {
    onAbort = () => {
      control.cancel()
      reject(aborted())
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
  const work = Promise.all(
    sliceBounds(array.length, options.chunks).map(async ([start, end], index) => {
      const value = await slices.run({ array, start, end, index, control: control.control })
      slices.finished(index, control.progress)
      return value as R
    }),
  )
  try {
    const results = signal ? await Promise.race([work, abortion]) : await work
    return reduce === undefined ? results : reduceResults(results, reduce)
  } catch (error) {
    control.cancel()
    throw error
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort)
    work.catch(() => {})
    abortion.catch(() => {})
  }
}
