/** The naive recursive Fibonacci: a pure CPU loop of known cost (the demo's CPU work). */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}
