/**
 * The Prometheus metrics of `boundkit worker --metrics <port>`: what the worker counts and its
 * limiter's state, read at each scrape (`worker.status()`), labelled with the queue and the worker's
 * name, so that a Prometheus scraping every worker of a cluster shows it whole.
 */
import type { QueueWorkerStatus } from '@boundkit/queue'
import type { MetricSpec } from '../../run/metrics'

export const WORKER_METRICS: readonly MetricSpec<QueueWorkerStatus>[] = [
  {
    name: 'boundkit_worker_jobs_running',
    help: 'Jobs this worker runs now.',
    type: 'gauge',
    read: (s) => s.running,
  },
  {
    name: 'boundkit_worker_concurrency',
    help: 'Jobs this worker runs at most at once.',
    type: 'gauge',
    read: (s) => s.concurrency,
  },
  {
    name: 'boundkit_worker_jobs_done_total',
    help: 'Jobs this worker completed.',
    type: 'counter',
    read: (s) => s.done,
  },
  {
    name: 'boundkit_worker_attempts_failed_total',
    help: 'Job attempts that failed on this worker (a job retried counts once per failure).',
    type: 'counter',
    read: (s) => s.failed,
  },
  {
    name: 'boundkit_worker_rate_limited_total',
    help: 'Answers with HTTP status 429 this worker got; each paused the whole queue.',
    type: 'counter',
    read: (s) => s.rateLimited,
  },
  {
    name: 'boundkit_worker_cooldowns_total',
    help: 'Pauses of the whole queue this worker asked for (429s, 503s in a row).',
    type: 'counter',
    read: (s) => s.cooldowns,
  },
  {
    name: 'boundkit_worker_cooldown_seconds_total',
    help: 'Seconds of pause of the whole queue those asked for.',
    type: 'counter',
    read: (s) => s.cooldownMs / 1000,
  },
  {
    name: 'boundkit_worker_token_waits_total',
    help: 'Jobs put back because the shared token budget was spent.',
    type: 'counter',
    read: (s) => s.tokenWaits,
  },
  {
    name: 'boundkit_worker_token_wait_seconds_total',
    help: 'Seconds of pause of the whole queue those asked for.',
    type: 'counter',
    read: (s) => s.tokenWaitMs / 1000,
  },
  {
    name: 'boundkit_worker_limiter_requests_running',
    help: "Requests in flight in this worker's limiter.",
    type: 'gauge',
    read: (s) => s.limiter.running,
  },
  {
    name: 'boundkit_worker_limiter_requests_queued',
    help: "Requests waiting in this worker's limiter.",
    type: 'gauge',
    read: (s) => s.limiter.queued,
  },
  {
    name: 'boundkit_worker_limiter_cooling_down',
    help: "1 while a Retry-After cooldown holds this worker's limiter, else 0.",
    type: 'gauge',
    read: (s) => (s.limiter.coolingDown ? 1 : 0),
  },
]
