export function sumRange(array: Float64Array, start: number, end: number): number
