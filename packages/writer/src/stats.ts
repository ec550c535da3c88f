/** What `writer.stats()` returns: a fresh object, every field a count unless it says otherwise. */
export interface WriterStats {
  /** Records this writer handed to the operating system with `write(2)` (count). */
  done: number
  /** Bytes this writer handed to the operating system (bytes). */
  bytesWritten: number
  /** Batches written: one `write(2)` call each, unless the OS took a batch in parts (count). */
  batches: number
  /** `fdatasync(2)` calls, one per batch under `durability: 'fsync'` (count). */
  syncs: number
  /**
   * Records accepted and not yet written: the reorder buffer, the batches being formed and the one
   * being written (count; never more than `maxPending`).
   */
  queued: number
  /** Of `queued`: ordered records waiting in the reorder buffer for an earlier `seq` (count; 0 unordered). */
  buffered: number
  /** Writes waiting for room under `maxPending`, not yet accepted (count). */
  blocked: number
  /** Ordered mode: the `seq` the next record written to the file must carry (a sequence number). */
  nextSeq: number
}
