import type { EventNames } from '@boundkit/internal'
import type { WriterStats } from './stats'

/** The events `writer.on(event, listener)` accepts. */
export interface WriterEvents {
  /** A batch was handed to the operating system: the counters after it. */
  progress: WriterStats
}

export const WRITER_EVENTS: EventNames<WriterEvents> = { progress: true }
