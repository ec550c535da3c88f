import { defineWorker } from '@boundkit/pool'

// The same sum written two ways a user writes it: reading the slice's fields in the loop, or
// destructuring them first.
export default defineWorker({
  tasks: {
    fields(slice) {
      let total = 0
      for (let i = slice.start; i < slice.end; i++) total += slice.array[i]
      return total
    },
    destructured({ array, start, end }) {
      let total = 0
      for (let i = start; i < end; i++) total += array[i]
      return total
    },
  },
})
