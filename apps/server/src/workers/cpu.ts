import { defineWorker } from '@boundkit/pool'
import { fib } from '../fib'
import { type ImageRequest, renderImage } from '../image-render'
import { type ThumbnailInput, thumbnail } from '../thumbnail'

/**
 * The pool's worker file (built to dist/workers/cpu.js): the very same `fib` as inline mode, the image
 * render of `GET /images/...` and the thumbnail resize of `POST /thumbnails`.
 */
export default defineWorker({
  tasks: {
    fib: (n: number) => fib(n),
    image: (request: ImageRequest) => renderImage(request),
    thumbnail: (input: ThumbnailInput) => thumbnail(input),
  },
})
