import { describe, expect, it } from 'vitest'
import { LimiterError } from './index'

describe('LimiterError', () => {
  it('carries a code, a cause and its own name', () => {
    const cause = new Error('inner')
    const error = new LimiterError('ERR_INVALID_OPTION', 'bad option', { cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('LimiterError')
    expect(error.code).toBe('ERR_INVALID_OPTION')
    expect(error.cause).toBe(cause)
  })
})
