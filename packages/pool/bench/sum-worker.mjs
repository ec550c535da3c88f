import { defineWorker } from '@boundkit/pool'
import { sumRange } from './sum-range.mjs'

export default defineWorker({
  tasks: {
    // Sums a whole (copied) array.
    sumCopy: (array) => sumRange(array, 0, array.length),
    // Sums one slice of a shared array, read in place.
    sumShared: ({ array, start, end }) => sumRange(array, start, end),
  },
})
