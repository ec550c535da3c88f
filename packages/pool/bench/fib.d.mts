export function fib(n: number): number
