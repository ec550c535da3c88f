import { describe, expect, it } from 'vitest'
import { WriterError } from './index'

describe('WriterError', () => {
  it('carries a code, a cause and its own name', () => {
    const cause = new Error('inner')
    const error = new WriterError('ERR_INVALID_OPTION', 'bad option', { cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('WriterError')
    expect(error.code).toBe('ERR_INVALID_OPTION')
    expect(error.cause).toBe(cause)
  })
})
