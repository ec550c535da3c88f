/**
 * One way to pull from an array, an iterable or an async iterable, one item at a time, so a caller
 * can take items only as capacity frees up (memory bounded by what is in flight, not by the input).
 * Returns undefined for anything else, so the caller can raise its own coded error.
 */
export function itemIterator<T>(
  items: Iterable<T> | AsyncIterable<T>,
): AsyncIterator<T> | Iterator<T> | undefined {
  if (items !== null && typeof items === 'object') {
    const asyncFactory = (items as AsyncIterable<T>)[Symbol.asyncIterator]
    if (typeof asyncFactory === 'function') return asyncFactory.call(items)
  }
  if (
    items !== null &&
    items !== undefined &&
    typeof (items as Iterable<T>)[Symbol.iterator] === 'function'
  ) {
    return (items as Iterable<T>)[Symbol.iterator]()
  }
  return undefined
}
