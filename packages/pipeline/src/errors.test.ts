import { describe, expect, it } from 'vitest'
import { PipelineError } from './index'

describe('PipelineError', () => {
  it('carries a code, a cause and its own name', () => {
    const cause = new Error('inner')
    const error = new PipelineError('ERR_INVALID_OPTION', 'bad option', { cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('PipelineError')
    expect(error.code).toBe('ERR_INVALID_OPTION')
    expect(error.cause).toBe(cause)
  })
})
