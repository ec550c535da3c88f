/** The median of a list of figures (`NaN` for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Median, min, max and spread ((max - min) / median) of a list of figures. */
export interface Spread {
  median: number
  min: number
  max: number
  /** (max - min) / median: 0 when every sample agrees. */
  spread: number
}

export function spread(values: readonly number[]): Spread {
  const m = median(values)
  const min = Math.min(...values)
  const max = Math.max(...values)
  return { median: m, min, max, spread: m > 0 ? (max - min) / m : 0 }
}
