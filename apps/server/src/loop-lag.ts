import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { ServerMetrics } from './metrics'

/** The event-loop delay sampler ticks this often; its histogram counts the tick itself, taken off. */
const LOOP_RESOLUTION_MS = 10

/**
 * `boundkit_event_loop_lag_seconds`: how late the event loop ran since the previous scrape (what CPU work
 * on the loop costs every other request). Returns the function that stops the sampler.
 */
export function addLoopLagGauge(metrics: ServerMetrics): () => void {
  const delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  delay.enable()
  const seconds = (ns: number) =>
    Number.isFinite(ns) ? Math.max(0, ns / 1e9 - LOOP_RESOLUTION_MS / 1000) : 0
  metrics.addGauge({
    name: 'boundkit_event_loop_lag_seconds',
    help: 'Event-loop lag since the previous scrape, by statistic (mean, p50, p99, max).',
    labelNames: ['stat'],
    collect: () => {
      const samples = [
        { labels: { stat: 'mean' }, value: seconds(delay.mean) },
        { labels: { stat: 'p50' }, value: seconds(delay.percentile(50)) },
        { labels: { stat: 'p99' }, value: seconds(delay.percentile(99)) },
        { labels: { stat: 'max' }, value: seconds(delay.max) },
      ]
      delay.reset()
      return samples
    },
  })
  return () => delay.disable()
}
