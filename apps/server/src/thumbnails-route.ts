import { createPipeline, type Outcome, type Pipeline } from '@boundkit/pipeline'
import type { Pool } from '@boundkit/pool'
import type { FastifyInstance } from 'fastify'
import { ServerError } from './errors'
import { clientGone } from './http-errors'
import type { ServerMetrics } from './metrics'
import type { ResolvedOptions } from './options'
import { ownImageUrl } from './own-url'
import type { ThumbnailInput, ThumbnailOutput } from './thumbnail'

export interface ThumbnailsRequestBody {
  /** Image URLs of this server (`<url>/images/<id>.png|.jpg`), at most `maxBatchSize`. */
  urls: string[]
  width?: number
  height?: number
}

/** One item of the answer, in input order. */
export type ThumbnailItemResult =
  | {
      index: number
      url: string
      status: 'fulfilled'
      width: number
      height: number
      /** Size of the PNG thumbnail in bytes. */
      bytes: number
      /** The PNG thumbnail, base64, with `?format=base64` only. */
      data?: string
      attempts: number
    }
  | {
      index: number
      url: string
      status: 'rejected'
      error: { code: string; message: string }
      attempts: number
    }

export interface ThumbnailsResponseBody {
  items: ThumbnailItemResult[]
}

/** One URL of a request, checked, with the size asked for. */
export interface ThumbnailItem {
  target: URL
  width?: number
  height?: number
}

/** The fetch counters shown in /metrics (the pipeline's limiter: done, retried; failed counted here). */
export interface FetchCounters {
  failed: number
}

export type ThumbnailsPipeline = Pipeline<ThumbnailItem, ThumbnailOutput>

/** The limiter's counters of the thumbnail fetches, read at each scrape. */
export function addFetchGauges(
  metrics: ServerMetrics,
  pipeline: ThumbnailsPipeline,
  counters: FetchCounters,
): void {
  metrics.addGauge({
    name: 'boundkit_limiter_fetches',
    help: 'Image fetches of POST /thumbnails through the limiter since start: done (fetched), failed (after retries), retried (retry attempts), in_flight (now).',
    labelNames: ['state'],
    collect: () => {
      const progress = pipeline.progress()
      return [
        { labels: { state: 'done' }, value: progress.fetched },
        { labels: { state: 'failed' }, value: counters.failed },
        { labels: { state: 'retried' }, value: progress.retried },
        { labels: { state: 'in_flight' }, value: progress.fetching },
      ]
    },
  })
}

/**
 * The thumbnails pipeline: GETs of the server's own /images through @boundkit/limiter (concurrency,
 * retries of 5xx and network errors), then the resize on the shared pool. One pipeline for the server,
 * so `fetchConcurrency` bounds the fetches of all requests together.
 */
export function createThumbnailsPipeline(options: ResolvedOptions, pool: Pool): ThumbnailsPipeline {
  return createPipeline<ThumbnailItem, ThumbnailInput, ThumbnailOutput>({
    fetch: {
      async run(item, { signal }) {
        const response = await fetch(item.target, { signal, redirect: 'error' })
        if (!response.ok) {
          await response.body?.cancel()
          throw new ServerError(
            'ERR_IMAGE_FETCH',
            `GET ${item.target.pathname}${item.target.search} answered ${response.status}`,
            { status: response.status },
          )
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
}

/** The deepest message of an error's `cause` chain: what actually went wrong. */
function describe(error: Error): string {
  const messages = [error.message]
  let cause: unknown = error.cause
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (!messages.at(-1)!.includes(cause.message)) messages.push(cause.message)
    cause = cause.cause
  }
  return messages.join(': ')
}

/** `POST /thumbnails`: fetch each image URL of this server and resize it in the pool. */
export function registerThumbnailsRoute(
  app: FastifyInstance,
  options: ResolvedOptions,
  dependencies: {
    pipeline: ThumbnailsPipeline
    /** The server's own origin, known once it listens. */
    origin: () => string
    counters: FetchCounters
  },
) {
  const side = { type: 'integer', minimum: 1, maximum: options.maxImageSide }
  app.post<{ Body: ThumbnailsRequestBody; Querystring: { format: 'sizes' | 'base64' } }>(
    '/thumbnails',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['urls'],
          properties: {
            urls: {
              type: 'array',
              minItems: 1,
              maxItems: options.maxBatchSize,
              items: { type: 'string', minLength: 1, maxLength: 2048 },
            },
            width: side,
            height: side,
          },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: ['sizes', 'base64'], default: 'sizes' } },
        },
      },
    },
    async (request, reply): Promise<ThumbnailsResponseBody> => {
      const { urls, width, height } = request.body
      const origin = dependencies.origin()
      // Every URL is checked before any request is made.
      const items = urls.map((url, index) => ({ target: ownImageUrl(url, index, origin), width, height }))
      const results: ThumbnailItemResult[] = new Array(items.length)
      const withData = request.query.format === 'base64'
      for await (const outcome of dependencies.pipeline.run(items, { signal: clientGone(reply) })) {
        results[outcome.index] = itemResult(outcome, urls[outcome.index]!, withData)
        if (outcome.status === 'rejected' && outcome.stage === 'fetch') dependencies.counters.failed++
      }
      return { items: results }
    },
  )
}

function itemResult(
  outcome: Outcome<ThumbnailItem, ThumbnailOutput>,
  url: string,
  withData: boolean,
): ThumbnailItemResult {
  const { index, attempts } = outcome
  if (outcome.status === 'rejected') {
    return {
      index,
      url,
      status: 'rejected',
      error: { code: outcome.error.code, message: describe(outcome.error) },
      attempts,
    }
  }
  const { width, height, bytes } = outcome.value
  return {
    index,
    url,
    status: 'fulfilled',
    width,
    height,
    bytes: bytes.byteLength,
    ...(withData
      ? { data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') }
      : {}),
    attempts,
  }
}
