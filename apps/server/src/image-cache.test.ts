import { describe, expect, it } from 'vitest'
import { ImageCache } from './image-cache'

describe('ImageCache', () => {
  it('keeps entries up to its byte budget, dropping the least recently used first', () => {
    const cache = new ImageCache(10)
    cache.set('a', Buffer.alloc(4))
    cache.set('b', Buffer.alloc(4))
    expect(cache.get('a')?.length).toBe(4) // a is now the most recently used
    cache.set('c', Buffer.alloc(4)) // 12 bytes: b goes
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toBeDefined()
    expect(cache.get('c')).toBeDefined()
    expect(cache.totalBytes).toBe(8)
  })

  it('replaces an entry without counting it twice, and never keeps one larger than the budget', () => {
    const cache = new ImageCache(10)
    cache.set('a', Buffer.alloc(4))
    cache.set('a', Buffer.alloc(6))
    expect(cache.totalBytes).toBe(6)
    cache.set('big', Buffer.alloc(11))
    expect(cache.get('big')).toBeUndefined()
    expect(cache.size).toBe(1)
  })

  it('keeps nothing with a budget of 0', () => {
    const cache = new ImageCache(0)
    cache.set('a', Buffer.alloc(1))
    expect(cache.size).toBe(0)
  })
})
