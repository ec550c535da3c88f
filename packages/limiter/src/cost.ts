import { describeValue } from '@boundkit/internal'
import type { LimiterReport } from './charge'
import { invalidOption, LimiterError } from './errors'

/** A cost per named unit (the `LimiterCost` option type, restated here so this file imports no options). */
type Cost = Readonly<Record<string, number>>

/** A rate window as far as costs go. */
interface CostWindow {
  readonly limit: number
  readonly interval: number
  readonly cost?: string
}

/** Checks that `value` is a cost object: every value a finite number >= 0. */
export function checkCost(value: unknown, name: string): Cost {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalidOption(
      `Expected \`${name}\` to be an object of costs like { tokens: 1500 }, got ${describeValue(value)}`,
    )
  }
  for (const key in value) {
    const amount = (value as Record<string, unknown>)[key]
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      invalidOption(`Expected \`${name}.${key}\` to be a finite number >= 0, got ${describeValue(amount)}`)
    }
  }
  return value as Cost
}

/**
 * A call's cost as the weighted windows count it (one number per window with a `cost`, in order),
 * or undefined when there is no weighted window. Throws `ERR_INVALID_OPTION` for a missing or bad
 * cost, `ERR_COST_TOO_HIGH` for one above a window's limit (it could never start).
 */
export function costVector(
  value: unknown,
  weighted: readonly CostWindow[],
  name: string,
): number[] | undefined {
  if (weighted.length === 0) {
    if (value !== undefined) checkCost(value, name)
    return undefined
  }
  if (value === undefined) {
    invalidOption(
      `Expected \`${name}\` to give { ${weighted[0]!.cost}: number }: a rate window counts '${weighted[0]!.cost}'`,
    )
  }
  const cost = checkCost(value, name)
  return weighted.map((window) => {
    const amount = cost[window.cost!]
    if (amount === undefined) invalidOption(`Expected \`${name}.${window.cost}\`: a rate window counts it`)
    if (amount > window.limit) {
      throw new LimiterError(
        'ERR_COST_TOO_HIGH',
        `The cost ${amount} ${window.cost} is above the rate window's limit (${window.limit} per ${window.interval} ms): it could never start`,
      )
    }
    return amount
  })
}

/** Checks what `context.report()` was given: an object with an optional cost and optional headers. */
export function checkReport(report: unknown): LimiterReport {
  if (typeof report !== 'object' || report === null) {
    invalidOption(`Expected \`report\`'s argument to be { cost?, headers? }, got ${describeValue(report)}`)
  }
  const { cost, headers } = report as LimiterReport
  if (cost !== undefined) checkCost(cost, 'report.cost')
  if (headers !== undefined && (typeof headers !== 'object' || headers === null)) {
    invalidOption(`Expected \`report.headers\` to be a Headers or a record, got ${describeValue(headers)}`)
  }
  return report as LimiterReport
}
