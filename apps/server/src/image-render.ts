import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import { hashString, seededRandom } from './random'

export type ImageFormat = 'png' | 'jpg'

export interface ImageRequest {
  id: string
  format: ImageFormat
  width: number
  height: number
  /** JPEG quality, 1 to 100 (ignored for PNG). */
  quality: number
}

/** Bump when the drawing changes, so ETags change with it. */
const DRAWING_VERSION = 1

/** A strong ETag for the bytes `renderImage(request)` gives, known without drawing them. */
export function imageEtag(request: ImageRequest): string {
  const key = `${DRAWING_VERSION}:${request.format}:${request.id}:${request.width}x${request.height}:q${
    request.format === 'jpg' ? request.quality : 0
  }`
  const high = hashString(key).toString(16).padStart(8, '0')
  const low = hashString(key, 0x9747b28c).toString(16).padStart(8, '0')
  return `"${high}${low}"`
}

/**
 * Draws the image for an id: two colours from the id's hash, a diagonal gradient between them and a
 * checker of cells whose size also depends on the id. Same request, same bytes.
 */
function drawPixels(id: string, width: number, height: number): Buffer {
  const random = seededRandom(hashString(id))
  const from = [random() * 255, random() * 255, random() * 255]
  const to = [random() * 255, random() * 255, random() * 255]
  const cell = 8 + Math.floor(random() * 24)
  const pixels = Buffer.alloc(width * height * 4)
  const span = Math.max(1, width + height - 2)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x + y) / span
      const shade = ((Math.floor(x / cell) + Math.floor(y / cell)) & 1) === 0 ? 1 : 0.8
      const offset = (y * width + x) * 4
      for (let c = 0; c < 3; c++)
        pixels[offset + c] = Math.round((from[c]! + (to[c]! - from[c]!) * t) * shade)
      pixels[offset + 3] = 255
    }
  }
  return pixels
}

/**
 * Encodes the drawn image with pure-JavaScript encoders (pngjs, jpeg-js): CPU work, run in the pool's
 * workers (a 1024 x 1024 PNG takes a few hundred ms of CPU).
 */
export function renderImage(request: ImageRequest): Buffer {
  const { width, height } = request
  const data = drawPixels(request.id, width, height)
  if (request.format === 'jpg') return Buffer.from(jpeg.encode({ data, width, height }, request.quality).data)
  const png = new PNG({ width, height })
  png.data = data
  return PNG.sync.write(png)
}
