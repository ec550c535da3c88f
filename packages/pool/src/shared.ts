import { expected } from '@boundkit/internal'
import { invalidOption } from './errors'

/** A typed array class whose instances can live in a `SharedArrayBuffer`. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array

export interface TypedArrayConstructor<T extends TypedArray> {
  new (buffer: SharedArrayBuffer, byteOffset?: number, length?: number): T
  readonly BYTES_PER_ELEMENT: number
}

/** Allocates a zeroed typed array of `length` elements in a `SharedArrayBuffer`. */
export function shared<T extends TypedArray>(type: TypedArrayConstructor<T>, length: number): T {
  if (typeof type !== 'function' || typeof type.BYTES_PER_ELEMENT !== 'number') {
    invalidOption(expected('type', 'a typed array class such as Float64Array', type))
  }
  if (!Number.isInteger(length) || length < 0) {
    invalidOption(expected('length', 'an integer >= 0', length))
  }
  return new type(new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT), 0, length)
}

/** Copies a typed array into a `SharedArrayBuffer` (once); returns it as is when it is shared already. */
export function toShared<T extends TypedArray>(array: T): T {
  if (!ArrayBuffer.isView(array) || array instanceof DataView) {
    invalidOption(expected('array', 'a typed array', array))
  }
  if (isShared(array)) return array
  const copy = shared(array.constructor as unknown as TypedArrayConstructor<T>, array.length)
  ;(copy as unknown as { set(source: T): void }).set(array)
  return copy
}

/** Whether a typed array lives in a `SharedArrayBuffer` (workers then see it without a copy). */
export function isShared(array: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer === 'function' && array.buffer instanceof SharedArrayBuffer
}

/** Layout of the control block every `mapShared` call shares with its workers. */
const CANCEL = 0
const PROGRESS = 1

/** What a worker task receives from `pool.mapShared`: a zero-copy view of one slice. */
export interface SharedSlice<T extends TypedArray = TypedArray> {
  /** The whole shared array (no copy): work on `[start, end)`, write results in place if you like. */
  readonly array: T
  /** First index of this slice. */
  readonly start: number
  /** One past the last index of this slice. */
  readonly end: number
  /** Which slice this is, from 0. */
  readonly index: number
  /** True once the caller aborted the `mapShared` call: stop early (cooperative cancellation). */
  readonly cancelled: boolean
  /** Adds `count` processed elements to the progress counter every worker shares (Atomics). */
  progress(count: number): void
}

/** What is posted for one slice: the control block travels with it (shared, not copied). */
export interface SliceMessage {
  array: TypedArray
  start: number
  end: number
  index: number
  control: Int32Array
}

export function sliceView(message: SliceMessage): SharedSlice {
  const { array, start, end, index, control } = message
  return {
    array,
    start,
    end,
    index,
    get cancelled() {
      return Atomics.load(control, CANCEL) !== 0
    },
    progress(count: number) {
      Atomics.add(control, PROGRESS, count)
    },
  }
}

/** The main thread's side of the control block. */
export class SliceControl {
  readonly control = new Int32Array(new SharedArrayBuffer(8))

  cancel(): void {
    Atomics.store(this.control, CANCEL, 1)
    Atomics.notify(this.control, CANCEL)
  }

  get progress(): number {
    return Atomics.load(this.control, PROGRESS)
  }
}

/**
 * How many slices to cut: enough for every thread to get a few (so a slow one does not hold the
 * rest back), but none smaller than `minSlice` elements (a round trip costs ~50 us).
 */
export function autoChunks(length: number, threads: number, minSlice = 65_536): number {
  if (length <= 0) return 1
  return Math.max(1, Math.min(threads * 2, Math.ceil(length / minSlice)))
}

/** `[start, end)` bounds of `chunks` near-equal slices of `length`. */
export function sliceBounds(length: number, chunks: number): [number, number][] {
  const count = Math.max(1, Math.min(chunks, Math.max(length, 1)))
  const bounds: [number, number][] = []
  const base = Math.floor(length / count)
  let extra = length % count
  let start = 0
  for (let i = 0; i < count; i++) {
    const end = start + base + (extra > 0 ? 1 : 0)
    if (extra > 0) extra--
    bounds.push([start, end])
    start = end
  }
  return bounds
}

/** How `mapShared` combines per-slice results. */
export type Reducer<R> = 'sum' | 'min' | 'max' | ((accumulator: R, value: R) => R)

export function reduceResults<R>(values: R[], reducer: Reducer<R>): R {
  if (typeof reducer === 'function') {
    if (values.length === 0) return undefined as R
    return values.reduce(reducer)
  }
  const numbers = values as unknown as number[]
  if (reducer === 'sum') return numbers.reduce((a, b) => a + b, 0) as R
  if (reducer === 'min') return Math.min(...numbers) as R
  return Math.max(...numbers) as R
}
