/**
 * The server's CPU work: naive recursive Fibonacci, exponential on purpose (fib(35) is about 30
 * million calls). A plain function with no imports, so a worker thread can run the very same code.
 */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}
