import { describe, expect, it } from 'vitest'
import { BoundkitError } from './errors'
import { choiceOption, functionOption, numberOption, signalOption } from './options'

const fail = (message: string): never => {
  throw new BoundkitError('ERR_INVALID_OPTION', message)
}

describe('numberOption', () => {
  it('returns the fallback when the option is missing', () => {
    expect(numberOption(fail, 'concurrency', undefined, { integer: true, min: 1 }, 4)).toBe(4)
  })

  it.each([0, -1, Number.NaN, 1.5, Number.POSITIVE_INFINITY, '2', null])(
    'rejects %s for an integer >= 1',
    (bad) => {
      expect(() => numberOption(fail, 'concurrency', bad, { integer: true, min: 1 }, 1)).toThrow(
        /^Expected `concurrency` to be an integer >= 1, got `/,
      )
    },
  )

  it('names the given value and its type', () => {
    expect(() => numberOption(fail, 'concurrency', 0, { integer: true, min: 1 }, 1)).toThrow(
      'Expected `concurrency` to be an integer >= 1, got `0` (number)',
    )
  })

  it('accepts Infinity only where allowed', () => {
    const rule = { integer: true, min: 1, allowInfinity: true }
    expect(numberOption(fail, 'concurrency', Number.POSITIVE_INFINITY, rule, 1)).toBe(
      Number.POSITIVE_INFINITY,
    )
    expect(() => numberOption(fail, 'x', Number.NEGATIVE_INFINITY, rule, 1)).toThrow(/or Infinity/)
  })

  it('checks an upper bound', () => {
    expect(() => numberOption(fail, 'factor', 11, { min: 1, max: 10 }, 2)).toThrow(
      'Expected `factor` to be a number >= 1 and <= 10, got `11` (number)',
    )
  })
})

describe('other options', () => {
  it('checks functions, choices and signals', () => {
    expect(() => functionOption(fail, 'retryOn', 'yes')).toThrow(
      'Expected `retryOn` to be a function, got `"yes"` (string)',
    )
    expect(choiceOption(fail, 'jitter', undefined, ['full', 'none'], 'full')).toBe('full')
    expect(() => choiceOption(fail, 'jitter', 'half', ['full', 'none'], 'full')).toThrow(
      "Expected `jitter` to be one of 'full', 'none', got `\"half\"` (string)",
    )
    expect(() => signalOption(fail, 'signal', {})).toThrow('an AbortSignal, got `Object` (object)')
  })

  it('gives errors their code and class name', () => {
    const error = new BoundkitError('ERR_X', 'boom', { cause: 1 })
    expect(error.code).toBe('ERR_X')
    expect(error.name).toBe('BoundkitError')
    expect(error.cause).toBe(1)
  })
})
