import { chainMessage } from '@boundkit/internal'
import type { PipelineOutcome } from '@boundkit/pipeline'
import type { FastifyInstance } from 'fastify'
import type { ResolvedServerOptions } from '../options'
import { ownImagePath } from '../own-url'
import { requestSignal } from '../request-signal'
import type { ThumbnailOutput } from '../thumbnail'
import type { ThumbnailItem, ThumbnailsPipeline } from '../thumbnails-pipeline'

interface ThumbnailsRequestBody {
  /** Image URLs of this server (`<url>/images/<id>.png|.jpg`), at most `maxBatchSize`. */
  urls: string[]
  width?: number
  height?: number
}

/** One item of the answer, in input order. */
type ThumbnailItemResult =
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

/**
 * `POST /thumbnails`: fetch each image URL of this server and resize it in the pool. Past the shutdown
 * deadline (`shutdown` fires) the run is stopped and the items it had not finished answer `ERR_ABORTED`.
 */
export function registerThumbnailsRoute(
  app: FastifyInstance,
  options: ResolvedServerOptions,
  pipeline: ThumbnailsPipeline,
  /** The server's public base URL, known once it listens: the only origin the URLs may name. */
  origin: () => string,
  shutdown: AbortSignal,
): void {
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
    async (request, reply) => {
      const { urls, width, height } = request.body
      const base = origin()
      // Every URL is checked before any request is made.
      const items = urls.map((url, index) => ({ path: ownImagePath(url, index, base), width, height }))
      const results: ThumbnailItemResult[] = new Array(items.length)
      const withData = request.query.format === 'base64'
      const signal = requestSignal(reply, shutdown)
      try {
        for await (const outcome of pipeline.run(items, { signal })) {
          results[outcome.index] = itemResult(outcome, urls[outcome.index]!, withData)
        }
      } catch (error) {
        if (!signal.aborted) throw error
      }
      // A stopped run yields no outcome for the items it had not started.
      for (const [index, url] of urls.entries()) {
        results[index] ??= {
          index,
          url,
          status: 'rejected',
          error: { code: 'ERR_ABORTED', message: chainMessage(signal.reason) },
          attempts: 0,
        }
      }
      return { items: results }
    },
  )
}

function itemResult(
  outcome: PipelineOutcome<ThumbnailItem, ThumbnailOutput>,
  url: string,
  withData: boolean,
): ThumbnailItemResult {
  const { index, attempts } = outcome
  if (outcome.status === 'rejected') {
    return {
      index,
      url,
      status: 'rejected',
      error: { code: outcome.error.code, message: chainMessage(outcome.error) },
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
