import { expect, it } from 'vitest'
import { InOrder } from './in-order'

it('releases values in position order and passes over the ones left out', () => {
  const released: string[] = []
  const order = new InOrder<string>((value) => released.push(value))
  order.put(2, 'c')
  order.put(1, undefined)
  expect(released).toEqual([])
  expect(order.held).toBe(2)
  order.put(0, 'a')
  expect(released).toEqual(['a', 'c'])
  order.put(3, 'd')
  expect(released).toEqual(['a', 'c', 'd'])
  expect(order.held).toBe(0)
})
