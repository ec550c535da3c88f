import { describe, expect, it } from 'vitest'
import { ClassifyError } from './index'

describe('ClassifyError', () => {
  it('carries a code, a cause and its own name', () => {
    const cause = new Error('inner')
    const error = new ClassifyError('ERR_INVALID_OPTION', 'bad option', { cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ClassifyError')
    expect(error.code).toBe('ERR_INVALID_OPTION')
    expect(error.cause).toBe(cause)
  })
})
