import { formatMs, type OutputStream } from './terminal'

export interface ProgressOptions {
  /** Shown before the counters. */
  label: string
  /** Items expected in all; unknown when undefined (no bar, no ETA). */
  total?: number
  /** Where progress goes (the command keeps stdout for results). @default process.stderr */
  stream?: OutputStream
  /** Redraw one line in place (TTY) or print plain lines. @default stream.isTTY */
  tty?: boolean
  /** Plain mode: ms between two lines. @default 2000 */
  intervalMs?: number
  /** Time source, ms. @default performance.now */
  now?: () => number
  /** Print nothing at all. @default false */
  silent?: boolean
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

/**
 * A progress display: on a TTY, one line redrawn in place with a bar, the rate and the ETA; elsewhere
 * (a pipe, a CI log), a plain line every `intervalMs` and one at the end.
 */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr
  const tty = options.tty ?? stream.isTTY === true
  const now = options.now ?? (() => performance.now())
  const interval = options.intervalMs ?? 2000
  const start = now()
  let done = 0
  let failed = 0
  let last = Number.NEGATIVE_INFINITY
  let shown = ''
  let stopped = false

  const line = (): string => {
    const elapsed = now() - start
    const rate = elapsed > 0 ? (done * 1000) / elapsed : 0
    const parts = [options.label]
    const total = options.total
    if (total !== undefined && total > 0) {
      const share = Math.min(1, done / total)
      if (tty) {
        const filled = Math.round(share * BAR_WIDTH)
        parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`)
      }
      parts.push(`${done}/${total}`, `${Math.floor(share * 100)}%`)
    } else parts.push(String(done))
    if (failed > 0) parts.push(`${failed} failed`)
    parts.push(`${rate.toFixed(1)}/s`)
    if (total !== undefined && rate > 0 && done < total)
      parts.push(`ETA ${formatMs(((total - done) / rate) * 1000)}`)
    else parts.push(formatMs(elapsed))
    return parts.join('  ')
  }

  const draw = (force: boolean) => {
    if (options.silent || stopped) return
    const t = now()
    if (!force && t - last < (tty ? 100 : interval)) return
    // A plain log gets no second line for the same counts (the closing one after a periodic one).
    const counts = `${done}/${failed}`
    if (force && !tty && counts === shown) return
    last = t
    shown = counts
    if (tty) stream.write(`\r\u001b[2K${line()}`)
    else stream.write(`${line()}\n`)
  }

  return {
    update(d, f = failed) {
      done = d
      failed = f
      draw(false)
    },
    tick(itemFailed = false) {
      done++
      if (itemFailed) failed++
      draw(false)
    },
    stop() {
      if (stopped) return
      draw(true)
      stopped = true
      if (tty && !options.silent) stream.write('\n')
    },
  }
}
