// The one summing loop every case of the sum benchmark runs: the serial baseline on the main thread,
// the pool's tasks and the hand-written workers, so only how the work is spread differs.
export function sumRange(array, start, end) {
  let total = 0
  for (let i = start; i < end; i++) total += array[i]
  return total
}
