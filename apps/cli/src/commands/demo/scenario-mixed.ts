import { mkdir } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { createLimiter } from '@boundkit/limiter'
import { createPipeline } from '@boundkit/pipeline'
import { createPool, type Pool } from '@boundkit/pool'
import { type DemoContext, result, type Scenario, timed } from './scenario'
import { demoServerOptions } from './server-options'
import type { ThumbnailInput } from './workers/thumbnail'

export const thumbnailWorker = new URL('./workers/thumbnail.js', import.meta.url)

const FETCH_CONCURRENCY = 8
const THUMBNAIL = 96

interface ImageItem {
  id: string
  url: string
  path: string
}

async function download(item: ImageItem, signal: AbortSignal): Promise<ThumbnailInput> {
  const response = await fetch(item.url, { signal })
  if (!response.ok)
    throw Object.assign(new Error(`HTTP ${response.status} for ${item.url}`), { status: response.status })
  return { bytes: await response.arrayBuffer(), path: item.path, size: THUMBNAIL }
}

function images(context: DemoContext, count: number, dir: string): ImageItem[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `img-${String(i).padStart(4, '0')}`
    // Sizes vary so that the two stages never run in lockstep.
    const width = 480 + (i % 5) * 64
    const height = 360 + (i % 3) * 48
    return {
      id,
      url: `${context.url}/images/${id}.jpg?width=${width}&height=${height}`,
      path: join(dir, `${id}.png`),
    }
  })
}

/** Phase 1 downloads everything (limiter), phase 2 makes every thumbnail (pool): no overlap. */
async function twoPhase(context: DemoContext, items: ImageItem[], pool: Pool) {
  const limiter = createLimiter({ concurrency: FETCH_CONCURRENCY, retry: { retries: 2 } })
  const progress = context.progress('  2-phase', items.length * 2, () => ({
    limiter: limiter.stats(),
    pool: pool.stats(),
  }))
  let failed = 0
  try {
    const downloads = await limiter.map(
      items,
      async (item, { signal }) => {
        const payload = await download(item, signal)
        progress.tick()
        return payload
      },
      { settle: true },
    )
    const payloads: ThumbnailInput[] = []
    for (const outcome of downloads) {
      if (outcome.status === 'fulfilled') payloads.push(outcome.value)
      else failed++
    }
    for (const outcome of await pool.settle(payloads, 'thumbnail'))
      if (outcome.status === 'rejected') failed++
    progress.update(items.length * 2, failed)
    return { ok: items.length - failed, failed }
  } finally {
    await limiter.close()
    progress.stop()
  }
}

/** Both stages busy at once: downloads feed a bounded buffer the pool drains. */
async function pipelined(context: DemoContext, items: ImageItem[], pool: Pool) {
  const pipeline = createPipeline<ImageItem, ThumbnailInput, unknown>({
    fetch: {
      run: (item, { signal }) => download(item, signal),
      concurrency: FETCH_CONCURRENCY,
      retry: { retries: 2 },
    },
    process: { pool, task: 'thumbnail' },
    buffer: FETCH_CONCURRENCY * 2,
  })
  const progress = context.progress('  pipeline', items.length, () => ({
    pipeline: pipeline.stats(),
    pool: pool.stats(),
  }))
  let ok = 0
  let failed = 0
  try {
    for await (const outcome of pipeline.run(items)) {
      const { fetchMs, waitMs, processMs } = outcome.timings
      context.record(fetchMs + waitMs + processMs)
      if (outcome.status === 'fulfilled') ok++
      else failed++
      progress.update(ok + failed, failed)
    }
    const stats = pipeline.stats()
    return { ok, failed, overlapMs: stats.overlapMs, maxBuffered: stats.maxBuffered }
  } finally {
    await pipeline.close()
    progress.stop()
  }
}

export const mixedScenario: Scenario = {
  name: 'mixed',
  description: 'Mixed: download images and make thumbnails (jimp), two phases vs @boundkit/pipeline',
  async run(context) {
    const count = context.quick ? 40 : 200
    const dir = join(context.outDir, 'thumbnails')
    await mkdir(dir, { recursive: true })
    const items = images(context, count, dir)
    const threads = availableParallelism()
    context.log(`  ${count} JPEG images from the demo server -> ${THUMBNAIL}px PNG thumbnails in thumbnails/`)
    const pool = createPool({ worker: thumbnailWorker, threads })
    try {
      // Outside the timings: the server renders every image once (it keeps them, as a real origin
      // stores its files), so both runs download the same way, waiting on the origin's latency
      // rather than on its CPU; and jimp is loaded once per worker of the shared pool.
      const warmer = createLimiter({ concurrency: 32, retry: { retries: 2 } })
      const warm = await warmer
        .map(items, (item, { signal }) => download(item, signal))
        .finally(() => warmer.close())
      await pool.settle(warm.slice(0, threads), 'thumbnail', { transfer: 'auto' })
      const base = await timed(() => twoPhase(context, items, pool))
      const ours = await timed(() => pipelined(context, items, pool))
      return [
        result({
          scenario: 'mixed',
          title: 'Mixed: thumbnails',
          model: `pipeline: ${FETCH_CONCURRENCY} fetches -> pool of ${threads}`,
          baselineMs: base.ms,
          boundkitMs: ours.ms,
          ok: ours.value.ok,
          failed: ours.value.failed,
          notes: [
            `mixed: ${ours.value.ok} thumbnails in thumbnails/; the stages overlapped ${Math.round(ours.value.overlapMs)} ms, ` +
              `at most ${ours.value.maxBuffered} downloads waited between them; two-phase baseline: ${base.value.ok} ok, ${base.value.failed} failed ` +
              `(each download waits ${demoServerOptions.imageLatencyMs} ms at the demo server, standing in for a remote origin)`,
          ],
          files: ['thumbnails/'],
        }),
      ]
    } finally {
      await pool.close()
    }
  },
}
