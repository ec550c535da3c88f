import { describe, expect, it } from 'vitest'
import { KeyTable, LineSet } from './key-sets'

describe('LineSet', () => {
  it('holds line numbers as ranges, in any order', () => {
    const lines = new LineSet()
    for (const n of [1, 2, 3, 7, 5, 6, 10]) expect(lines.add(n)).toBe(true)
    expect(lines.add(6)).toBe(false)
    expect(lines.size).toBe(7)
    expect([...Array(12).keys()].filter((n) => lines.has(n))).toEqual([1, 2, 3, 5, 6, 7, 10])
    expect(lines.add(4)).toBe(true)
    expect([...Array(12).keys()].filter((n) => lines.has(n))).toEqual([1, 2, 3, 4, 5, 6, 7, 10])
    expect(lines.has('1')).toBe(false)
  })

  it('keeps a million lines written in order as one range', () => {
    const lines = new LineSet()
    for (let n = 1; n <= 1_000_000; n++) lines.add(n)
    expect(lines.size).toBe(1_000_000)
    expect(lines.has(999_999) && !lines.has(1_000_001) && !lines.has(0)).toBe(true)
  })
})

describe('KeyTable', () => {
  it('tells exactly which keys it holds: strings and numbers apart, any Unicode', () => {
    const keys = new KeyTable()
    const values = ['a', 'é', '\u{1f600}', '\ud800', '\udc00', '', 1, '1', 1.5, -2, 'x'.repeat(10_000)]
    for (const value of values) expect(keys.add(value)).toBe(true)
    for (const value of values) expect(keys.add(value)).toBe(false)
    expect(keys.size).toBe(values.length)
    for (const value of ['b', 2, '\ud801', 'x'.repeat(9_999), '1.5']) expect(keys.has(value)).toBe(false)
  })

  it('grows past its first table and arena', () => {
    const keys = new KeyTable()
    for (let i = 0; i < 200_000; i++) keys.add(`conv-${i}`)
    expect(keys.size).toBe(200_000)
    expect(keys.has('conv-0') && keys.has('conv-199999') && !keys.has('conv-200000')).toBe(true)
    expect(keys.add('conv-123456')).toBe(false)
  })
})
