import { createLimiter, type ItemContext, type Outcome } from '@boundkit/limiter'
import type { Writer } from '@boundkit/writer'
import { EXIT } from '../errors'
import { checkInputFile, readJsonl } from '../jsonl-input'
import { createProgress } from '../progress'
import { colorEnabled, type OutputStream, paint } from '../terminal'
import { errorRecord, type HttpAnswer, postJson } from './http'
import { InOrder } from './in-order'
import type { KeySet, RecordKey } from './key-sets'
import { checkOutput, openOutput, readDone, removeIfEmpty } from './output-file'
import { type OutputLine, outputLine } from './output-line'
import { resumeCommand } from './resume-command'
import { type InputScan, keyOf, scanInput } from './scan'
import { type BatchCliOptions, type BatchSettings, parseBatchOptions } from './settings'
import { printSummary } from './summary'

/** Where the command prints, the signals it listens to, how it exits at once (tests replace them). */
export interface BatchIo {
  stdout: OutputStream
  stderr: OutputStream
  argv: readonly string[]
  onInterrupt(listener: () => void): () => void
  /** Ends the process now (a second Ctrl-C). */
  exit(code: number): void
}

const processIo: BatchIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  argv: process.argv,
  onInterrupt(listener) {
    process.on('SIGINT', listener)
    return () => process.off('SIGINT', listener)
  },
  exit: (code) => process.exit(code),
}

/** A pending record: its place in this run (`pos`), in the input (`index`), its key and its text. */
interface Pending {
  pos: number
  index: number
  key: RecordKey
  text: string
}

/** Codes of a record that ends without a line, so `--resume` runs it again. */
const LEFT_FOR_LATER = new Set(['ERR_INTERRUPTED', 'ERR_CLEARED', 'ERR_CLOSED'])

class InterruptedError extends Error {
  override name = 'InterruptedError'
  readonly code = 'ERR_INTERRUPTED'
}

/** Opens the output, reads what it holds and scans the input; a usage error closes it again. */
async function prepare(
  settings: BatchSettings,
  stderr: OutputStream,
): Promise<{ writer: Writer; done: KeySet; scan: InputScan }> {
  await checkInputFile(settings.input)
  const existed = await checkOutput(settings)
  const style = paint(colorEnabled(stderr))
  const writer = await openOutput(settings)
  try {
    const done = await readDone(settings)
    const scan = await scanInput(settings, done, (bad) =>
      stderr.write(`${style.yellow('skipped')} ${settings.input}:${bad.line}: ${bad.reason}\n`),
    )
    return { writer, done, scan }
  } catch (error) {
    await writer.close().catch(() => {})
    if (!existed) await removeIfEmpty(settings.out)
    throw error
  }
}

/**
 * `boundkit batch`: POSTs every pending record of the input through a limiter and writes one line per
 * record, in input order. Resolves with the exit code: 0 all ok, 1 some failed, 130 interrupted; a
 * usage error (exit 2) is thrown before any request.
 */
export async function runBatch(
  input: string,
  cli: BatchCliOptions,
  io: BatchIo = processIo,
): Promise<number> {
  const settings = parseBatchOptions(input, cli)
  const { writer, done, scan } = await prepare(settings, io.stderr)
  const style = paint(colorEnabled(io.stderr))
  const todo = scan.records - scan.alreadyDone
  const resume = resumeCommand(io.argv)
  const started = performance.now()
  const limiter = createLimiter({
    concurrency: settings.concurrency,
    rate: settings.rate,
    timeout: settings.timeout,
    retry: settings.retries === 0 ? false : { retries: settings.retries },
  })

  // Ctrl-C once: start nothing more, end the retries waiting out a backoff or a Retry-After (no line:
  // --resume runs them again), let the requests in flight finish. Twice: exit now.
  let stopping = false
  const hard = new AbortController()
  const stopListening = io.onInterrupt(() => {
    if (!stopping) {
      stopping = true
      io.stderr.write(
        `\n${style.yellow('Interrupted')}: no new requests or retries; waiting for the ones in flight (Ctrl-C again to exit now)\n`,
      )
      // Queued records end with ERR_CLEARED; records waiting out a backoff or a Retry-After, and any
      // retryable failure from now on, end with ERR_CLOSED at once; requests in flight finish.
      limiter.clear()
      limiter.close().catch(() => {})
      return
    }
    hard.abort(new InterruptedError('Interrupted twice'))
    io.stderr.write(
      `${style.yellow('Interrupted')} again: exiting now; the requests in flight are not written. To continue, run:\n  ${resume}\n`,
    )
    io.exit(EXIT.interrupted)
  })

  const progress = createProgress({ label: 'batch', total: todo, stream: io.stderr })
  const counts = { ok: 0, failed: 0, written: 0 }
  const writes = new Set<Promise<void>>()
  let writeError: unknown
  const firstStart = new Map<number, number>()
  const items = new Map<number, Pending>()
  const key = keyOf(settings.key)
  let seq = writer.nextSeq
  const inOrder = new InOrder<OutputLine>((line) => {
    const ok = line.error === undefined
    const write = writer.write(line, { seq: seq++ }).then(
      () => {
        counts.written++
        if (ok) counts.ok++
        else counts.failed++
        progress.tick(!ok)
      },
      (error: unknown) => {
        writeError ??= error
      },
    )
    writes.add(write)
    void write.finally(() => writes.delete(write))
  })

  async function* pending(): AsyncGenerator<Pending> {
    let pos = 0
    // The scan reported the bad lines and refused the run if any was not to be skipped.
    for await (const { index, line, text, record } of readJsonl(input, {
      skipBad: true,
      check: (r, l) => {
        const result = key(r, l)
        return 'reason' in result ? result.reason : undefined
      },
    })) {
      if (stopping) return
      const recordKey = (key(record, line) as { key: RecordKey }).key
      if (done.has(recordKey)) continue
      const item = { pos: pos++, index, key: recordKey, text }
      items.set(item.pos, item)
      yield item
    }
  }

  const request = async (item: Pending, context: ItemContext): Promise<HttpAnswer> => {
    if (stopping) throw new InterruptedError('Not started: the batch was interrupted')
    if (!firstStart.has(item.pos)) firstStart.set(item.pos, performance.now())
    return postJson(settings.url, item.text, {
      headers: settings.headers,
      signal: AbortSignal.any([context.signal, hard.signal]),
      maxResponseBytes: settings.maxResponseBytes,
    })
  }

  /** The record's line, or undefined when it ends without one (never started, interrupted). */
  const lineOf = (item: Pending, outcome: Outcome<HttpAnswer>): OutputLine | undefined => {
    const start = firstStart.get(item.pos)
    firstStart.delete(item.pos)
    const attempts = outcome.attempts ?? 0
    const ms = start === undefined ? 0 : performance.now() - start
    if (outcome.status === 'fulfilled') {
      return outputLine(item, outcome.value.status, { response: outcome.value.body }, attempts, ms)
    }
    const code = (outcome.error as { code?: unknown } | null)?.code
    if (start === undefined || hard.signal.aborted || LEFT_FOR_LATER.has(code as string)) return undefined
    const error = errorRecord(outcome.error)
    return outputLine(item, error.status ?? null, { error }, attempts, ms)
  }

  try {
    for await (const outcome of limiter.stream(pending(), request)) {
      const item = items.get(outcome.index) as Pending
      items.delete(outcome.index)
      inOrder.put(item.pos, lineOf(item, outcome))
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

  const interrupted = stopping
  printSummary(
    settings,
    scan,
    {
      input,
      out: settings.out,
      records: scan.records,
      badLines: scan.badLines,
      alreadyDone: scan.alreadyDone,
      written: counts.written,
      ok: counts.ok,
      failed: counts.failed,
      notWritten: todo - counts.written,
      interrupted,
      ms: Math.round(performance.now() - started),
      ...(interrupted ? { resume } : {}),
    },
    io,
  )
  if (interrupted) return EXIT.interrupted
  return counts.failed > 0 ? EXIT.someFailed : EXIT.ok
}
