/**
 * A first-in first-out queue with O(1) push and shift (an array with a moving head, compacted when
 * the consumed prefix grows): unlike `Array.prototype.shift`, cost does not grow with the backlog.
 */
export class Fifo<T> {
  #items: (T | undefined)[] = []
  #head = 0

  get size(): number {
    return this.#items.length - this.#head
  }

  push(item: T): void {
    this.#items.push(item)
  }

  /** The first item, left in place. */
  peek(): T | undefined {
    return this.#items[this.#head]
  }

  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    if (this.#head === this.#items.length) {
      this.#items.length = 0
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** Removes the first occurrence of `item`; O(n). */
  remove(item: T): boolean {
    const index = this.#items.indexOf(item, this.#head)
    if (index === -1) return false
    this.#items.splice(index, 1)
    return true
  }
}
