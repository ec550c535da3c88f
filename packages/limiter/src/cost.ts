import { describeValue } from '@boundkit/internal'
import type { LimiterReport } from './charge'
import { callbackFailed, invalidOption, LimiterError, userCall } from './errors'

/** A rate window as far as costs go. */
interface CostWindow {
  readonly limit: number
  readonly interval: number
  readonly cost?: string
}

/** A value read from a cost object that is no cost (not a finite number >= 0). */
interface BadAmount {
  readonly key: string
  readonly amount: unknown
}

/** The windows' amounts of a call without weighted windows: none. */
const NO_AMOUNTS: number[] = []

function badAmount(key: string, amount: unknown): BadAmount | undefined {
  return typeof amount === 'number' && Number.isFinite(amount) && amount >= 0 ? undefined : { key, amount }
}

/**
 * Reads a cost object's values, each once: its enumerable keys', then each window's key it has
 * without enumerating it (a getter of its class). Each window's amount goes to `vector` at the
 * window's place (a hole when not given), every value to `copy` when one is given. Returns the first
 * value that is no cost.
 */
function readAmounts(
  source: Record<string, unknown>,
  windows: readonly CostWindow[],
  vector: unknown[],
  copy: Record<string, unknown> | undefined,
): BadAmount | undefined {
  let bad: BadAmount | undefined
  for (const key in source) {
    const amount = source[key]
    if (copy) copy[key] = amount
    bad ??= badAmount(key, amount)
    for (let k = 0; k < windows.length; k++) if (windows[k]!.cost === key) vector[k] = amount
  }
  for (let k = 0; k < windows.length; k++) {
    const key = windows[k]!.cost!
    if (k in vector) continue
    // A window before this one counts the same key: it was read once, for both.
    const first = windows.findIndex((w) => w.cost === key)
    if (first < k) {
      if (first in vector) vector[k] = vector[first]
      continue
    }
    const amount = source[key]
    if (amount === undefined) continue
    if (copy) copy[key] = amount
    bad ??= badAmount(key, amount)
    vector[k] = amount
  }
  return bad
}

/**
 * Reads a cost object's values once (see `readAmounts`), so that what is checked is what is used;
 * false when `value` is not a non-array object. A getter or a proxy that throws is `ERR_CALLBACK_FAILED`.
 */
function readCost(
  value: unknown,
  name: string,
  windows: readonly CostWindow[],
  vector: unknown[],
  copy?: Record<string, unknown>,
): BadAmount | undefined | false {
  if (typeof value !== 'object' || value === null) return false
  try {
    if (Array.isArray(value)) return false
    return readAmounts(value as Record<string, unknown>, windows, vector, copy)
  } catch (error) {
    throw callbackFailed(`Reading \`${name}\``, error)
  }
}

function expectedCosts(name: string, value: unknown): string {
  return `Expected \`${name}\` to be an object of costs like { tokens: 1500 }, got ${describeValue(value)}`
}

/**
 * Reads a cost object (see `readCost`), each window's amount into `vector`, and checks it: every
 * value a finite number >= 0.
 */
function checkCost(value: unknown, name: string, windows: readonly CostWindow[], vector: unknown[]): void {
  const bad = readCost(value, name, windows, vector)
  if (bad === false) invalidOption(expectedCosts(name, value))
  if (bad !== undefined) {
    invalidOption(
      `Expected \`${name}.${bad.key}\` to be a finite number >= 0, got ${describeValue(bad.amount)}`,
    )
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
  if (weighted.length === 0) {
    if (value !== undefined) checkCost(value, name, weighted, NO_AMOUNTS)
    return undefined
  }
  if (value === undefined) {
    invalidOption(
      `Expected \`${name}\` to give { ${weighted[0]!.cost}: number }: a rate window counts '${weighted[0]!.cost}'`,
    )
  }
  // Every run call with a cost comes here, and its job keeps the vector: read straight into it,
  // sized at once (a first push reserves 17 slots).
  const vector = new Array<number>(weighted.length)
  checkCost(value, name, weighted, vector)
  for (let k = 0; k < weighted.length; k++) {
    const window = weighted[k]!
    if (!(k in vector)) invalidOption(`Expected \`${name}.${window.cost}\`: a rate window counts it`)
    const amount = vector[k]!
    if (amount > window.limit) {
      throw new LimiterError(
        'ERR_COST_TOO_HIGH',
        `The cost ${amount} ${window.cost} is above the rate window's limit (${window.limit} per ${window.interval} ms): it could never start`,
      )
    }
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
    // A plain copy: a key such as `__proto__` is a cost like any other.
    costs = Object.create(null) as Record<string, unknown>
    if (readCost(cost, 'report.cost', [], NO_AMOUNTS, costs) === false) {
      invalidOption(expectedCosts('report.cost', cost))
    }
  }
  if (headers !== undefined && (typeof headers !== 'object' || headers === null)) {
    invalidOption(`Expected \`report.headers\` to be a Headers or a record, got ${describeValue(headers)}`)
  }
  return { cost: costs as LimiterReport['cost'], headers: headers as LimiterReport['headers'] }
}
