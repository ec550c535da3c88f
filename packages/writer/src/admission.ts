import type { Encoded } from './encode'
import { WriterError } from './errors'

/**
 * How writes get into the group commit: in arrival order (`UnorderedAdmission`) or in `seq` order
 * through a reorder buffer (`OrderedAdmission`). Both hold a write back while `maxPending` records
 * are unwritten (backpressure) and let it in when a batch was written.
 */
export interface Admission {
  /** Takes a write whose options were checked; resolves as its durability says. */
  admit(encoded: Encoded, seq: number | undefined, signal: AbortSignal | undefined): Promise<void>
  /** A batch was written: lets waiting writes in, as far as `maxPending` allows. */
  written(): void
  /** Rejects every write still held (reorder buffer and waiting) with `error`. */
  reject(error: WriterError): void
  /**
   * Rejects what can no longer be written with `ERR_CLOSED`; returns the error `close()` must report
   * for writes that already resolved and were dropped (ordered, `'none'`).
   */
  close(): WriterError | undefined
  /** Records in the reorder buffer (ordered mode). */
  readonly buffered: number
  /** Writes waiting for room. */
  readonly waiting: number
}

/** A write waiting for room (`maxPending`). */
export interface Waiter {
  encoded: Encoded
  seq: number
  resolve: (value: Promise<void>) => void
  reject: (error: unknown) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

/** The error of a write refused at close. */
export function closedError(message: string): WriterError {
  return new WriterError('ERR_CLOSED', message)
}

/**
 * Makes a write wait for room: `hold` stores the waiter; if `signal` aborts first, `drop` removes it
 * and the write rejects with `ERR_ABORTED`.
 */
export function waitForRoom(
  encoded: Encoded,
  seq: number,
  signal: AbortSignal | undefined,
  hold: (waiter: Waiter) => void,
  drop: (waiter: Waiter) => void,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(aborted(signal))
  return new Promise<void>((resolve, reject) => {
    const waiter: Waiter = { encoded, seq, resolve, reject, signal, onAbort: undefined }
    if (signal !== undefined) {
      waiter.onAbort = () => {
        drop(waiter)
        reject(aborted(signal))
      }
      signal.addEventListener('abort', waiter.onAbort, { once: true })
    }
    hold(waiter)
  })
}

/** Lets a waiting write in: its promise follows `admitted`. */
export function enter(waiter: Waiter, admitted: Promise<void>): void {
  release(waiter)
  waiter.resolve(admitted)
}

/** Refuses a waiting write with `error`. */
export function refuse(waiter: Waiter, error: unknown): void {
  release(waiter)
  waiter.reject(error)
}

function release(waiter: Waiter): void {
  if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort)
}

function aborted(signal: AbortSignal): WriterError {
  return new WriterError('ERR_ABORTED', 'The write was aborted while waiting for room', {
    cause: signal.reason,
  })
}
