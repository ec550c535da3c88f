/**
 * The Prometheus metrics of `boundkit worker --metrics <port>`: what the worker counts and its
 * limiter's state, read at each scrape (`worker.status()`), labelled with the queue and the worker's
 * name, so that a Prometheus scraping every worker of a cluster shows it whole.
 */
import type { QueueWorkerStatus } from '@boundkit/queue'
import { counter, gauge, type MetricSpec } from '../../run/metrics'

export const WORKER_METRICS: readonly MetricSpec<QueueWorkerStatus>[] = [
  gauge('boundkit_worker_jobs_running', 'Jobs this worker runs now.', (s) => s.running),
  gauge('boundkit_worker_concurrency', 'Jobs this worker runs at most at once.', (s) => s.concurrency),
  counter('boundkit_worker_jobs_done_total', 'Jobs this worker completed.', (s) => s.done),
  counter(
    'boundkit_worker_attempts_failed_total',
    'Job attempts that failed on this worker (a job retried counts once per failure).',
    (s) => s.failed,
  ),
  counter(
    'boundkit_worker_rate_limited_total',
    'Answers with HTTP status 429 this worker got; each paused the whole queue.',
    (s) => s.rateLimited,
  ),
  counter(
    'boundkit_worker_cooldowns_total',
    'Pauses of the whole queue this worker asked for (429s, 503s in a row).',
    (s) => s.cooldowns,
  ),
  counter(
    'boundkit_worker_cooldown_seconds_total',
    'Seconds of pause of the whole queue those asked for.',
    (s) => s.cooldownMs / 1000,
  ),
  counter(
    'boundkit_worker_token_waits_total',
    'Jobs put back because the shared token budget was spent.',
    (s) => s.tokenWaits,
  ),
  counter(
    'boundkit_worker_token_wait_seconds_total',
    'Seconds of pause of the whole queue those asked for.',
    (s) => s.tokenWaitMs / 1000,
  ),
  gauge(
    'boundkit_worker_limiter_requests_running',
    "Requests in flight in this worker's limiter.",
    (s) => s.limiter.running,
  ),
  gauge(
    'boundkit_worker_limiter_requests_queued',
    "Requests waiting in this worker's limiter.",
    (s) => s.limiter.queued,
  ),
  gauge(
    'boundkit_worker_limiter_cooling_down',
    "1 while a Retry-After cooldown holds this worker's limiter, else 0.",
    (s) => (s.limiter.coolingDown ? 1 : 0),
  ),
]
