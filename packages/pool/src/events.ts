import type { EventNames } from '@boundkit/internal'
import type { PoolStats } from './stats'

/** A `mapShared` slice finished (the `'slice'` event). */
export interface PoolSliceEvent {
  /** The task the slices run. */
  task: string
  /** Which slice finished, from 0. */
  index: number
  /** Elements reported done so far: the sum of the workers' `slice.progress(count)` calls (count). */
  done: number
  /** Elements in the shared array (count). */
  total: number
}

/** The events of `pool.on(event, listener)`, by name, with what each listener receives. */
export interface PoolEvents {
  /** A task settled (fulfilled or rejected; a chunk of map inputs is one task): `pool.stats()` then. */
  progress: PoolStats
  /** A `mapShared` slice finished. */
  slice: PoolSliceEvent
}

export const POOL_EVENTS: EventNames<PoolEvents> = { progress: true, slice: true }
