import { describe, expect, it } from 'vitest'
import { forbiddenKey } from './json-body'

describe('forbiddenKey', () => {
  it('finds __proto__ and constructor.prototype at any depth, with their path', () => {
    expect(forbiddenKey('{"__proto__":{}}')).toEqual({ key: '__proto__', path: '__proto__' })
    expect(forbiddenKey('{"a":[1,{"b":{"__proto__":null}}]}')).toEqual({
      key: '__proto__',
      path: 'a[1].b.__proto__',
    })
    expect(forbiddenKey('[{"constructor":{"prototype":1}}]')).toEqual({
      key: 'constructor',
      path: '[0].constructor',
    })
  })

  it('finds the first in the text first', () => {
    expect(forbiddenKey('{"a":{"__proto__":1},"b":{"__proto__":2}}')?.path).toBe('a.__proto__')
  })

  it('accepts what Fastify accepts: a constructor without a prototype, a string "__proto__"', () => {
    expect(forbiddenKey('{"constructor":{},"x":"__proto__","y":{"constructor":"prototype"}}')).toBeUndefined()
  })

  it('gives nothing for text that is not JSON', () => {
    expect(forbiddenKey('{"__proto__":')).toBeUndefined()
  })

  it('walks a body nested deeper than the stack', () => {
    const depth = 200_000
    const text = `${'['.repeat(depth)}{"__proto__":1}${']'.repeat(depth)}`
    expect(forbiddenKey(text)?.path).toBe(`${'[0]'.repeat(depth)}.__proto__`)
  })
})
