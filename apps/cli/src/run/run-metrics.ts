/**
 * The Prometheus metrics of a `batch` or `llm` run (`--metrics`): the same figures as its live page,
 * read from the page's monitor at each scrape. With `--redis`, each worker's state too, as the
 * workers publish it in Redis, so that one scrape of the producer shows the cluster.
 */
import type { View } from '@boundkit/server/dashboard'
import { counter, gauge, type MetricSpec } from './metrics'

/** With --redis: one sample per worker, labelled with its name (none for a worker without the value). */
function perWorker(view: View, value: (worker: NonNullable<View['workers']>[number]) => number | undefined) {
  return view.workers?.flatMap((w) => {
    const v = value(w)
    return v === undefined ? [] : [{ value: v, labels: { worker: w.name } }]
  })
}

/** A metric with one sample per worker (`perWorker`). */
const byWorker = (spec: MetricSpec<View>): MetricSpec<View> => ({ ...spec, labelNames: ['worker'] })

export const RUN_METRICS: readonly MetricSpec<View>[] = [
  gauge('boundkit_run_records', 'Records this run has to send.', (v) => v.total ?? undefined),
  counter('boundkit_run_records_done_total', 'Records written with an answer.', (v) => v.done),
  counter('boundkit_run_records_failed_total', 'Records written with an error.', (v) => v.failed),
  counter(
    'boundkit_run_requests_total',
    'HTTP requests made: every attempt (with --redis, by the workers).',
    (v) => v.requests,
  ),
  counter('boundkit_run_rate_limited_total', 'Answers with HTTP status 429.', (v) => v.rateLimited),
  counter(
    'boundkit_run_cooldowns_total',
    'Retry-After pauses of every request (with --redis, of the whole cluster: overlapping ones once).',
    (v) => v.cooldowns,
  ),
  counter(
    'boundkit_run_cooldown_seconds_total',
    'Wall time spent paused by Retry-After cooldowns.',
    (v) => v.cooldownMs / 1000,
  ),
  gauge(
    'boundkit_run_in_flight',
    'Requests (with --redis, jobs on a worker) under way now.',
    (v) => v.inFlight,
  ),
  gauge('boundkit_run_queued', 'Requests (with --redis, jobs in Redis) waiting now.', (v) => v.queued),
  gauge(
    'boundkit_run_concurrency',
    'Requests allowed at once now (0 with --redis: each worker has its own).',
    (v) => v.concurrency,
  ),
  byWorker(
    gauge(
      'boundkit_run_worker_jobs_running',
      'With --redis: the jobs each worker runs now, as it last published in Redis.',
      (v) => perWorker(v, (w) => w.live?.inFlight),
    ),
  ),
  byWorker(
    gauge(
      'boundkit_run_worker_concurrency',
      'With --redis: the jobs each worker runs at most at once.',
      (v) => perWorker(v, (w) => w.live?.concurrency),
    ),
  ),
  byWorker(
    counter(
      'boundkit_run_worker_records_done_total',
      "With --redis: this run's records each worker answered.",
      (v) => perWorker(v, (w) => w.done),
    ),
  ),
  byWorker(
    counter(
      'boundkit_run_worker_records_failed_total',
      "With --redis: this run's records that failed on each worker.",
      (v) => perWorker(v, (w) => w.failed),
    ),
  ),
]
