// Benchmark worker: real thumbnails with jimp, and a byte checksum for the memory benchmark.
import { defineWorker } from '@boundkit/pool'
import { Jimp } from 'jimp'

export async function thumbnail(bytes) {
  const image = await Jimp.read(Buffer.from(bytes))
  image.scaleToFit({ w: 128, h: 128 })
  const png = await image.getBuffer('image/png')
  return png.length
}

export default defineWorker({
  tasks: {
    thumbnail,
    checksum(bytes) {
      const view = new Uint8Array(bytes)
      let sum = 0
      for (let i = 0; i < view.length; i += 4096) sum = (sum + view[i]) | 0
      return sum
    },
  },
})
