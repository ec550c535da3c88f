import { createPipeline, type Pipeline } from '@boundkit/pipeline'
import type { Pool } from '@boundkit/pool'
import { ServerError } from './errors'
import type { ServerMetrics } from './metrics'
import type { ResolvedServerOptions } from './options'
import type { ThumbnailInput, ThumbnailOutput } from './thumbnail'

/** One URL of a `POST /thumbnails` request, checked: the image's path and query, and the size asked for. */
export interface ThumbnailItem {
  path: string
  width?: number
  height?: number
}

export type ThumbnailsPipeline = Pipeline<ThumbnailItem, ThumbnailInput, ThumbnailOutput>

/**
 * The thumbnails pipeline: GETs of the server's own /images through @boundkit/limiter (concurrency,
 * retries of 5xx and network errors), then the resize on the shared pool. One pipeline for the server,
 * so `fetchConcurrency` bounds the fetches of all requests together. `origin()` is where the fetches
 * go: the server's own-fetch listener, which stays open while in-flight requests finish.
 */
export function createThumbnailsPipeline(
  options: ResolvedServerOptions,
  pool: Pool,
  metrics: ServerMetrics,
  origin: () => string,
): ThumbnailsPipeline {
  const pipeline = createPipeline<ThumbnailItem, ThumbnailInput, ThumbnailOutput>({
    fetch: {
      async run(item, { signal }) {
        const response = await fetch(new URL(item.path, origin()), { signal, redirect: 'error' })
        if (!response.ok) {
          await response.body?.cancel()
          throw new ServerError('ERR_IMAGE_FETCH', `GET ${item.path} answered ${response.status}`, {
            status: response.status,
          })
        }
        const bytes = await response.arrayBuffer()
        return { bytes, width: item.width, height: item.height }
      },
      concurrency: options.fetchConcurrency,
      retry: { retries: 2, minDelay: 50, maxDelay: 1000 },
      timeout: 30_000,
    },
    process: { pool, task: 'thumbnail' },
  })
  metrics.addGauge({
    name: 'boundkit_limiter_fetches',
    help: 'Image fetches of POST /thumbnails through the limiter since start: done (fetched), failed (after retries, or cancelled), retried (retry attempts), in_flight (now).',
    labelNames: ['state'],
    collect: () => {
      const stats = pipeline.stats()
      return [
        { labels: { state: 'done' }, value: stats.fetched },
        { labels: { state: 'failed' }, value: stats.fetchFailed },
        { labels: { state: 'retried' }, value: stats.retried },
        { labels: { state: 'in_flight' }, value: stats.fetching },
      ]
    },
  })
  return pipeline
}
