import { describeValue } from '@boundkit/internal'
import type { LimiterReport } from './charge'
import { invalidOption, LimiterError, userCall } from './errors'

/** A cost per named unit (the `LimiterCost` option type, restated here so this file imports no options). */
type Cost = Readonly<Record<string, number>>

/** A rate window as far as costs go. */
interface CostWindow {
  readonly limit: number
  readonly interval: number
  readonly cost?: string
}

/** A plain copy of a cost object's values (its enumerable keys, and `keys`), each read once. */
function copyCost(value: object, keys: readonly string[]): Record<string, unknown> | undefined {
  if (Array.isArray(value)) return undefined
  const source = value as Record<string, unknown>
  const copy: Record<string, unknown> = Object.create(null)
  for (const key in source) copy[key] = source[key]
  for (const key of keys) {
    if (key in copy) continue
    const amount = source[key]
    if (amount !== undefined) copy[key] = amount
  }
  return copy
}

/**
 * A cost object's values read once into a plain copy (`keys`: the ones the windows count, also
 * when not enumerable), so that what is checked is what is used; undefined when `value` is not a
 * non-array object. A getter or a proxy that throws is `ERR_CALLBACK_FAILED`.
 */
function readCost(value: unknown, name: string, keys: readonly string[] = []) {
  if (typeof value !== 'object' || value === null) return undefined
  return userCall(`Reading \`${name}\``, copyCost, value, keys)
}

function expectedCosts(name: string, value: unknown): string {
  return `Expected \`${name}\` to be an object of costs like { tokens: 1500 }, got ${describeValue(value)}`
}

/** Checks that `value` is a cost object: every value a finite number >= 0. Returns a copy of it. */
export function checkCost(value: unknown, name: string, keys?: readonly string[]): Cost {
  const cost = readCost(value, name, keys)
  if (cost === undefined) invalidOption(expectedCosts(name, value))
  for (const key in cost) {
    const amount = cost[key]
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      invalidOption(`Expected \`${name}.${key}\` to be a finite number >= 0, got ${describeValue(amount)}`)
    }
  }
  return cost as Cost
}

/**
 * Whether a reported amount can be what one attempt cost in a window of `limit`: a number from 0 to
 * the limit (a server refuses a request above its whole limit). Others are ignored, not thrown:
 * they come from the answer (`usage`), and 1e308 or Infinity would hold the window a whole interval.
 */
export function saneAmount(amount: unknown, limit: number): amount is number {
  return typeof amount === 'number' && amount >= 0 && amount <= limit
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
  const cost = checkCost(
    value,
    name,
    weighted.map((window) => window.cost!),
  )
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

/**
 * What `context.report()` was given, read once: an object with an optional cost object and optional
 * headers (else `ERR_INVALID_OPTION`). The cost's values are checked per window when applied.
 */
export function checkReport(report: unknown): LimiterReport {
  if (typeof report !== 'object' || report === null) {
    invalidOption(`Expected \`report\`'s argument to be { cost?, headers? }, got ${describeValue(report)}`)
  }
  const given = report as LimiterReport
  const { cost, headers } = userCall("Reading `report`'s argument", () => ({
    cost: given.cost as unknown,
    headers: given.headers as unknown,
  }))
  const costs = cost === undefined ? undefined : readCost(cost, 'report.cost')
  if (cost !== undefined && costs === undefined) invalidOption(expectedCosts('report.cost', cost))
  if (headers !== undefined && (typeof headers !== 'object' || headers === null)) {
    invalidOption(`Expected \`report.headers\` to be a Headers or a record, got ${describeValue(headers)}`)
  }
  return { cost: costs as LimiterReport['cost'], headers: headers as LimiterReport['headers'] }
}
