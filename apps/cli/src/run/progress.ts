import { type Options, type Params, SingleBar } from 'cli-progress'
import { formatMs, type OutputStream } from '../terminal'

export interface ProgressOptions {
  /** Shown before the counters. */
  label: string
  /** Items expected in all. */
  total: number
  /** Where progress goes (the command keeps stdout for results). @default process.stderr */
  stream?: OutputStream
  /** Plain mode (no TTY): ms between two lines. @default 2000 */
  intervalMs?: number
  /** Print nothing at all. @default false */
  silent?: boolean
  /** Extra counters shown after the rate, from the elapsed ms (e.g. tokens/min). */
  detail?: (elapsedMs: number) => string
  /**
   * The least time (ms) the `left` items can take whatever the rate so far, e.g. what per-minute limits
   * still allow: the ETA is never below it.
   */
  etaFloor?: (left: number) => number
}

export interface Progress {
  /** Sets the counters (ok and failed items so far). */
  update(done: number, failed?: number): void
  /** Adds one finished item. */
  tick(failed?: boolean): void
  /** Prints the final state and ends the line. */
  stop(): void
}

const BAR_WIDTH = 24

/** cli-progress, with its redraw timer unreferenced: a progress line never keeps the process alive. */
class Bar extends SingleBar {
  override render(): void {
    super.render()
    ;(this as unknown as { timer?: NodeJS.Timeout | null }).timer?.unref()
  }
}

/** `label  [bar]  done/total  pct%  N failed  rate/s  ETA` (the bar only on a TTY). */
function formatLine(tty: boolean, label: string, options: Pick<ProgressOptions, 'detail' | 'etaFloor'>) {
  const { detail, etaFloor } = options
  return (_options: Options, params: Params, payload: { failed: number }): string => {
    const elapsed = Date.now() - params.startTime
    const rate = elapsed > 0 ? (params.value * 1000) / elapsed : 0
    const share = Math.min(1, params.progress)
    const parts = [label]
    if (tty) {
      const filled = Math.round(share * BAR_WIDTH)
      parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`)
    }
    parts.push(`${params.value}/${params.total}`, `${Math.floor(share * 100)}%`)
    if (payload.failed > 0) parts.push(`${payload.failed} failed`)
    parts.push(`${rate.toFixed(1)}/s`)
    if (detail !== undefined) parts.push(detail(elapsed))
    const left = params.total - params.value
    const eta = left > 0 && rate > 0 ? Math.max((left / rate) * 1000, etaFloor?.(left) ?? 0) : undefined
    parts.push(eta === undefined ? formatMs(elapsed) : `ETA ${formatMs(eta)}`)
    return parts.join('  ')
  }
}

const silentProgress: Progress = { update() {}, tick() {}, stop() {} }

/**
 * A progress display on cli-progress: on a TTY, one line redrawn in place (at most 10 times a
 * second) with a bar, the rate and the ETA; elsewhere (a pipe, a CI log), a plain line every
 * `intervalMs` and one at the end. No colours, so NO_COLOR has nothing to turn off.
 */
export function createProgress(options: ProgressOptions): Progress {
  if (options.silent) return silentProgress
  const stream = (options.stream ?? process.stderr) as NodeJS.WritableStream
  const tty = (stream as OutputStream).isTTY === true
  const bar = new Bar({
    stream,
    format: formatLine(tty, options.label, options),
    noTTYOutput: true,
    notTTYSchedule: options.intervalMs ?? 2000,
    // A plain log already ends each line; a TTY line gets its newline on stop.
    clearOnComplete: !tty,
    gracefulExit: false,
    hideCursor: false,
  })
  let done = 0
  let failed = 0
  let stopped = false
  bar.start(options.total, 0, { failed })
  const update = (d: number, f = failed) => {
    done = d
    failed = f
    if (!stopped) bar.update(done, { failed })
  }
  return {
    update,
    tick: (itemFailed = false) => update(done + 1, failed + (itemFailed ? 1 : 0)),
    stop: () => {
      if (stopped) return
      stopped = true
      bar.stop()
    },
  }
}
