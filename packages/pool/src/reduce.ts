/** How `mapShared` combines the per-slice results: `'sum'`, `'min'`, `'max'` or `(a, b) => c`. */
export type Reducer<R> = 'sum' | 'min' | 'max' | ((accumulator: R, value: R) => R)

/** The reducers `mapShared` knows by name. */
export const NAMED_REDUCERS: readonly string[] = ['sum', 'min', 'max']

/** Combines the per-slice results in slice order. */
export function reduceResults<R>(values: R[], reducer: Reducer<R>): R {
  if (typeof reducer === 'function') {
    if (values.length === 0) return undefined as R
    return values.reduce(reducer)
  }
  const numbers = values as unknown as number[]
  if (reducer === 'sum') return numbers.reduce((a, b) => a + b, 0) as R
  if (reducer === 'min') return Math.min(...numbers) as R
  return Math.max(...numbers) as R
}
