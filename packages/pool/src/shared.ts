/**
 * The shared-memory helpers users call: allocate a typed array in a `SharedArrayBuffer`, copy one
 * into it, ask whether one is there. (What travels to a worker for `mapShared` is in slice-protocol.ts.)
 */

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

/**
 * Typed array `T` on a `SharedArrayBuffer` (`Float64Array<SharedArrayBuffer>`, ...): what `shared` and
 * `toShared` return. Its `buffer` is a `SharedArrayBuffer`, which a `transfer` list refuses (it is
 * shared, never moved). Without `T`, any of them.
 */
export type SharedTypedArray<T extends TypedArray = TypedArray> = T extends Int8Array
  ? Int8Array<SharedArrayBuffer>
  : T extends Uint8Array
    ? Uint8Array<SharedArrayBuffer>
    : T extends Uint8ClampedArray
      ? Uint8ClampedArray<SharedArrayBuffer>
      : T extends Int16Array
        ? Int16Array<SharedArrayBuffer>
        : T extends Uint16Array
          ? Uint16Array<SharedArrayBuffer>
          : T extends Int32Array
            ? Int32Array<SharedArrayBuffer>
            : T extends Uint32Array
              ? Uint32Array<SharedArrayBuffer>
              : T extends Float32Array
                ? Float32Array<SharedArrayBuffer>
                : T extends Float64Array
                  ? Float64Array<SharedArrayBuffer>
                  : T extends BigInt64Array
                    ? BigInt64Array<SharedArrayBuffer>
                    : T extends BigUint64Array
                      ? BigUint64Array<SharedArrayBuffer>
                      : never

/** Allocates a zeroed typed array of `length` elements in a `SharedArrayBuffer`. */
export function shared<T extends TypedArray>(
  type: TypedArrayConstructor<T>,
  length: number,
): SharedTypedArray<T> {
  if (typeof type !== 'function' || typeof type.BYTES_PER_ELEMENT !== 'number') {
    invalidOption(expected('type', 'a typed array class such as Float64Array', type))
  }
  if (!Number.isInteger(length) || length < 0) {
    invalidOption(expected('length', 'an integer >= 0', length))
  }
  return new type(
    new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT),
    0,
    length,
  ) as unknown as SharedTypedArray<T>
}

/** Copies a typed array into a `SharedArrayBuffer` (once); returns it as is when it is shared already. */
export function toShared<T extends TypedArray>(array: T): SharedTypedArray<T> {
  if (!ArrayBuffer.isView(array) || array instanceof DataView) {
    invalidOption(expected('array', 'a typed array', array))
  }
  if (isShared(array)) return array as unknown as SharedTypedArray<T>
  const copy = shared(array.constructor as unknown as TypedArrayConstructor<T>, array.length)
  ;(copy as unknown as { set(source: T): void }).set(array)
  return copy
}

/** Whether a typed array lives in a `SharedArrayBuffer` (workers then see it without a copy). */
export function isShared(array: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer === 'function' && array.buffer instanceof SharedArrayBuffer
}
