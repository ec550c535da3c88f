/** An iterator over a caller's items, and whether its `next()` returns promises. */
export interface ItemIterator<T> {
  iterator: Iterator<T> | AsyncIterator<T>
  isAsync: boolean
}

/**
 * One way to pull from an array, an iterable or an async iterable, one item at a time, so a caller
 * can take items only as capacity frees up (memory bounded by what is in flight, not by the input).
 * Returns undefined for anything else, so the caller can raise its own coded error.
 */
export function itemIterator<T>(items: Iterable<T> | AsyncIterable<T>): ItemIterator<T> | undefined {
  if (items === null || items === undefined) return undefined
  const asyncFactory = (items as AsyncIterable<T>)[Symbol.asyncIterator]
  if (typeof asyncFactory === 'function') return { iterator: asyncFactory.call(items), isAsync: true }
  const syncFactory = (items as Iterable<T>)[Symbol.iterator]
  if (typeof syncFactory === 'function') return { iterator: syncFactory.call(items), isAsync: false }
  return undefined
}
