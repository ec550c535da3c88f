import type { EventNames } from '@boundkit/internal'
import type { QueueStats, QueueWorkerStats } from './stats'

/** Events of `queue.on(event, listener)`. */
export interface QueueEvents {
  /** After each outcome: the producer's stats. */
  progress: QueueStats
  /**
   * A Redis connection error BullMQ reports while it reconnects (the password scrubbed), or
   * `ERR_CLOSE_TIMEOUT` when `close()` ran out of its `closeTimeout` and cut the connections.
   */
  error: Error
}

/** Events of `worker.on(event, listener)`. */
export interface QueueWorkerEvents {
  /** After each job this process ends: its stats. */
  progress: QueueWorkerStats
  /**
   * A Redis connection error BullMQ reports while it reconnects (the password scrubbed), or
   * `ERR_CLOSE_TIMEOUT` when `close()` ran out of its `closeTimeout` and stopped waiting.
   */
  error: Error
}

export const QUEUE_EVENTS: EventNames<QueueEvents> = { progress: true, error: true }

export const QUEUE_WORKER_EVENTS: EventNames<QueueWorkerEvents> = { progress: true, error: true }
