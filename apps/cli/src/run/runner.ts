import type { Outcome } from '@boundkit/limiter'
import type { RunReading } from '@boundkit/server/dashboard'
import type { Writer } from '@boundkit/writer'
import { EXIT, messageOf, UsageError } from '../errors'
import type { LiveSettings } from '../flags/live'
import { colorEnabled, formatUsd, type OutputStream, paint } from '../terminal'
import {
  type Executor,
  isAnswerForUnsent,
  type OpenExecutor,
  type Pending,
  type RequestStats,
} from './executor'
import { checkInputFile } from './input/jsonl-input'
import type { PriorOutcomes } from './input/prior'
import { type InputScan, type InputSelection, type KeyRule, scanInput } from './input/scan'
import { type LiveView, openLiveView } from './live'
import { ErrorsFile } from './output/errors-file'
import { InOrder } from './output/in-order'
import { foldJournal, Journal } from './output/journal'
import {
  checkErrorsFile,
  checkOutput,
  compactOutput,
  isMarkedUnordered,
  markUnordered,
  type OutputSettings,
  openOutput,
  readPrior,
  removeIfEmpty,
} from './output/output-file'
import { createProgress, type Progress } from './progress'
import { resumeCommand, typedCommand } from './resume-command'
import type { BatchSummary } from './summary'

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

/** What the runner needs of a command's settings. */
export interface RunSettings extends OutputSettings {
  /** `--errors`: the failed lines also go to this file. */
  errors?: string | undefined
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
 * What differs between `boundkit batch` and `boundkit llm`: how records are keyed and checked, how they
 * are sent (the executor: `local` or `distributed`), and the output line. The runner does the rest.
 */
export interface RunJob<A> {
  /** The progress label: the command's name. */
  label: string
  settings: RunSettings
  keys: KeyRule
  executor: OpenExecutor<A>
  /** The line of a record that got an answer or failed for good. */
  line(item: Pending, result: { value: A } | { error: unknown }, attempts: number, ms: number): LineResult
  /** Extra progress counters (e.g. tokens/min). */
  progressDetail?: (elapsedMs: number) => string
  /** The least time (ms) `left` records can take at the run's limits: the ETA is never below it. */
  etaFloor?: (left: number) => number
  /** What the live page shows of the command's own figures (tokens, cost), read each second. */
  liveDetail?: () => Partial<RunReading>
  /** The limits the run was given, for the live page (`--rpm 500, --tpm 200000`). */
  limits?: string
  /** A line the output already held, read before the run (e.g. to count what it cost). */
  priorLine?: (line: Record<string, unknown>) => void
  /** `--max-cost`: no record starts whose worst case would take the spending past the cap. */
  budget?: RunBudget
}

/** What a run may spend, what it has spent, and what one record can cost at most (USD). */
export interface RunBudget {
  /** The most the output file may have cost, its earlier lines included. */
  cap: number
  /** Spent so far: the output's earlier lines and this run's answers. */
  spent(): number
  /** What a record can cost at most: its prompt and every token its answer may use. */
  worstCase(item: Pending): number
  /** What a record's answer cost; undefined when that cannot be told (no usage, no price). */
  answerCost(item: Pending, value: unknown): number | undefined
}

/** How a run ended, for the command's summary. */
export interface RunResult {
  summary: BatchSummary
  scan: InputScan
  /** The requests the run made (also in `summary`), and the concurrency it ended with. */
  stats: RequestStats
  exitCode: number
  /** With `--dashboard`: the page, kept up after the summary until Ctrl-C (`stay`). */
  live: LiveView | undefined
}

/** Codes of a record that ends without a line, so `--resume` runs it again. */
const LEFT_FOR_LATER = new Set(['ERR_INTERRUPTED', 'ERR_CLEARED', 'ERR_CLOSED', 'ERR_BUDGET_REACHED'])
/** Codes of a record refused before any attempt, for good: it gets its line. */
const REFUSED = new Set(['ERR_COST_TOO_HIGH', 'ERR_NO_ENDPOINT'])

interface Prepared {
  writer: Writer
  /** `--errors`: the failed lines' own file. */
  errors: ErrorsFile | undefined
  /** The output holds lines out of input order (a journal folded in, this run or one stopped since). */
  unordered: boolean
  prior: PriorOutcomes
  scan: InputScan
  selection: InputSelection
}

/** Opens the output, reads what it holds and scans the input; a usage error closes it again. */
async function prepare(job: RunJob<unknown>, stderr: OutputStream): Promise<Prepared> {
  const { settings } = job
  await checkInputFile(settings.input)
  const existed = await checkOutput(settings)
  await checkErrorsFile(settings)
  const style = paint(colorEnabled(stderr))
  const writer = await openOutput(settings)
  let errors: ErrorsFile | undefined
  try {
    const folded = settings.resume ? await foldJournal(settings.out, job.keys, writer) : 0
    if (folded > 0) await markUnordered(settings.out)
    const unordered = folded > 0 || (settings.resume && (await isMarkedUnordered(settings.out)))
    const prior = await readPrior(settings, job.keys, job.priorLine)
    const { scan, selection } = await scanInput(settings, job.keys, prior, (bad) =>
      stderr.write(`${style.yellow('skipped')} ${settings.input}:${bad.line}: ${bad.reason}\n`),
    )
    if (settings.errors !== undefined) {
      errors = await ErrorsFile.open(settings.errors, settings.resume).catch((error: unknown) => {
        throw new UsageError(`--errors ${settings.errors} cannot be written: ${messageOf(error)}`)
      })
    }
    return { writer, errors, unordered, prior, scan, selection }
  } catch (error) {
    await errors?.close().catch(() => {})
    await writer.close().catch(() => {})
    if (!existed) await removeIfEmpty(settings.out)
    throw error
  }
}

/**
 * Sends every pending record of the input through the job's executor and writes one line per record,
 * in input order, resumable; the first Ctrl-C finishes what is in flight, the second exits at once. A
 * usage error (exit 2) is thrown before any request. Exit code: 0 all ok, 1 some failed, 130 interrupted.
 */
export async function runJob<A>(job: RunJob<A>, io: RunIo = processIo): Promise<RunResult> {
  // With --redis, Redis is reached (or the run refused) before the output is touched.
  const executor = await job.executor(job.settings.out, io.stderr)
  const prepared = await prepare(job as RunJob<unknown>, io.stderr).catch(async (error: unknown) => {
    await executor.close().catch(() => {})
    throw error
  })
  return new Run(job, executor, prepared, io).execute()
}

/** One run: what every run does, around the executor that sends the records. */
class Run<A> {
  readonly #job: RunJob<A>
  readonly #executor: Executor<A>
  readonly #prepared: Prepared
  readonly #io: RunIo
  readonly #started = performance.now()
  readonly #todo: number
  readonly #resume: string
  readonly #counts = { ok: 0, failed: 0, written: 0 }
  /** When each record's first attempt started (or its job was added), by `pos`. */
  readonly #firstStart = new Map<number, number>()
  readonly #items = new Map<number, Pending>()
  readonly #writes = new Set<Promise<void>>()
  readonly #inOrder: InOrder<LineResult>
  /** Lines that wait for an earlier record's, on disk meanwhile (see `Journal`). */
  readonly #journal: Journal
  /** The journaled lines not yet written to the output: when none is left, the journal starts afresh. */
  readonly #journaled = new Set<LineResult>()
  #seq: number
  #writeError: unknown
  #stopping = false
  /** Why the run stopped starting records before its end: Ctrl-C, or `--max-cost`. */
  #stoppedBy: 'interrupt' | 'max-cost' | undefined
  #hardStop = false
  /** Each started record's worst case, held against `--max-cost` until its outcome. */
  readonly #reserved = new Map<number, number>()
  #reservedTotal = 0
  /** Answers whose cost could not be told, counted at their worst case against `--max-cost`. */
  #unknownSpent = 0
  #progress: Progress | undefined
  #live: LiveView | undefined

  constructor(job: RunJob<A>, executor: Executor<A>, prepared: Prepared, io: RunIo) {
    this.#job = job
    this.#executor = executor
    this.#prepared = prepared
    this.#io = io
    this.#todo = prepared.scan.records - prepared.scan.alreadyDone
    this.#resume = resumeCommand(io.argv, undefined, executor.redactUrl)
    this.#seq = prepared.writer.nextSeq
    this.#inOrder = new InOrder<LineResult>((result) => this.#write(result))
    this.#journal = new Journal(job.settings.out)
  }

  async execute(): Promise<RunResult> {
    const { settings, label } = this.#job
    const style = paint(colorEnabled(this.#io.stderr))
    const stopListening = this.#io.onInterrupt(() => this.#interrupt(style))
    this.#progress = createProgress({
      label,
      total: this.#todo,
      stream: this.#io.stderr,
      ...(this.#job.progressDetail ? { detail: this.#job.progressDetail } : {}),
      ...(this.#job.etaFloor ? { etaFloor: this.#job.etaFloor } : {}),
    })
    try {
      this.#live = await openLiveView(
        settings.live,
        {
          label,
          detail: `${settings.input} → ${settings.out}`,
          total: this.#todo,
          command: typedCommand(this.#io.argv, this.#executor.redactUrl),
          ...(this.#job.limits ? { limits: this.#job.limits } : {}),
        },
        () => {
          const left = this.#todo - this.#counts.written
          return {
            done: this.#counts.ok,
            failed: this.#counts.failed,
            requests: this.#executor.requests(),
            // Answers in the journal, waiting for an earlier record's before they are written.
            unwritten: this.#inOrder.held,
            ...(this.#job.etaFloor && left > 0 ? { etaFloorMs: this.#job.etaFloor(left) } : {}),
            ...this.#executor.live(),
            ...this.#job.liveDetail?.(),
          }
        },
        this.#io.stderr,
      )
    } catch (error) {
      // A page that cannot be served (its port taken): what the run opened is closed again.
      stopListening()
      await this.#finish()
      throw error
    }
    let stats: RequestStats
    try {
      await this.#collect()
    } finally {
      stopListening()
      stats = await this.#finish()
    }
    try {
      if (this.#writeError !== undefined) throw this.#writeError
      return await this.#result(stats)
    } catch (error) {
      await this.#live?.close()
      throw error
    }
  }

  /** Ctrl-C once: start nothing more, let what is in flight finish. Twice: exit now. */
  #interrupt(style: ReturnType<typeof paint>): void {
    // A run that stopped at --max-cost is still waiting for what it started: that Ctrl-C is the first.
    if (this.#stoppedBy !== 'interrupt') {
      this.#stopping = true
      this.#stoppedBy = 'interrupt'
      const now = this.#executor.stop('now')
      this.#io.stderr.write(`\n${style.yellow('Interrupted')}: ${now} (Ctrl-C again to exit now)\n`)
      return
    }
    this.#hardStop = true
    this.#io.stderr.write(
      `${style.yellow('Interrupted')} again: exiting now; the requests in flight are not written. To continue, run:\n  ${this.#resume}\n`,
    )
    this.#io.exit(EXIT.interrupted)
  }

  /** The records the scan accepted and the output does not hold (or holds as a failure to send again). */
  async *#pending(): AsyncGenerator<Pending> {
    let pos = 0
    for await (const { index, line, text, record, key } of this.#prepared.selection.records()) {
      if (this.#stopping) return
      if (!this.#prepared.prior.sends(key)) continue
      const item = { pos: pos++, index, line, key, text, record }
      this.#items.set(item.pos, item)
      yield item
    }
  }

  /** Puts each outcome's line in order for the writer; ends early on a write error or an interrupted distributed run. */
  async #collect(): Promise<void> {
    const prior = this.#prepared.prior
    const outcomes = this.#executor.outcomes(this.#pending(), {
      started: (item) => {
        if (this.#firstStart.has(item.pos)) return true
        if (!this.#admit(item)) return false
        this.#firstStart.set(item.pos, performance.now())
        return true
      },
      prior: (item) => prior.state(item.key),
    })
    try {
      for await (const outcome of outcomes) {
        const item = this.#items.get(outcome.index) as Pending
        this.#items.delete(outcome.index)
        const line = this.#lineOf(item, outcome)
        // An answer that must wait for an earlier record's goes to the journal at once: a kill while
        // it waits in memory must not lose what was paid for.
        if (line !== undefined && item.pos !== this.#inOrder.next) {
          this.#journal.add(line.line)
          this.#journaled.add(line)
        }
        this.#inOrder.put(item.pos, line)
        if (this.#writeError !== undefined) break
      }
    } catch (error) {
      // A distributed run interrupted: the outcomes already in are written, the rest wait in Redis.
      if (!(this.#stopping && (error as { code?: unknown } | null)?.code === 'ERR_ABORTED')) {
        await this.#live?.close()
        throw error
      }
    }
  }

  /**
   * `--max-cost`: holds a record's worst case from its first start to its outcome. A record whose worst
   * case would take what is spent and held past the cap may not start (no line: `--resume` sends it),
   * and the run starts nothing more; what started still ends and is written.
   */
  #admit(item: Pending): boolean {
    const budget = this.#job.budget
    if (budget === undefined) return true
    const worst = budget.worstCase(item)
    const spent = budget.spent() + this.#unknownSpent
    if (spent + this.#reservedTotal + worst <= budget.cap) {
      this.#reserved.set(item.pos, worst)
      this.#reservedTotal += worst
      return true
    }
    if (!this.#stopping) {
      this.#stopping = true
      this.#stoppedBy = 'max-cost'
      const now = this.#executor.stop('drain')
      const style = paint(colorEnabled(this.#io.stderr))
      this.#io.stderr.write(
        `\n${style.yellow('Stopped')}: --max-cost ${formatUsd(budget.cap)} reached (${formatUsd(spent)} spent, ${formatUsd(this.#reservedTotal)} in flight, the next request could cost ${formatUsd(worst)}): ${now}\n`,
      )
    }
    return false
  }

  /**
   * Ends a record's hold on `--max-cost`: an answer whose cost cannot be told (no usage, a model
   * without a price) counts as its worst case spent.
   */
  #release(item: Pending, outcome: Outcome<A>): void {
    const worst = this.#reserved.get(item.pos)
    if (worst === undefined) return
    this.#reserved.delete(item.pos)
    this.#reservedTotal -= worst
    const budget = this.#job.budget
    if (outcome.status === 'fulfilled' && budget?.answerCost(item, outcome.value) === undefined) {
      this.#unknownSpent += worst
    }
  }

  /** The record's line, or undefined when it ends without one (never started, interrupted). */
  #lineOf(item: Pending, outcome: Outcome<A>): LineResult | undefined {
    this.#release(item, outcome)
    const start = this.#firstStart.get(item.pos)
    this.#firstStart.delete(item.pos)
    const attempts = outcome.attempts ?? 0
    const ms = start === undefined ? 0 : performance.now() - start
    if (outcome.status === 'fulfilled') {
      this.#live?.record(ms)
      return this.#job.line(item, { value: outcome.value }, attempts, ms)
    }
    const code = (outcome.error as { code?: unknown } | null)?.code
    // A record refused by its own cost (ERR_COST_TOO_HIGH) or model (ERR_NO_ENDPOINT, or every endpoint
    // serving it refused another record of it) never starts, yet gets its line.
    const refused = REFUSED.has(code as string) || isAnswerForUnsent(outcome.error)
    if (!refused && (start === undefined || LEFT_FOR_LATER.has(code as string))) {
      return undefined
    }
    if (this.#hardStop) return undefined
    this.#live?.record(ms, outcome.error)
    return this.#job.line(item, { error: outcome.error }, attempts, ms)
  }

  /** Writes a line with the next sequence number; counts it once it is written. */
  #write(result: LineResult): void {
    const { line, ok } = result
    const write = this.#prepared.writer.write(line, { seq: this.#seq++ }).then(
      () => {
        if (this.#journaled.delete(result) && this.#journaled.size === 0) this.#journal.clear()
        this.#counts.written++
        if (ok) this.#counts.ok++
        else this.#counts.failed++
        this.#progress?.tick(!ok)
      },
      (error: unknown) => {
        this.#writeError ??= error
      },
    )
    this.#track(write)
    if (!ok && this.#prepared.errors !== undefined) {
      this.#track(
        this.#prepared.errors.add(line).catch((error: unknown) => {
          this.#writeError ??= error
        }),
      )
    }
  }

  #track(write: Promise<void>): void {
    this.#writes.add(write)
    void write.finally(() => this.#writes.delete(write))
  }

  /** Closes the executor and the output (every write settled), stops the progress and the page. */
  async #finish(): Promise<RequestStats> {
    const stats = await this.#executor.close()
    // Lines handed to the writer faster than it syncs (a batch's answers all at once) wait for room in
    // its window: closing it first would refuse them (ERR_CLOSED). They are in order, so each gets room.
    await Promise.allSettled([...this.#writes])
    try {
      await this.#prepared.writer.close()
    } catch (error) {
      this.#writeError ??= error
    }
    await Promise.allSettled([...this.#writes])
    await this.#prepared.errors?.close().catch((error: unknown) => {
      this.#writeError ??= error
    })
    // Kept while some of its lines never reached the output: the next run (--resume) folds them in.
    await this.#journal
      .close(this.#inOrder.held > 0 || this.#writeError !== undefined)
      .catch((error: unknown) => {
        this.#writeError ??= error
      })
    this.#progress?.stop()
    await this.#live?.finish(this.#stopping).catch((error: unknown) => {
      this.#writeError ??= error
    })
    return stats
  }

  /** Compacts the output when the run completed after sending records again, and sums the run up. */
  async #result(stats: RequestStats): Promise<RunResult> {
    const { settings, keys } = this.#job
    const { scan, prior, selection, unordered } = this.#prepared
    const stopped = this.#stopping
    const interrupted = this.#stoppedBy === 'interrupt'
    const counts = this.#counts
    // A record sent again got a second line, and a resumed run appended records that an interrupted
    // run left out (a retry Ctrl-C ended) after later ones: once the run is complete, one line per
    // record again, in input order. Interrupted, the file stays appended; the next run compacts it.
    const resumedWithLines = scan.alreadyDone > 0 && counts.written > 0
    const appended = unordered || resumedWithLines || (scan.resend > 0 && counts.written > 0)
    if (!stopped && (prior.duplicates || appended)) {
      await compactOutput(settings.out, keys, selection)
    }
    if (!stopped && settings.errors !== undefined)
      await ErrorsFile.rebuild(settings.errors, settings.out, keys)
    const { concurrency: _, ...requests } = stats
    const summary: BatchSummary = {
      input: settings.input,
      out: settings.out,
      records: scan.records,
      badLines: scan.badLines,
      alreadyDone: scan.alreadyDone,
      alreadyFailed: scan.alreadyFailed,
      resent: scan.resend,
      written: counts.written,
      ok: counts.ok,
      failed: counts.failed,
      notWritten: this.#todo - counts.written,
      interrupted,
      ...(this.#stoppedBy === 'max-cost' ? { stoppedBy: 'max-cost' as const } : {}),
      ms: Math.round(performance.now() - this.#started),
      ...requests,
      ...(stopped ? { resume: this.#resume } : {}),
    }
    const exitCode = interrupted
      ? EXIT.interrupted
      : stopped
        ? EXIT.budgetReached
        : counts.failed > 0
          ? EXIT.someFailed
          : EXIT.ok
    return { summary, scan, stats, exitCode, live: this.#live }
  }
}
