import { stat } from 'node:fs/promises'
import { createLimiter, type ItemContext } from '@boundkit/limiter'
import { openWriter, type Writer } from '@boundkit/writer'
import { EXIT, messageOf, UsageError } from '../errors'
import { checkInputFile, readJsonl } from '../jsonl-input'
import { parseDuration, parseHeader, parseInteger, parseRate } from '../parse-options'
import { createProgress } from '../progress'
import { colorEnabled, formatMs, paint } from '../terminal'
import { errorRecord, postJson } from './http'
import { type BatchSettings, outputLine, resumeCommand } from './output'
import { scanInput } from './scan'

/** The options commander hands to `batch`, as typed on the command line. */
export interface BatchCliOptions {
  url: string
  out: string
  concurrency: string
  rate?: string
  retries: string
  timeout: string
  header?: string[]
  key?: string
  resume?: boolean
  skipBad?: boolean
  json?: boolean
}

/** Where the command prints, and the signals it listens to (tests replace them). */
export interface BatchIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  argv: readonly string[]
  onInterrupt(listener: () => void): () => void
}

const processIo: BatchIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  argv: process.argv,
  onInterrupt(listener) {
    process.on('SIGINT', listener)
    return () => process.off('SIGINT', listener)
  },
}

/** The options checked and converted; a bad one is a usage error (exit 2). */
export function parseBatchOptions(input: string, o: BatchCliOptions): BatchSettings {
  let url: URL
  try {
    url = new URL(o.url)
  } catch {
    throw new UsageError(`Expected --url to be an http or https URL, got '${o.url}'`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`Expected --url to be an http or https URL, got '${o.url}'`)
  }
  if (o.key !== undefined && o.key.trim() === '')
    throw new UsageError('Expected --key to name a field, got an empty string')
  return {
    input,
    url: url.href,
    out: o.out,
    concurrency: parseInteger('--concurrency', o.concurrency, 1, { max: 10_000 }),
    rate: o.rate === undefined ? undefined : parseRate(o.rate),
    retries: parseInteger('--retries', o.retries, 0, { max: 100 }),
    timeout: parseDuration('--timeout', o.timeout),
    headers: Object.fromEntries((o.header ?? []).map(parseHeader)),
    key: o.key,
    resume: o.resume === true,
    skipBad: o.skipBad === true,
    json: o.json === true,
  }
}

async function checkOutput(settings: BatchSettings): Promise<void> {
  let size = 0
  try {
    const info = await stat(settings.out)
    if (!info.isFile()) throw new UsageError(`--out is not a file: ${settings.out}`)
    size = info.size
  } catch (error) {
    if (error instanceof UsageError) throw error
  }
  if (size > 0 && !settings.resume) {
    throw new UsageError(
      `${settings.out} already holds results; pass --resume to continue it, or choose another --out`,
    )
  }
}

async function openOutput(settings: BatchSettings): Promise<Writer> {
  try {
    return await openWriter(settings.out, {
      format: 'jsonl',
      ordered: true,
      resume: true,
      key: (line) => (line as { key?: unknown } | null)?.key,
    })
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'ERR_LOCKED' || code === 'ERR_CORRUPT_LINE') throw new UsageError(messageOf(error))
    throw error
  }
}

/** A pending record: its place in this run (`pos`), in the input (`index`), and its key. */
interface Pending {
  pos: number
  index: number
  key: string | number
  record: unknown
}

class NotStartedError extends Error {
  override name = 'NotStartedError'
  readonly code = 'ERR_NOT_STARTED'
}

/**
 * `boundkit batch`: POSTs every pending record of the input through a limiter and writes one ordered
 * line per record. Resolves with the exit code: 0 all ok, 1 some failed, 2 usage, 130 interrupted.
 */
export async function runBatch(
  input: string,
  cli: BatchCliOptions,
  io: BatchIo = processIo,
): Promise<number> {
  const settings = parseBatchOptions(input, cli)
  await checkInputFile(input)
  await checkOutput(settings)
  const style = paint(colorEnabled(io.stderr))
  const scan = await scanInput(settings, (bad) =>
    io.stderr.write(`${style.yellow('skipped')} ${input}:${bad.line}: ${bad.reason}\n`),
  )
  const writer = await openOutput(settings)
  const completed = writer.completed
  const already = scan.keys.filter((key) => completed.has(key)).length
  const todo = scan.records - already
  const base = writer.nextSeq
  const started = performance.now()

  let stopping = false
  const hard = new AbortController()
  const stopListening = io.onInterrupt(() => {
    if (!stopping) {
      stopping = true
      io.stderr.write(
        `\n${style.yellow('Interrupted')}: no new requests; waiting for the ones in flight (Ctrl-C again to abort them)\n`,
      )
    } else if (!hard.signal.aborted) {
      io.stderr.write(`${style.yellow('Aborting')} the requests in flight\n`)
      hard.abort(new Error('Interrupted'))
    }
  })

  const progress = createProgress({ label: 'batch', total: todo, stream: io.stderr })
  const counts = { ok: 0, failed: 0, written: 0, left: 0 }
  const writes = new Set<Promise<void>>()
  let writeError: unknown
  const firstStart = new Map<number, number>()
  const items: Pending[] = []

  async function* pending(): AsyncGenerator<Pending> {
    let pos = 0
    for await (const { index, record } of readJsonl(input, {
      skipBad: true,
      check: (_record, l) => (scan.badLines.has(l) ? 'skipped' : undefined),
    })) {
      if (stopping) return
      const key = scan.keyOf(record, index)
      if (completed.has(key)) continue
      const item = { pos: pos++, index, key, record }
      items[item.pos] = item
      yield item
    }
  }

  const request = (item: Pending, context: ItemContext) => {
    if (stopping) throw new NotStartedError('Not started: the batch was interrupted')
    if (!firstStart.has(item.pos)) firstStart.set(item.pos, performance.now())
    return postJson(
      settings.url,
      item.record,
      settings.headers,
      AbortSignal.any([context.signal, hard.signal]),
    )
  }

  const limiter = createLimiter({
    concurrency: settings.concurrency,
    rate: settings.rate,
    timeout: settings.timeout,
    retry: settings.retries === 0 ? false : { retries: settings.retries },
  })
  try {
    for await (const outcome of limiter.stream(pending(), request)) {
      const item = items[outcome.index] as Pending
      delete items[outcome.index]
      const start = firstStart.get(item.pos)
      firstStart.delete(item.pos)
      // Never started, refused a retry after Ctrl-C, or aborted: no line, so --resume runs it again.
      if (
        outcome.status === 'rejected' &&
        (start === undefined ||
          hard.signal.aborted ||
          (outcome.error as { code?: unknown })?.code === 'ERR_NOT_STARTED')
      ) {
        counts.left++
        continue
      }
      const ms = start === undefined ? 0 : performance.now() - start
      const line =
        outcome.status === 'fulfilled'
          ? outputLine(item, outcome.value.status, { response: outcome.value.body }, outcome.attempts, ms)
          : outputLine(
              item,
              errorRecord(outcome.error).status ?? null,
              { error: errorRecord(outcome.error) },
              outcome.attempts,
              ms,
            )
      const ok = outcome.status === 'fulfilled'
      const write = writer.write(line, { seq: base + item.pos }).then(
        () => {
          counts.written++
          if (ok) counts.ok++
          else counts.failed++
          progress.tick(!ok)
        },
        (error: unknown) => {
          if ((error as { code?: unknown }).code === 'ERR_CLOSED') counts.left++
          else writeError ??= error
        },
      )
      writes.add(write)
      void write.finally(() => writes.delete(write))
      if (writeError !== undefined) break
    }
  } finally {
    stopListening()
    await limiter.close().catch(() => {})
    try {
      await writer.close()
    } catch (error) {
      writeError ??= error
    }
    await Promise.allSettled([...writes])
    progress.stop()
  }
  if (writeError !== undefined) throw writeError

  const interrupted = stopping || hard.signal.aborted
  const notWritten = todo - counts.written
  const summary = {
    input,
    out: settings.out,
    records: scan.records,
    badLines: scan.badLines.size,
    alreadyDone: already,
    written: counts.written,
    ok: counts.ok,
    failed: counts.failed,
    notWritten,
    interrupted,
    ms: Math.round(performance.now() - started),
  }
  const resume = resumeCommand(io.argv)
  if (settings.json) io.stdout.write(`${JSON.stringify(interrupted ? { ...summary, resume } : summary)}\n`)
  else {
    const out = paint(colorEnabled(io.stdout))
    const parts = [
      `${out.green(`${counts.ok} ok`)}`,
      counts.failed > 0 ? out.red(`${counts.failed} failed`) : `0 failed`,
    ]
    if (already > 0) parts.push(`${already} already done`)
    if (scan.badLines.size > 0) parts.push(`${scan.badLines.size} bad lines skipped`)
    io.stdout.write(`${parts.join(', ')} in ${formatMs(summary.ms)}; results in ${settings.out}\n`)
  }
  if (interrupted) {
    io.stderr.write(
      `${style.yellow('Interrupted')}: ${notWritten} of ${todo} records not written yet. To continue, run:\n  ${resume}\n`,
    )
    return EXIT.interrupted
  }
  if (counts.failed > 0) {
    io.stderr.write(
      `${style.red(`${counts.failed} of ${todo} records failed`)} (see "error" in ${settings.out})\n`,
    )
    return EXIT.someFailed
  }
  return EXIT.ok
}
