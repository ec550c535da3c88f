/**
 * The Prometheus metrics of a `batch` or `llm` run (`--metrics`): the same figures as its live page,
 * read from the page's monitor at each scrape. With `--redis`, each worker's state too, as the
 * workers publish it in Redis, so that one scrape of the producer shows the cluster.
 */
import type { View } from '@boundkit/server/dashboard'
import type { MetricSpec } from './metrics'

const perWorker = (view: View, value: (worker: NonNullable<View['workers']>[number]) => number | undefined) =>
  view.workers?.flatMap((w) => {
    const v = value(w)
    return v === undefined ? [] : [{ value: v, labels: { worker: w.name } }]
  })

export const RUN_METRICS: readonly MetricSpec<View>[] = [
  {
    name: 'boundkit_run_records',
    help: 'Records this run has to send.',
    type: 'gauge',
    read: (v) => v.total ?? undefined,
  },
  {
    name: 'boundkit_run_records_done_total',
    help: 'Records written with an answer.',
    type: 'counter',
    read: (v) => v.done,
  },
  {
    name: 'boundkit_run_records_failed_total',
    help: 'Records written with an error.',
    type: 'counter',
    read: (v) => v.failed,
  },
  {
    name: 'boundkit_run_requests_total',
    help: 'HTTP requests made: every attempt (with --redis, by the workers).',
    type: 'counter',
    read: (v) => v.requests,
  },
  {
    name: 'boundkit_run_rate_limited_total',
    help: 'Answers with HTTP status 429.',
    type: 'counter',
    read: (v) => v.rateLimited,
  },
  {
    name: 'boundkit_run_cooldowns_total',
    help: 'Retry-After pauses of every request (with --redis, of the whole cluster: overlapping ones once).',
    type: 'counter',
    read: (v) => v.cooldowns,
  },
  {
    name: 'boundkit_run_cooldown_seconds_total',
    help: 'Wall time spent paused by Retry-After cooldowns.',
    type: 'counter',
    read: (v) => v.cooldownMs / 1000,
  },
  {
    name: 'boundkit_run_in_flight',
    help: 'Requests (with --redis, jobs on a worker) under way now.',
    type: 'gauge',
    read: (v) => v.inFlight,
  },
  {
    name: 'boundkit_run_queued',
    help: 'Requests (with --redis, jobs in Redis) waiting now.',
    type: 'gauge',
    read: (v) => v.queued,
  },
  {
    name: 'boundkit_run_concurrency',
    help: 'Requests allowed at once now (0 with --redis: each worker has its own).',
    type: 'gauge',
    read: (v) => v.concurrency,
  },
  {
    name: 'boundkit_run_worker_jobs_running',
    help: 'With --redis: the jobs each worker runs now, as it last published in Redis.',
    type: 'gauge',
    labelNames: ['worker'],
    read: (v) => perWorker(v, (w) => w.live?.inFlight),
  },
  {
    name: 'boundkit_run_worker_concurrency',
    help: 'With --redis: the jobs each worker runs at most at once.',
    type: 'gauge',
    labelNames: ['worker'],
    read: (v) => perWorker(v, (w) => w.live?.concurrency),
  },
  {
    name: 'boundkit_run_worker_records_done_total',
    help: "With --redis: this run's records each worker answered.",
    type: 'counter',
    labelNames: ['worker'],
    read: (v) => perWorker(v, (w) => w.done),
  },
  {
    name: 'boundkit_run_worker_records_failed_total',
    help: "With --redis: this run's records that failed on each worker.",
    type: 'counter',
    labelNames: ['worker'],
    read: (v) => perWorker(v, (w) => w.failed),
  },
]
