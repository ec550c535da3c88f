import { defineWorker, type SharedSlice } from '@boundkit/pool'

function sumRange(array: Float64Array, start: number, end: number): number {
  let total = 0
  for (let i = start; i < end; i++) total += array[i] as number
  return total
}

/** The shared-memory scenario's worker: sum a copied array, or a slice of a shared one in place. */
export default defineWorker({
  tasks: {
    /** The input was structured-cloned (copied) into this worker. */
    sumCopy: (array: Float64Array) => sumRange(array, 0, array.length),
    /** A zero-copy view of a SharedArrayBuffer. */
    sumShared: (slice: SharedSlice<Float64Array>) => {
      const total = sumRange(slice.array, slice.start, slice.end)
      slice.progress(slice.end - slice.start)
      return total
    },
  },
})
