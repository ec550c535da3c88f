import type { FastifyInstance } from 'fastify'
import { ServerError } from './errors'
import { ImageCache } from './image-cache'
import { etagMatches, IMAGE_ID_PATTERN, type ImageFormat, imageEtag, renderImage } from './images'
import type { ServerMetrics } from './metrics'
import type { ResolvedOptions } from './options'

interface ImageQuery {
  width: number
  height: number
  quality: number
}

const CONTENT_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpg: 'image/jpeg' }

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

/** `GET /images/:id.png` and `.jpg`: generated images with Content-Length, ETag and 304. */
export function registerImagesRoute(app: FastifyInstance, options: ResolvedOptions, metrics: ServerMetrics) {
  const cache = new ImageCache(options.imageCacheBytes)
  metrics.addGauge({
    name: 'boundkit_image_cache_entries',
    help: 'Rendered images kept in memory',
    collect: () => cache.size,
  })
  metrics.addGauge({
    name: 'boundkit_image_cache_bytes',
    help: 'Bytes of rendered images kept in memory',
    collect: () => cache.totalBytes,
  })
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
      let bytes = cache.get(etag)
      if (!bytes) {
        bytes = renderImage(image)
        cache.set(etag, bytes)
      }
      return reply.type(CONTENT_TYPES[format]).header('content-length', bytes.length).send(bytes)
    },
  )
}
