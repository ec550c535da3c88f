export function fib(n: number): number
export function timedFib(n: number): [value: number, start: number, end: number, thread: number]
