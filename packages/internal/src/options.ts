import { describeValue } from './describe'

/**
 * Option checks that fail at construction with a message naming the option, what was expected and
 * what was given, in p-queue's style: Expected `concurrency` to be an integer >= 1, got `0` (number).
 * Each check calls `fail(message)`, which the package turns into its own coded error.
 */
export type Fail = (message: string) => never

export interface NumberRule {
  /** Whole numbers only. */
  integer?: boolean
  min?: number
  max?: number
  /** Accept `Infinity` (e.g. "no limit"). */
  allowInfinity?: boolean
}

function ruleText(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number'
  const bounds: string[] = []
  if (rule.min !== undefined) bounds.push(`>= ${rule.min}`)
  if (rule.max !== undefined) bounds.push(`<= ${rule.max}`)
  const infinity = rule.allowInfinity ? ' (or Infinity)' : ''
  return `${kind}${bounds.length ? ` ${bounds.join(' and ')}` : ''}${infinity}`
}

export function expected(name: string, what: string, value: unknown): string {
  return `Expected \`${name}\` to be ${what}, got ${describeValue(value)}`
}

/** Checks a number option and returns it typed; `undefined` gives `fallback`. */
export function numberOption(
  fail: Fail,
  name: string,
  value: unknown,
  rule: NumberRule,
  fallback: number,
): number {
  if (value === undefined) return fallback
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (Number.isFinite(value) || (rule.allowInfinity === true && value === Number.POSITIVE_INFINITY)) &&
    (!rule.integer || !Number.isFinite(value) || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max)
  if (!ok) fail(expected(name, ruleText(rule), value))
  return value as number
}

/** Checks that an option, when given, is a function. */
export function functionOption<F extends (...args: never[]) => unknown>(
  fail: Fail,
  name: string,
  value: unknown,
): F | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') fail(expected(name, 'a function', value))
  return value as F
}

/** Checks that an option, when given, is one of `choices`. */
export function choiceOption<T extends string>(
  fail: Fail,
  name: string,
  value: unknown,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    fail(expected(name, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value))
  }
  return value as T
}

/** Checks that an option, when given, is a boolean. */
export function booleanOption(fail: Fail, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(expected(name, 'a boolean', value))
  return value as boolean
}

/** Checks that an option, when given, is an AbortSignal. */
export function signalOption(fail: Fail, name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof AbortSignal)) fail(expected(name, 'an AbortSignal', value))
  return value as AbortSignal
}

/**
 * Checks a timeout in ms: `>= 1`, or `Infinity` for none, the same range in every package.
 * `undefined` gives `fallback`.
 */
export function timeoutOption(fail: Fail, name: string, value: unknown, fallback: number): number {
  return numberOption(fail, name, value, { min: 1, allowInfinity: true }, fallback)
}

/**
 * A package's `invalidOption(message)`: the `fail` its option checks take, throwing the package's own
 * error class with `ERR_INVALID_OPTION` (`make` builds it).
 */
export function optionFailure(make: (message: string) => Error): Fail {
  return (message) => {
    throw make(message)
  }
}

/** Checks that an options argument, when given, is an object; `undefined` gives `{}`. */
export function optionsObject<T extends object>(
  fail: Fail,
  value: T | undefined,
  name = 'options',
): Partial<T> {
  if (value === undefined) return {}
  if (value === null || typeof value !== 'object') fail(expected(name, 'an object', value))
  return value
}
