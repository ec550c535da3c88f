import { defineWorker } from '@boundkit/pool'

export default defineWorker({
  tasks: {
    // Sums a whole (copied) array.
    sumCopy(array) {
      let total = 0
      for (let i = 0; i < array.length; i++) total += array[i]
      return total
    },
    // Sums one slice of a shared array, read in place.
    sumShared({ array, start, end }) {
      let total = 0
      for (let i = start; i < end; i++) total += array[i]
      return total
    },
  },
})
