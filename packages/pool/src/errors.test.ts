import { describe, expect, it } from 'vitest'
import { PoolError } from './index'

describe('PoolError', () => {
  it('carries a code, a cause and its own name', () => {
    const cause = new Error('inner')
    const error = new PoolError('ERR_INVALID_OPTION', 'bad option', { cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('PoolError')
    expect(error.code).toBe('ERR_INVALID_OPTION')
    expect(error.cause).toBe(cause)
  })
})
