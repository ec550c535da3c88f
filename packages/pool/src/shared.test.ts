import { describe, expect, it } from 'vitest'
import { isShared, shared, toShared } from './index'

describe('shared memory helpers', () => {
  it('allocates and copies typed arrays into SharedArrayBuffers', () => {
    const a = shared(Float64Array, 4)
    expect(a).toBeInstanceOf(Float64Array)
    expect(a.length).toBe(4)
    expect(isShared(a)).toBe(true)
    const plain = Float32Array.of(1, 2, 3)
    const copy = toShared(plain)
    expect(isShared(plain)).toBe(false)
    expect(isShared(copy)).toBe(true)
    expect([...copy]).toEqual([1, 2, 3])
    expect(toShared(copy)).toBe(copy)
    expect(() => shared(Float64Array, -1)).toThrow('Expected `length` to be an integer >= 0')
  })
})
