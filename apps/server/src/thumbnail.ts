/** What the pool's `thumbnail` task receives: the fetched image and the size asked for. */
export interface ThumbnailInput {
  /** The encoded image (PNG or JPEG). */
  bytes: ArrayBuffer | Uint8Array
  /** Width of the thumbnail; with only one side given, the other keeps the aspect ratio. */
  width?: number
  height?: number
}

/** A thumbnail, always encoded as PNG. */
export interface ThumbnailOutput {
  width: number
  height: number
  bytes: Uint8Array
}

/** The thumbnail width when neither side is given. */
const DEFAULT_THUMBNAIL_WIDTH = 128

/**
 * Decodes an image, resizes it and encodes it as PNG, all in pure JavaScript (jimp): CPU work, run in
 * the pool's workers. Both sides given: exactly that size; one: the other follows the aspect ratio.
 * jimp is imported on first use, so workers that only compute fib never load it.
 */
export async function thumbnail(input: ThumbnailInput): Promise<ThumbnailOutput> {
  const { Jimp } = await import('jimp')
  const image = await Jimp.read(Buffer.from(input.bytes as ArrayBuffer))
  const { width, height } = input
  if (width !== undefined && height !== undefined) image.resize({ w: width, h: height })
  else if (height !== undefined) image.resize({ h: height })
  else image.resize({ w: width ?? DEFAULT_THUMBNAIL_WIDTH })
  const bytes = await image.getBuffer('image/png')
  return { width: image.bitmap.width, height: image.bitmap.height, bytes: new Uint8Array(bytes) }
}
