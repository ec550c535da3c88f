import { writeFile } from 'node:fs/promises'
import { defineWorker } from '@boundkit/pool'
import { Jimp } from 'jimp'

export interface ThumbnailInput {
  /** The downloaded image (PNG or JPEG), moved to the worker without a copy. */
  bytes: ArrayBuffer
  /** Where to write the thumbnail (PNG). */
  path: string
  /** Thumbnail width and height, in pixels. */
  size: number
}

export interface ThumbnailOutput {
  path: string
  width: number
  height: number
  bytes: number
}

/** The mixed scenario's worker: decode an image with jimp (pure JS), resize it, write a PNG. */
export default defineWorker({
  tasks: {
    thumbnail: async (input: ThumbnailInput): Promise<ThumbnailOutput> => {
      const image = await Jimp.read(Buffer.from(input.bytes))
      image.cover({ w: input.size, h: input.size })
      const png = await image.getBuffer('image/png')
      await writeFile(input.path, png)
      return { path: input.path, width: image.width, height: image.height, bytes: png.length }
    },
  },
})
