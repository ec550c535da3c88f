/** What `queue.stats()` reports (the producer's side, summed over its `distribute` calls). */
export interface QueueStats {
  /** Jobs added to Redis (an item whose job already existed counts too: adding it was a no-op). */
  added: number
  /** Jobs added whose outcome has not been yielded yet: waiting in Redis or running on a worker. */
  queued: number
  /** Outcomes yielded `fulfilled`. */
  done: number
  /** Outcomes yielded `rejected` (jobs that failed after their attempts). */
  failed: number
  /** Jobs added again because Redis no longer had them (a Redis restarted without persistence). */
  readded: number
  /**
   * Outcomes by the worker that ran the job's last attempt (its `workerName`): a cluster's share of
   * the work. A job that finished with no worker's name (an older worker) is not counted here.
   */
  byWorker: Record<string, { done: number; failed: number }>
}

/** What `worker.stats()` reports (this process only). */
export interface QueueWorkerStats {
  /** Jobs running in this process now. */
  running: number
  /** Jobs this process completed. */
  done: number
  /** Job attempts that failed in this process (a job retried elsewhere counts once per failure). */
  failed: number
  /** 429 answers this process got (each paused the whole queue). */
  rateLimited: number
  /** Pauses of the whole queue this process asked for: 429s, and 503s in a row (`limiter.cooldown.after`). */
  cooldowns: number
  /** Milliseconds of queue-wide pause those asked for, summed (the cluster's wall time is in `queue.clusterCounts()`). */
  cooldownMs: number
  /** Jobs put back because the shared token budget (`tokens` of an http job) was spent; each paused the queue. */
  tokenWaits: number
  /** Milliseconds of queue-wide pause those asked for, summed. */
  tokenWaitMs: number
}

/**
 * What every worker of the queue counted in Redis (`queue.clusterCounts()`): since the queue's first
 * worker, across runs (take the difference between two readings for one run). A pause is the whole
 * queue's: several workers pausing it at once, or one extending another's, make one pause, and its
 * time is the wall time the queue was paused, as one process's limiter counts its cooldowns.
 */
export interface QueueClusterCounts {
  /** 429 answers to `http` jobs (count); each paused the whole queue. */
  rateLimited: number
  /** Pauses of the whole queue for a `Retry-After` (429s, and 503s in a row), overlapping ones counted once (count). */
  cooldowns: number
  /** Wall time the queue was paused by them, ms. */
  cooldownMs: number
  /** Pauses of the whole queue because the shared token budget was spent, overlapping ones counted once (count). */
  tokenWaits: number
  /** Wall time the queue was paused by them, ms. */
  tokenWaitMs: number
}

/** What `queue.jobCounts()` reports: the queue's jobs in Redis by state now (counts). */
export interface QueueJobCounts {
  /** On a worker now. */
  active: number
  /** Waiting for a worker (prioritized included). */
  waiting: number
  /** Waiting out a retry's backoff. */
  delayed: number
  /** Finished and kept (the queue keeps them: their results are read from them). */
  completed: number
  failed: number
}
