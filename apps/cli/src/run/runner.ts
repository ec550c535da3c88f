import {
  createLimiter,
  type ItemContext,
  type LimiterCost,
  type LimiterOptions,
  type LimiterStats,
  type Outcome,
} from '@boundkit/limiter'
import type { Writer } from '@boundkit/writer'
import { EXIT } from '../errors'
import { colorEnabled, type OutputStream, paint } from '../terminal'
import type { DistributedRun, Distribution } from './distributed'
import { checkInputFile } from './input/jsonl-input'
import type { RecordKey } from './input/key-sets'
import type { PriorOutcomes } from './input/prior'
import { type InputScan, type InputSelection, type KeyRule, scanInput } from './input/scan'
import { type LiveSettings, type LiveView, openLiveView } from './live'
import { InOrder } from './output/in-order'
import {
  checkOutput,
  compactOutput,
  type OutputSettings,
  openOutput,
  readPrior,
  removeIfEmpty,
} from './output/output-file'
import { createProgress } from './progress'
import { resumeCommand } from './resume-command'
import { type BatchSummary, type RequestCounts, requestCounts } from './summary'

/** Where the command prints, the signals it listens to, how it exits at once (tests replace them). */
export interface RunIo {
  stdout: OutputStream
  stderr: OutputStream
  argv: readonly string[]
  onInterrupt(listener: () => void): () => void
  /** Ends the process now (a second Ctrl-C). */
  exit(code: number): void
}

export const processIo: RunIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  argv: process.argv,
  onInterrupt(listener) {
    process.on('SIGINT', listener)
    return () => process.off('SIGINT', listener)
  },
  exit: (code) => process.exit(code),
}

/** A pending record: its place in this run (`pos`), in the input (`index`, `line`), its key, text and value. */
export interface Pending {
  pos: number
  index: number
  /** Its 1-based line number in the input. */
  line: number
  key: RecordKey
  text: string
  record: unknown
}

/** What the runner needs of a command's settings. */
export interface RunSettings extends OutputSettings {
  /** `--dashboard` and `--report`. */
  live: LiveSettings
  /** With `resume`: send again the records whose newest line is a failure. */
  retryFailed: boolean
  skipBad: boolean
  json: boolean
}

/** The line of a finished record, and whether it counts as ok. */
export interface LineResult {
  line: unknown
  ok: boolean
}

/**
 * What differs between `boundkit batch` and `boundkit llm`: how records are keyed and checked, the
 * limiter, the request, and the output line. The runner does the rest.
 */
export interface RunJob<A> {
  /** The progress label: the command's name. */
  label: string
  settings: RunSettings
  keys: KeyRule
  limiter: LimiterOptions
  /** Each record's cost for the limiter's weighted windows, when it has some. */
  cost?: (item: Pending) => LimiterCost
  /** One attempt of a record's request; `signal` ends with the attempt or a second Ctrl-C. */
  request(item: Pending, signal: AbortSignal, context: ItemContext): Promise<A>
  /** The line of a record that got an answer or failed for good. */
  line(item: Pending, result: { value: A } | { error: unknown }, attempts: number, ms: number): LineResult
  /** Extra progress counters (e.g. tokens/min). */
  progressDetail?: (elapsedMs: number) => string
  /**
   * With `--redis`: the records go to a queue as jobs and workers make the requests (`limiter`,
   * `cost` and `request` are then unused); the writer, resume and summary stay the same.
   */
  distributed?: DistributedRun<A>
}

/** How a run ended, for the command's summary. */
export interface RunResult {
  summary: BatchSummary
  scan: InputScan
  /** The limiter's counters at the end of the run, before it closed. */
  stats: LimiterStats
  /** The requests the run made (also in `summary`). */
  counts: RequestCounts
  exitCode: number
  /** With `--dashboard`: the page, kept up after the summary until Ctrl-C (`stay`). */
  live: LiveView | undefined
}

/** Codes of a record that ends without a line, so `--resume` runs it again. */
const LEFT_FOR_LATER = new Set(['ERR_INTERRUPTED', 'ERR_CLEARED', 'ERR_CLOSED'])

class InterruptedError extends Error {
  override name = 'InterruptedError'
  readonly code = 'ERR_INTERRUPTED'
}

/** Opens the output, reads what it holds and scans the input; a usage error closes it again. */
async function prepare(
  job: RunJob<unknown>,
  stderr: OutputStream,
): Promise<{ writer: Writer; prior: PriorOutcomes; scan: InputScan; selection: InputSelection }> {
  const { settings } = job
  await checkInputFile(settings.input)
  const existed = await checkOutput(settings)
  const style = paint(colorEnabled(stderr))
  const writer = await openOutput(settings)
  try {
    const prior = await readPrior(settings, job.keys)
    const { scan, selection } = await scanInput(settings, job.keys, prior, (bad) =>
      stderr.write(`${style.yellow('skipped')} ${settings.input}:${bad.line}: ${bad.reason}\n`),
    )
    return { writer, prior, scan, selection }
  } catch (error) {
    await writer.close().catch(() => {})
    if (!existed) await removeIfEmpty(settings.out)
    throw error
  }
}

/**
 * Runs every pending record of the input through a limiter and writes one line per record, in input
 * order, resumable; the first Ctrl-C finishes what is in flight, the second exits at once. A usage
 * error (exit 2) is thrown before any request. Exit code: 0 all ok, 1 some failed, 130 interrupted.
 */
export async function runJob<A>(job: RunJob<A>, io: RunIo = processIo): Promise<RunResult> {
  const { settings, keys } = job
  const input = settings.input
  // With --redis, Redis is reached (or the run refused) before the output is touched.
  let queue: Distribution<A> | undefined
  if (job.distributed !== undefined) {
    const { openDistribution } = await import('./distributed')
    queue = await openDistribution(job.distributed, settings.out, io.stderr)
  }
  const prepared = await prepare(job as RunJob<unknown>, io.stderr).catch(async (error: unknown) => {
    await queue?.close()
    throw error
  })
  const { writer, prior, scan, selection } = prepared
  const style = paint(colorEnabled(io.stderr))
  const todo = scan.records - scan.alreadyDone
  const resume = resumeCommand(io.argv, undefined, queue?.redactUrl)
  const started = performance.now()
  const limiter = createLimiter(job.limiter)
  const stopAdding = new AbortController()

  // Ctrl-C once: start nothing more, end the retries waiting out a backoff or a Retry-After (no line:
  // --resume runs them again), let the requests in flight finish. Twice: exit now.
  let stopping = false
  const hard = new AbortController()
  const stopListening = io.onInterrupt(() => {
    if (!stopping) {
      stopping = true
      if (queue !== undefined) {
        // The jobs already added stay in Redis and the workers finish them: --resume reads their outcomes.
        io.stderr.write(
          `\n${style.yellow('Interrupted')}: no new jobs; writing the outcomes already in (Ctrl-C again to exit now)\n`,
        )
        stopAdding.abort()
        return
      }
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

  const progress = createProgress({
    label: job.label,
    total: todo,
    stream: io.stderr,
    ...(job.progressDetail ? { detail: job.progressDetail } : {}),
  })
  const counts = { ok: 0, failed: 0, written: 0, requests: 0 }
  const live = await openLiveView(
    settings.live,
    { label: job.label, detail: `${input} → ${settings.out}`, total: todo },
    () => ({
      done: counts.ok,
      failed: counts.failed,
      requests: counts.requests,
      ...(queue === undefined ? { limiter: limiter.stats() } : queue.live()),
    }),
    io.stderr,
  )
  const writes = new Set<Promise<void>>()
  let writeError: unknown
  const firstStart = new Map<number, number>()
  const items = new Map<number, Pending>()
  let seq = writer.nextSeq
  const inOrder = new InOrder<LineResult>(({ line, ok }) => {
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
    // The lines the scan accepted, and of those the ones the output does not already hold.
    for await (const { index, line, text, record, key } of selection.records()) {
      if (stopping) return
      if (!prior.sends(key)) continue
      const item = { pos: pos++, index, line, key, text, record }
      items.set(item.pos, item)
      yield item
    }
  }

  const request = async (item: Pending, context: ItemContext): Promise<A> => {
    if (stopping) throw new InterruptedError('Not started: the batch was interrupted')
    if (!firstStart.has(item.pos)) firstStart.set(item.pos, performance.now())
    counts.requests++
    // The attempt's own signal only: on Node 20, AbortSignal.any() with a signal that lives as long as
    // the run keeps every request's signal alive (measured: +0.8 KB of memory a request). A second
    // Ctrl-C exits the process, which ends the requests in flight anyway.
    return job.request(item, context.signal, context)
  }

  /** The record's line, or undefined when it ends without one (never started, interrupted). */
  const lineOf = (item: Pending, outcome: Outcome<A>): LineResult | undefined => {
    const start = firstStart.get(item.pos)
    firstStart.delete(item.pos)
    const attempts = outcome.attempts ?? 0
    const ms = start === undefined ? 0 : performance.now() - start
    if (outcome.status === 'fulfilled') {
      live?.record(ms)
      return job.line(item, { value: outcome.value }, attempts, ms)
    }
    const code = (outcome.error as { code?: unknown } | null)?.code
    // A record refused by its own cost (ERR_COST_TOO_HIGH) never starts, yet gets its line.
    if (code !== 'ERR_COST_TOO_HIGH' && (start === undefined || LEFT_FOR_LATER.has(code as string))) {
      return undefined
    }
    if (hard.signal.aborted) return undefined
    live?.record(ms, outcome.error)
    return job.line(item, { error: outcome.error }, attempts, ms)
  }

  let stats: LimiterStats | undefined
  const cost = job.cost
  const outcomes =
    queue === undefined
      ? limiter.stream(pending(), request, cost === undefined ? {} : { cost: (item: Pending) => cost(item) })
      : queue.outcomes(pending(), {
          // Without --resume the run starts over: an earlier run's finished jobs are removed first.
          // --retry-failed removes the failed job of a record it sends again.
          replace: (item) =>
            !settings.resume ? 'finished' : prior.state(item.key) === 'retry' ? 'failed' : undefined,
          signal: stopAdding.signal,
          onAdd: (item) => firstStart.set(item.pos, performance.now()),
        })
  let jobsDone = 0
  try {
    for await (const outcome of outcomes) {
      const item = items.get(outcome.index) as Pending
      items.delete(outcome.index)
      if (queue !== undefined) {
        // Each attempt a worker made is a request.
        jobsDone++
        counts.requests += outcome.attempts ?? 0
      }
      inOrder.put(item.pos, lineOf(item, outcome))
      if (writeError !== undefined) break
    }
  } catch (error) {
    // A distributed run interrupted: the outcomes already in are written, the rest wait in Redis.
    if (!(stopping && (error as { code?: unknown } | null)?.code === 'ERR_ABORTED')) {
      await live?.close()
      throw error
    }
  } finally {
    stopListening()
    stats = limiter.stats()
    if (queue !== undefined) {
      // The workers retried: a job's attempts past its first are its retries; their 429s (each one
      // paused the whole queue) are counted in Redis.
      stats = { ...stats, retried: counts.requests - jobsDone, concurrency: 0 }
      const cluster = await queue.clusterCounts().catch(() => undefined)
      if (cluster !== undefined) {
        const { rateLimited, cooldownMs } = cluster
        stats = { ...stats, rateLimited, cooldowns: rateLimited, cooldownMs }
      }
      await queue.close().catch(() => {})
    }
    await limiter.close().catch(() => {})
    try {
      await writer.close()
    } catch (error) {
      writeError ??= error
    }
    await Promise.allSettled([...writes])
    progress.stop()
    await live?.finish(stopping).catch((error: unknown) => {
      writeError ??= error
    })
  }
  if (writeError !== undefined) {
    await live?.close()
    throw writeError
  }

  const interrupted = stopping
  // A record sent again got a second line, and a resumed run appended records that an interrupted
  // run left out (a retry Ctrl-C ended) after later ones: once the run is complete, one line per
  // record again, in input order. Interrupted, the file stays appended; the next run compacts it.
  const resumedWithLines = scan.alreadyDone > 0 && counts.written > 0
  if (!interrupted && (prior.duplicates || resumedWithLines || (scan.resend > 0 && counts.written > 0))) {
    await compactOutput(settings.out, keys, selection)
  }
  const requests = requestCounts(counts.requests, stats)
  const summary: BatchSummary = {
    input,
    out: settings.out,
    records: scan.records,
    badLines: scan.badLines,
    alreadyDone: scan.alreadyDone,
    alreadyFailed: scan.alreadyFailed,
    resent: scan.resend,
    written: counts.written,
    ok: counts.ok,
    failed: counts.failed,
    notWritten: todo - counts.written,
    interrupted,
    ms: Math.round(performance.now() - started),
    ...requests,
    ...(interrupted ? { resume } : {}),
  }
  const exitCode = interrupted ? EXIT.interrupted : counts.failed > 0 ? EXIT.someFailed : EXIT.ok
  return { summary, scan, stats, counts: requests, exitCode, live }
}
