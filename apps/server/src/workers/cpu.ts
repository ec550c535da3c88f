import { defineWorker } from '@boundkit/pool'
import { fib } from '../fib'
import { type ThumbnailInput, thumbnail } from '../thumbnail'

/**
 * The pool's worker file (built to dist/workers/cpu.js): the very same `fib` as inline mode, and the
 * thumbnail resize of `POST /thumbnails`.
 */
export default defineWorker({
  tasks: {
    fib: (n: number) => fib(n),
    thumbnail: (input: ThumbnailInput) => thumbnail(input),
  },
})
