/** A record's key: its `--key` field (a string or a number), or its line number. */
export type RecordKey = string | number

/** The set operations the batch needs on keys, in a memory-lean form. */
export interface KeySet {
  /** Adds `key`; false when it was already there. */
  add(key: RecordKey): boolean
  has(key: RecordKey): boolean
  readonly size: number
}

/**
 * Line numbers (positive integers) as sorted, disjoint ranges: the keys of a batch without `--key`.
 * Lines written in order make one range, so memory stays flat whatever the size of the input.
 */
export class LineSet implements KeySet {
  /** Range i is `starts[i] .. ends[i]`, both included; ranges are sorted and never touch. */
  readonly #starts: number[] = []
  readonly #ends: number[] = []
  #size = 0

  get size(): number {
    return this.#size
  }

  /** The index of the last range that starts at or before `n`, or -1. */
  #find(n: number): number {
    let low = 0
    let high = this.#starts.length - 1
    while (low <= high) {
      const mid = (low + high) >>> 1
      if ((this.#starts[mid] as number) <= n) low = mid + 1
      else high = mid - 1
    }
    return high
  }

  has(key: RecordKey): boolean {
    if (typeof key !== 'number') return false
    const i = this.#find(key)
    return i >= 0 && key <= (this.#ends[i] as number)
  }

  add(key: RecordKey): boolean {
    if (typeof key !== 'number' || !Number.isSafeInteger(key))
      throw new TypeError(`Not a line number: ${key}`)
    const i = this.#find(key)
    if (i >= 0 && key <= (this.#ends[i] as number)) return false
    this.#size++
    const joinsLeft = i >= 0 && this.#ends[i] === key - 1
    const joinsRight = this.#starts[i + 1] === key + 1
    if (joinsLeft && joinsRight) {
      this.#ends[i] = this.#ends[i + 1] as number
      this.#starts.splice(i + 1, 1)
      this.#ends.splice(i + 1, 1)
    } else if (joinsLeft) this.#ends[i] = key
    else if (joinsRight) this.#starts[i + 1] = key
    else {
      this.#starts.splice(i + 1, 0, key)
      this.#ends.splice(i + 1, 0, key)
    }
    return true
  }
}

const STRING_LATIN1 = 1
const STRING_UTF16 = 2
const NUMBER = 3
// biome-ignore lint/suspicious/noControlCharactersInRegex: the whole Latin-1 range, control characters included
const LATIN1 = /^[\u0000-\u00ff]*$/

/** A key as bytes that differ exactly when the keys differ: a type tag, then Latin-1 or UTF-16. */
function keyBytes(key: RecordKey): Buffer {
  if (typeof key === 'number') return Buffer.from(String.fromCharCode(NUMBER) + String(key), 'latin1')
  if (LATIN1.test(key)) return Buffer.from(String.fromCharCode(STRING_LATIN1) + key, 'latin1')
  const bytes = Buffer.from(`\u0000${key}`, 'utf16le')
  bytes[0] = STRING_UTF16
  return bytes
}

/** FNV-1a over the bytes, 32 bits. */
function hashBytes(bytes: Buffer): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193)
  return hash >>> 0
}

/** Where an entry's bytes start, and how many, from its offset in the arena. */
function entryAt(arena: Buffer, offset: number): { start: number; length: number } {
  const short = arena[offset] as number
  return short < 0xff
    ? { start: offset + 1, length: short }
    : { start: offset + 5, length: arena.readUInt32LE(offset + 1) }
}

/**
 * Exact keys of a batch with `--key`, in a memory-lean form: each key's bytes once in one growing
 * buffer (a length, then the tagged bytes) and an open-addressing table of offsets and hashes: about
 * 33 bytes a key for ids like `conv-0000001` (measured), against about 67 for a `Set` of the strings,
 * and no objects for the garbage collector to trace.
 */
export class KeyTable implements KeySet {
  #arena = Buffer.allocUnsafe(1 << 16)
  #used = 0
  /** Offset + 1 of each slot's entry in the arena; 0 = empty. */
  #slots = new Uint32Array(1 << 10)
  #hashes = new Uint32Array(1 << 10)
  #size = 0

  get size(): number {
    return this.#size
  }

  /** The slot holding `bytes`, or the empty slot where it would go. */
  #slotOf(bytes: Buffer, hash: number): number {
    const mask = this.#slots.length - 1
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = this.#slots[slot] as number
      if (at === 0) return slot
      if (this.#hashes[slot] !== hash) continue
      const { start, length } = entryAt(this.#arena, at - 1)
      if (length === bytes.length && this.#arena.subarray(start, start + length).equals(bytes)) return slot
    }
  }

  has(key: RecordKey): boolean {
    const bytes = keyBytes(key)
    return this.#slots[this.#slotOf(bytes, hashBytes(bytes))] !== 0
  }

  add(key: RecordKey): boolean {
    const bytes = keyBytes(key)
    const hash = hashBytes(bytes)
    const slot = this.#slotOf(bytes, hash)
    if (this.#slots[slot] !== 0) return false
    const header = bytes.length < 0xff ? 1 : 5
    const needed = this.#used + header + bytes.length
    if (needed >= 2 ** 32) throw new RangeError('Too many --key bytes for one run (4 GiB)')
    if (needed > this.#arena.length) {
      const grown = Buffer.allocUnsafe(Math.max(Math.ceil(this.#arena.length * 1.5), needed))
      this.#arena.copy(grown, 0, 0, this.#used)
      this.#arena = grown
    }
    this.#slots[slot] = this.#used + 1
    this.#hashes[slot] = hash
    if (header === 1) this.#arena[this.#used] = bytes.length
    else {
      this.#arena[this.#used] = 0xff
      this.#arena.writeUInt32LE(bytes.length, this.#used + 1)
    }
    bytes.copy(this.#arena, this.#used + header)
    this.#used = needed
    if (++this.#size * 4 > this.#slots.length * 3) this.#grow()
    return true
  }

  /** Doubles the table and puts every entry back (the arena stays as it is). */
  #grow(): void {
    const slots = this.#slots
    const hashes = this.#hashes
    this.#slots = new Uint32Array(slots.length * 2)
    this.#hashes = new Uint32Array(slots.length * 2)
    const mask = this.#slots.length - 1
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] === 0) continue
      let slot = (hashes[i] as number) & mask
      while (this.#slots[slot] !== 0) slot = (slot + 1) & mask
      this.#slots[slot] = slots[i] as number
      this.#hashes[slot] = hashes[i] as number
    }
  }
}
