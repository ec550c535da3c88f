/** What an intrusive list links: each item holds its neighbours. */
export interface Linked<T> {
  prev: T | undefined
  next: T | undefined
}

/**
 * Items in the order they were added, as an intrusive doubly-linked list: O(1) add and delete, and
 * nothing allocated per item (a `Set` that fills and empties at every start reallocates its table).
 */
export class LinkedList<T extends Linked<T>> {
  #head: T | undefined = undefined
  #tail: T | undefined = undefined
  #size = 0

  get size(): number {
    return this.#size
  }

  /** The oldest item; walk on with `next`. */
  get first(): T | undefined {
    return this.#head
  }

  add(item: T): void {
    item.prev = this.#tail
    if (this.#tail) this.#tail.next = item
    else this.#head = item
    this.#tail = item
    this.#size++
  }

  /** Removes `item`; an item not in the list is left alone. */
  delete(item: T): void {
    if (item.prev === undefined && this.#head !== item) return
    if (item.prev) item.prev.next = item.next
    else this.#head = item.next
    if (item.next) item.next.prev = item.prev
    else this.#tail = item.prev
    item.prev = undefined
    item.next = undefined
    this.#size--
  }

  /** A copy, so that items can be deleted while walking it. */
  snapshot(): T[] {
    const items: T[] = []
    for (let item = this.#head; item; item = item.next) items.push(item)
    return items
  }
}
