import { appendFile, mkdtemp, open, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Mutex } from 'async-mutex'
import SonicBoom from 'sonic-boom'
import { benchmark } from '../../../bench/harness.ts'
import { openWriter, type WriterOptions } from '../src/index.ts'

const PRODUCERS = 100
let dir = ''
let fileNo = 0

const nextFile = () => join(dir, `out-${fileNo++}.jsonl`)

/** A ~100-byte record, as a batch job's result would look. */
function record(i: number) {
  return {
    id: i,
    task: 'score',
    ok: true,
    score: (i % 997) / 997,
    text: 'lorem ipsum dolor sit amet, consectetur',
  }
}

/**
 * `PRODUCERS` concurrent producers share a counter; each does a turn of the event loop for its
 * "work" (the same for every case), then hands its record to `write` and awaits what it returns.
 */
async function produce(total: number, write: (i: number) => Promise<void> | undefined): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < total) {
        const i = next++
        await new Promise((resolve) => setImmediate(resolve))
        await write(i)
      }
    }),
  )
}

async function boundkit(total: number, options: WriterOptions) {
  const file = nextFile()
  const writer = await openWriter(file, options)
  let peakPending = 0
  await produce(total, (i) => {
    const promise = writer.write(record(i), options.ordered ? { seq: i } : undefined)
    peakPending = Math.max(peakPending, writer.stats().queued)
    return promise
  })
  await writer.close()
  const { size } = await stat(file)
  await rm(file)
  return { items: total, metrics: { 'peak pending': peakPending, 'MB written': size / 2 ** 20 } }
}

/** The writer under `'fsync'`, as the hand-written group commit runs: nothing else per write. */
async function durableWriter(total: number, ordered: boolean) {
  const file = nextFile()
  const writer = await openWriter(file, { ordered, durability: 'fsync' })
  await produce(total, (i) => writer.write(record(i), ordered ? { seq: i } : undefined))
  await writer.close()
  await rm(file)
  return { items: total, metrics: { 'lines/sync': total / writer.stats().syncs } }
}

/**
 * A hand-written group commit, the plain way at its best: the same producers append their lines to
 * the batch being formed and await it; once every producer has a line in it (or the input is
 * exhausted) the batch goes out with one write, one fdatasync, and every line in it is acknowledged.
 * Its batches are exactly `PRODUCERS` lines, the most that producers who each await their line allow.
 */
async function groupCommit(total: number) {
  const file = nextFile()
  const handle = await open(file, 'a')
  let text = ''
  let acks: (() => void)[] = []
  let acknowledged = 0
  let syncs = 0
  async function commit(lines: string, batch: (() => void)[]) {
    const buffer = Buffer.from(lines)
    for (let offset = 0; offset < buffer.length; ) {
      offset += (await handle.write(buffer, offset)).bytesWritten
    }
    await handle.datasync()
    syncs++
    acknowledged += batch.length
    for (const ack of batch) ack()
  }
  await produce(
    total,
    (i) =>
      new Promise<void>((resolve) => {
        text += `${JSON.stringify(record(i))}\n`
        acks.push(resolve)
        if (acks.length === PRODUCERS || acknowledged + acks.length === total) {
          void commit(text, acks)
          text = ''
          acks = []
        }
      }),
  )
  await handle.close()
  await rm(file)
  return { items: total, metrics: { 'lines/sync': total / syncs } }
}

const setup = async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-writer-bench-'))
}
const teardown = async () => {
  await rm(dir, { recursive: true, force: true })
}

const throughput = benchmark({
  title: 'Appending ~100-byte JSONL lines from 100 concurrent producers',
  description:
    'Each producer takes the next index, yields one event-loop turn (its "work"), writes its record and awaits the write. ' +
    'sonic-boom (baseline) buffers with no per-write promise and no ordering; the async-mutex + fs.appendFile case writes far fewer lines ' +
    '(compare the throughput ratio). Targets: boundkit ordered flush >= 0.8x sonic-boom, >= 20x mutex + appendFile.',
  baseline: 'sonic-boom',
  runs: 5,
  quickRuns: 1,
  setup,
  teardown,
  cases: {
    'sonic-boom': async (ctx) => {
      const total = ctx.scale(1_000_000, 50_000)
      const file = nextFile()
      const sonic = new SonicBoom({ dest: file, sync: false })
      await new Promise((resolve) => sonic.once('ready', resolve))
      await produce(total, (i) => {
        sonic.write(`${JSON.stringify(record(i))}\n`)
        return undefined
      })
      await new Promise((resolve) => {
        sonic.once('close', resolve)
        sonic.end()
      })
      await rm(file)
      return { items: total }
    },
    'boundkit ordered, flush': (ctx) => boundkit(ctx.scale(1_000_000, 50_000), { ordered: true }),
    'boundkit unordered, flush': (ctx) => boundkit(ctx.scale(1_000_000, 50_000), {}),
    'async-mutex + fs.appendFile per line': async (ctx) => {
      const total = ctx.scale(20_000, 2_000)
      const file = nextFile()
      const mutex = new Mutex()
      await produce(total, (i) =>
        mutex.runExclusive(() => appendFile(file, `${JSON.stringify(record(i))}\n`)),
      )
      await rm(file)
      return { items: total }
    },
  },
})

const GROUP_COMMIT = 'hand-written group commit (100 lines, fdatasync, acknowledge)'

const durable = benchmark({
  title: "Durable appends: 'fsync' against a hand-written group commit, 100 concurrent producers",
  description:
    'The producers of the table above, each awaiting its line until it is on disk. The baseline is the plain group commit written by hand in the same run: ' +
    'every producer appends its line to the batch being formed; a full batch (one line per producer, 100) goes out with one write and one fdatasync, then every line in it is acknowledged. ' +
    'Both move with the disk; their ratio does not. The raw loop writes and syncs 100 lines at a time with no producers at all (what the disk allows). ' +
    "Target: boundkit ordered, 'fsync' within 1.1x of the hand-written group commit.",
  baseline: GROUP_COMMIT,
  runs: 21,
  quickRuns: 1,
  setup,
  teardown,
  cases: {
    [GROUP_COMMIT]: (ctx) => groupCommit(ctx.scale(100_000, 5_000)),
    'boundkit ordered, fsync': (ctx) => durableWriter(ctx.scale(100_000, 5_000), true),
    'boundkit unordered, fsync': (ctx) => durableWriter(ctx.scale(100_000, 5_000), false),
    'raw write + fdatasync per 100 lines, no producers (the disk)': async (ctx) => {
      const total = ctx.scale(100_000, 5_000)
      const file = nextFile()
      const handle = await open(file, 'a')
      for (let i = 0; i < total; i += PRODUCERS) {
        let text = ''
        for (let j = i; j < i + PRODUCERS && j < total; j++) text += `${JSON.stringify(record(j))}\n`
        await handle.write(text)
        await handle.datasync()
      }
      await handle.close()
      await rm(file)
      return { items: total, metrics: { 'lines/sync': PRODUCERS } }
    },
  },
})

const TASKS = 10_000

/**
 * `TASKS` concurrent tasks (a batch job with high concurrency) write ~4 KB records in order; task 0
 * lags 50 event-loop turns per record, so the others run ahead and fill the reorder buffer.
 */
async function lagging(total: number, maxPending: number) {
  const file = nextFile()
  const writer = await openWriter(file, { ordered: true, maxPending })
  let next = 0
  let peakPending = 0
  const payload = 'x'.repeat(4000)
  await Promise.all(
    Array.from({ length: TASKS }, async (_, p) => {
      while (next < total) {
        const i = next++
        for (let k = p === 0 ? 50 : 1; k > 0; k--) await new Promise((resolve) => setImmediate(resolve))
        const promise = writer.write({ id: i, payload }, { seq: i })
        peakPending = Math.max(peakPending, writer.stats().queued)
        await promise
      }
    }),
  )
  await writer.close()
  await rm(file)
  return { items: total, metrics: { 'peak pending': peakPending } }
}

const memory = benchmark({
  title: 'Memory is bounded by maxPending (ordered, ~4 KB records, 10,000 tasks, one lagging)',
  description:
    'One of 10,000 concurrent tasks waits 50 event-loop turns per record, the others 1: records pile up behind its gap until ' +
    'maxPending, then writes wait. The writer holds at most maxPending records; the rest is the waiting tasks themselves.',
  runs: 3,
  quickRuns: 1,
  setup,
  teardown,
  cases: {
    'maxPending 256': (ctx) => lagging(ctx.scale(100_000, 20_000), 256),
    'maxPending 8192': (ctx) => lagging(ctx.scale(100_000, 20_000), 8192),
  },
})

export default [throughput, durable, memory]
