// The recursive fibonacci every case of the CPU benchmark runs (serial, pool, hand-written workers).
export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}
