import { Worker } from 'bullmq'

/**
 * BullMQ's worker, and a way to stop its timers when a close runs out of time. Its `close()` cannot
 * be forced once started, and while Redis is down it never ends: it waits for its blocking
 * connection, which is reconnecting, to report its end, and ioredis never reports it (BullMQ issues
 * 2430 and 4656). Its lock renewal and stalled-job check would then tick forever and hold the process.
 */
export class BullWorker extends Worker {
  /** Stops renewing the running jobs' locks (they expire, and the jobs run elsewhere) and the stalled-job check. */
  stopTimers(): void {
    void this.lockManager.close()
    // pause(true) waits for nothing: it stops the stalled-job check's timer.
    this.pause(true).catch(() => {})
  }
}
