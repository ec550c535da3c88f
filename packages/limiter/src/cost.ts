import { describeValue } from '@boundkit/internal'
import type { LimiterReport } from './charge'
import { callbackFailed, invalidOption, LimiterError, userCall } from './errors'

/** A rate window as far as costs go. */
interface CostWindow {
  readonly limit: number
  readonly interval: number
  readonly cost?: string
}

/**
 * A cost object's values, each read once into `names` and `amounts`: its enumerable keys', then
 * each window's key it has without enumerating it.
 */
function readAmounts(
  source: Record<string, unknown>,
  windows: readonly { readonly cost?: string }[],
  names: string[],
  amounts: unknown[],
): void {
  for (const key in source) {
    names.push(key)
    amounts.push(source[key])
  }
  for (const window of windows) {
    const key = window.cost!
    if (names.includes(key)) continue
    const amount = source[key]
    if (amount === undefined) continue
    names.push(key)
    amounts.push(amount)
  }
}

/**
 * Reads a cost object's values once (see `readAmounts`), so that what is checked is what is used;
 * false when `value` is not a non-array object. A getter or a proxy that throws is `ERR_CALLBACK_FAILED`.
 */
function readCost(
  value: unknown,
  name: string,
  windows: readonly { readonly cost?: string }[],
  names: string[],
  amounts: unknown[],
): boolean {
  if (typeof value !== 'object' || value === null) return false
  try {
    if (Array.isArray(value)) return false
    readAmounts(value as Record<string, unknown>, windows, names, amounts)
  } catch (error) {
    throw callbackFailed(`Reading \`${name}\``, error)
  }
  return true
}

function expectedCosts(name: string, value: unknown): string {
  return `Expected \`${name}\` to be an object of costs like { tokens: 1500 }, got ${describeValue(value)}`
}

/**
 * Reads a cost object (see `readCost`) and checks it: every value a finite number >= 0. Its names
 * and amounts are pushed to the arrays given.
 */
function checkCost(
  value: unknown,
  name: string,
  windows: readonly { readonly cost?: string }[],
  names: string[],
  amounts: unknown[],
): void {
  if (!readCost(value, name, windows, names, amounts)) invalidOption(expectedCosts(name, value))
  for (let i = 0; i < amounts.length; i++) {
    const amount = amounts[i]
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      invalidOption(
        `Expected \`${name}.${names[i]}\` to be a finite number >= 0, got ${describeValue(amount)}`,
      )
    }
  }
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
  const names: string[] = []
  const amounts: unknown[] = []
  if (weighted.length === 0) {
    if (value !== undefined) checkCost(value, name, weighted, names, amounts)
    return undefined
  }
  if (value === undefined) {
    invalidOption(
      `Expected \`${name}\` to give { ${weighted[0]!.cost}: number }: a rate window counts '${weighted[0]!.cost}'`,
    )
  }
  checkCost(value, name, weighted, names, amounts)
  // Each run call with a cost comes here: the vector is its one allocation that stays.
  const vector: number[] = []
  for (const window of weighted) {
    const i = names.indexOf(window.cost!)
    if (i < 0) invalidOption(`Expected \`${name}.${window.cost}\`: a rate window counts it`)
    const amount = amounts[i] as number
    if (amount > window.limit) {
      throw new LimiterError(
        'ERR_COST_TOO_HIGH',
        `The cost ${amount} ${window.cost} is above the rate window's limit (${window.limit} per ${window.interval} ms): it could never start`,
      )
    }
    vector.push(amount)
  }
  return vector
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
  let costs: Record<string, unknown> | undefined
  if (cost !== undefined) {
    const names: string[] = []
    const amounts: unknown[] = []
    if (!readCost(cost, 'report.cost', [], names, amounts)) invalidOption(expectedCosts('report.cost', cost))
    // A plain copy: a key such as `__proto__` is a cost like any other.
    costs = Object.create(null) as Record<string, unknown>
    for (let i = 0; i < names.length; i++) costs[names[i]!] = amounts[i]
  }
  if (headers !== undefined && (typeof headers !== 'object' || headers === null)) {
    invalidOption(`Expected \`report.headers\` to be a Headers or a record, got ${describeValue(headers)}`)
  }
  return { cost: costs as LimiterReport['cost'], headers: headers as LimiterReport['headers'] }
}
