import { describe, expect, it } from 'vitest'
import { LinkedList } from './linked-list'

class Item {
  prev: Item | undefined = undefined
  next: Item | undefined = undefined
  constructor(readonly name: string) {}
}

const names = (list: LinkedList<Item>) => list.snapshot().map((item) => item.name)

describe('LinkedList', () => {
  it('keeps items in the order added; deletes any of them in place', () => {
    const list = new LinkedList<Item>()
    const [a, b, c] = [new Item('a'), new Item('b'), new Item('c')]
    for (const item of [a, b, c]) list.add(item)
    expect(names(list)).toEqual(['a', 'b', 'c'])
    list.delete(b)
    expect(names(list)).toEqual(['a', 'c'])
    list.delete(a)
    expect(list.first).toBe(c)
    list.delete(c)
    expect(list.size).toBe(0)
    expect(list.first).toBeUndefined()
    list.add(b)
    expect(names(list)).toEqual(['b'])
  })

  it('deleting an item twice, or one never added, changes nothing (an attempt can end twice)', () => {
    const list = new LinkedList<Item>()
    const [a, b, c] = [new Item('a'), new Item('b'), new Item('c')]
    for (const item of [a, b]) list.add(item)
    list.delete(a)
    list.delete(a)
    list.delete(c)
    expect(list.size).toBe(1)
    expect(names(list)).toEqual(['b'])
    list.delete(b)
    list.delete(b)
    expect(list.size).toBe(0)
  })
})
