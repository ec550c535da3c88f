import { expected, numberOption, signalOption } from '@boundkit/internal'
import { invalidOption, PoolError } from './errors'
import type { MapSharedOptions } from './pool'
import {
  autoChunks,
  isShared,
  reduceResults,
  SliceControl,
  type SliceMessage,
  sliceBounds,
  type TypedArray,
} from './shared'

/**
 * `pool.mapShared`: cuts a shared typed array into slices, runs one task per slice (each gets a
 * zero-copy view and the shared control block), and gives the per-slice results or their reduction.
 */
export async function mapSharedSlices<R>(
  array: TypedArray,
  options: MapSharedOptions<R>,
  threads: number,
  runSlice: (slice: SliceMessage) => Promise<unknown>,
): Promise<R | R[]> {
  if (!ArrayBuffer.isView(array) || array instanceof DataView || !isShared(array)) {
    invalidOption(
      expected('array', 'a typed array in a SharedArrayBuffer (use shared() or toShared())', array),
    )
  }
  const chunks = numberOption(
    invalidOption,
    'chunks',
    options.chunks,
    { integer: true, min: 1 },
    autoChunks(array.length, threads),
  )
  const reduce = options.reduce
  if (reduce !== undefined && typeof reduce !== 'function' && !['sum', 'min', 'max'].includes(reduce)) {
    invalidOption(expected('reduce', "'sum', 'min', 'max' or a function", reduce))
  }
  const signal = signalOption(invalidOption, 'signal', options.signal)
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
    sliceBounds(array.length, chunks).map(async ([start, end], index) => {
      const slice: SliceMessage = { array, start, end, index, control: control.control }
      const value = await runSlice(slice)
      options.onProgress?.(control.progress, array.length)
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
