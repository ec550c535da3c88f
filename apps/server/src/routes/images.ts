import type { Pool } from '@boundkit/pool'
import type { FastifyInstance } from 'fastify'
import { ServerError } from '../errors'
import { ImageCache } from '../image-cache'
import { type ImageFormat, type ImageRequest, imageEtag } from '../image-render'
import type { ServerMetrics } from '../metrics'
import type { ResolvedServerOptions } from '../options'

interface ImageQuery {
  width: number
  height: number
  quality: number
}

const CONTENT_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpg: 'image/jpeg' }

/** Ids are 1 to 64 letters, digits, `_` or `-`: nothing that could name another path. */
const IMAGE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** Splits `abc.png` into id and format; refuses anything that is not a plain id. */
export function parseImageFile(file: string): { id: string; format: ImageFormat } {
  const dot = file.lastIndexOf('.')
  const id = dot === -1 ? file : file.slice(0, dot)
  const extension = dot === -1 ? '' : file.slice(dot + 1).toLowerCase()
  if (!IMAGE_ID_PATTERN.test(id)) {
    throw new ServerError(
      'ERR_INVALID_ID',
      'Image id must be 1 to 64 letters, digits, "_" or "-" (no dots, slashes or encoded characters)',
      { status: 400 },
    )
  }
  if (extension !== 'png' && extension !== 'jpg') {
    throw new ServerError('ERR_NOT_FOUND', 'Images are served as .png or .jpg', { status: 404 })
  }
  return { id, format: extension }
}

/** Whether an `If-None-Match` header matches the ETag (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag)
}

/**
 * The bytes of an image: from the cache, or rendered in the pool (never on the event loop, which keeps
 * answering other requests meanwhile). Requests for an image already being rendered share that render.
 */
function imageSource(pool: Pool, cache: ImageCache): (image: ImageRequest, etag: string) => Promise<Buffer> {
  const rendering = new Map<string, Promise<Buffer>>()
  return (image, etag) => {
    const cached = cache.get(etag)
    if (cached) return Promise.resolve(cached)
    let render = rendering.get(etag)
    if (!render) {
      render = pool
        .run('image', image)
        .then((rendered) => {
          const bytes = rendered as Uint8Array
          const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
          cache.set(etag, buffer)
          return buffer
        })
        .finally(() => rendering.delete(etag))
      rendering.set(etag, render)
    }
    return render
  }
}

/** `GET /images/:id.png` and `.jpg`: generated images with Content-Length, ETag and 304. */
export function registerImagesRoute(
  app: FastifyInstance,
  options: ResolvedServerOptions,
  metrics: ServerMetrics,
  pool: Pool,
): void {
  const cache = new ImageCache(options.imageCacheBytes)
  cache.addGauges(metrics)
  const bytesOf = imageSource(pool, cache)
  const side = { type: 'integer', minimum: 1, maximum: options.maxImageSide, default: 256 }
  app.get<{ Params: { file: string }; Querystring: ImageQuery }>(
    '/images/:file',
    {
      schema: {
        params: { type: 'object', properties: { file: { type: 'string' } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            width: side,
            height: side,
            quality: { type: 'integer', minimum: 1, maximum: 100, default: 80 },
          },
        },
      },
    },
    async (request, reply) => {
      const { id, format } = parseImageFile(request.params.file)
      const image = { id, format, ...request.query }
      const etag = imageEtag(image)
      if (options.imageLatencyMs > 0) await options.sleep(options.imageLatencyMs)
      reply.header('etag', etag).header('cache-control', 'public, max-age=86400')
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send()
      const bytes = await bytesOf(image, etag)
      return reply.type(CONTENT_TYPES[format]).header('content-length', bytes.length).send(bytes)
    },
  )
}
