/** Small statistics over samples. */
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

/** Rounds for reports: keeps JSON short without losing meaning. */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

export function percent(value: number): string {
  const p = value * 100
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`
}

export function ms(value: number): string {
  if (value >= 100) return `${Math.round(value)} ms`
  if (value >= 1) return `${value.toFixed(1)} ms`
  return `${value.toFixed(3)} ms`
}
